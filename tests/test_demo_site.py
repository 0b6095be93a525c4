"""The demo's sample news site: its data meets the minimums the demo promises, and the local server serves
feeds, sitemaps, pages and PDFs the way real sites do."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import defusedxml.ElementTree as ET
import feedparser
import pypdf
import pytest

from corpus.demo.server import DemoServer
from corpus.demo.sitebuilder import (
    SITE_DIR,
    SiteDataError,
    article_path,
    design_counts,
    design_markdown,
    load_site,
)

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def site():
    return load_site()


@pytest.fixture(scope="module")
def server(site):
    with DemoServer(site) as srv:
        yield srv


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def originals(site):
    return [a for a in site.articles if a.kind == "news" and a.date and not a.syndicated_from]


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


# ---------------------------------------------------------------- the data

def test_minimum_counts_and_spread(site):
    news = originals(site)
    assert len(news) >= 64
    assert len({a.outlet for a in news}) >= 4
    years = Counter(a.date.year for a in news)
    assert len(years) >= 6 and min(years) <= 2019 and max(years) >= 2026
    assert min(years.values()) >= 6, years
    assert len({(a.date.year, a.date.month) for a in news}) >= 40
    assert all(len(a.paragraphs) >= 3 for a in site.articles)
    assert sum(a.kind == "policy" for a in site.articles) >= 3
    assert len({site.outlets[a.outlet].template for a in site.articles}) >= 5   # 4 HTML templates + PDF


def test_titles_and_texts_are_distinct(site):
    titles = Counter(a.title for a in site.articles)
    assert max(titles.values()) == 1
    firsts = Counter(a.paragraphs[0] for a in site.articles)
    assert max(firsts.values()) == 1


def test_syndicated_copies_are_near_copies_with_a_changed_lead(site):
    copies = [a for a in site.articles if a.syndicated_from]
    assert len(copies) >= 6
    by_original = Counter(a.syndicated_from for a in copies)
    assert len(by_original) >= 3 and min(by_original.values()) >= 2
    for copy in copies:
        original = site.by_uid(copy.syndicated_from)
        assert original.outlet == "northwind" and copy.outlet != original.outlet
        assert copy.title != original.title
        assert copy.paragraphs[0] != original.paragraphs[0]
        assert copy.paragraphs[-1] not in original.paragraphs          # the re-running outlet's tagline
        a, b = shingles(copy.text), shingles(original.text)
        assert 0.6 < len(a & b) / len(a | b) < 0.95, copy.uid
        assert abs((copy.date - original.date).days) <= 1


def test_offtopic_pages_use_the_trap_senses(site):
    off = [a for a in site.articles if a.kind == "offtopic"]
    assert len(off) >= 5
    text = " ".join(a.text.lower() for a in off)
    for trap in ("economic recovery", "injection site", "recovery site", "water treatment",
                 "unfair treatment", "treatment group"):
        assert trap in text, trap
    for a in off:
        assert not re.search(r"consumption|overdose|harm reduction", a.text, re.I), a.uid


def test_undated_pages_show_no_date_anywhere(site, server):
    undated = [a for a in site.articles if a.date is None]
    assert len(undated) >= 3
    assert len({a.outlet for a in undated}) >= 3
    for a in undated:
        assert not re.search(r"\d", article_path(a))
        status, headers, body = get(server.url(article_path(a)))
        page = re.sub(r'href="[^"]*"', "", body.decode("utf-8"))   # related links may point to dated URLs
        assert status == 200 and "Last-Modified" not in headers
        assert not re.search(r"(19|20)\d\d", page), a.uid
        assert "<time" not in page and "published_time" not in page and "datePublished" not in page


def test_design_table_in_readme_matches_the_data_and_rises(site):
    readme = (SITE_DIR / "README.md").read_text(encoding="utf-8")
    assert design_markdown(site) in readme
    counts = design_counts(site)

    def share(years: range) -> float:
        rows = [counts[str(y)] for y in years]
        opp = sum(r["opposition"] for r in rows)
        return opp / sum(sum(r.values()) for r in rows)

    early, middle, late = share(range(2019, 2022)), share(range(2022, 2024)), share(range(2024, 2027))
    assert early < 0.15 < middle < late and late > 0.6


def test_bad_data_file_is_named(tmp_path):
    for path in SITE_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    bad = tmp_path / "vpr.toml"
    bad.write_text(bad.read_text(encoding="utf-8").replace('kind = "offtopic"', 'kind = "sports"', 1),
                   encoding="utf-8")
    with pytest.raises(SiteDataError, match=r"vpr\.toml.*vaccine-injection-site-reactions.*sports"):
        load_site(tmp_path)


# ---------------------------------------------------------------- the server

def test_robots_points_to_sitemaps_and_every_page_is_in_one(site, server):
    status, _, body = get(server.url("/robots.txt"))
    assert status == 200
    listed = re.findall(r"^Sitemap: (\S+)$", body.decode(), re.M)
    assert server.url("/sitemap_index.xml") in listed and server.url("/news-sitemap.xml") in listed

    _, _, index = get(server.url("/sitemap_index.xml"))
    children = [el.text for el in ET.fromstring(index).iter(f"{SM}loc")]
    assert len(children) == 5
    seen: dict[str, str | None] = {}
    for child in children:
        status, _, xml = get(child)
        assert status == 200
        for url in ET.fromstring(xml).iter(f"{SM}url"):
            lastmod = url.find(f"{SM}lastmod")
            seen[url.find(f"{SM}loc").text] = lastmod.text if lastmod is not None else None
    expected = {server.url(article_path(a)): (a.date.isoformat() if a.date else None) for a in site.articles}
    assert seen == expected


def test_news_sitemap_lists_recent_stories_with_dates(site, server):
    _, _, xml = get(server.url("/news-sitemap.xml"))
    entries = list(ET.fromstring(xml).iter(f"{SM}url"))
    assert len(entries) == 10
    newest = sorted((a.date for a in site.articles if a.date and a.kind == "news"), reverse=True)[:10]
    dates = [dt.date.fromisoformat(e.find(f".//{NEWS}publication_date").text) for e in entries]
    assert sorted(dates, reverse=True) == newest
    names = {e.find(f".//{NEWS}name").text for e in entries}
    assert names <= {o.name for o in site.outlets.values()}


@pytest.mark.parametrize("outlet", ["ledger", "northwind", "vpr", "civic"])
def test_rss_and_atom_feeds_list_recent_items_with_dates(site, server, outlet):
    mine = {server.url(article_path(a)): a for a in site.articles if a.outlet == outlet and a.date}
    for name, version in (("feed.rss", "rss20"), ("feed.atom", "atom10")):
        status, headers, body = get(server.url(f"/{outlet}/{name}"))
        assert status == 200 and ("rss" in headers["Content-Type"] or "atom" in headers["Content-Type"])
        feed = feedparser.parse(body)
        assert feed.version == version and not feed.bozo
        assert len(feed.entries) == 12
        for entry in feed.entries:
            article = mine[entry.link]
            stamp = entry.get("published_parsed")
            assert dt.date(*stamp[:3]) == article.date
        newest = sorted(mine.values(), key=lambda a: a.date, reverse=True)[:12]
        assert {e.link for e in feed.entries} == {server.url(article_path(a)) for a in newest}


def test_templates_differ_in_their_metadata(site, server):
    def page(outlet: str) -> str:
        a = next(a for a in site.articles if a.outlet == outlet and a.date)
        return get(server.url(article_path(a)))[2].decode()

    ledger, wire, vpr, civic = page("ledger"), page("northwind"), page("vpr"), page("civic")
    assert "application/ld+json" in ledger and 'og:site_name' in ledger and "<nav>" in ledger
    assert "application/ld+json" not in wire and "og:" not in wire and '<meta name="date"' in wire
    assert "og:site_name" in vpr and "published_time" not in vpr and re.search(r"Published \w+day", vpr)
    assert "<meta" not in civic and re.search(r"/civic/\d{4}/\d\d/\d\d/", article_path(
        next(a for a in site.articles if a.outlet == "civic" and a.date)))
    for html in (ledger, wire, vpr, civic):                   # boilerplate around every article
        assert html.count("<a href=") >= 5


def test_every_article_page_carries_its_paragraphs(site, server):
    for a in site.articles:
        status, headers, body = get(server.url(article_path(a)))
        assert status == 200, a.uid
        if a.kind == "policy":
            continue
        page = body.decode("utf-8")
        assert all(p.replace('"', "&quot;").replace("'", "&#x27;")[:60] in page for p in a.paragraphs), a.uid


def test_pdfs_are_served_with_text_and_date(site, server):
    policies = [a for a in site.articles if a.kind == "policy"]
    for a in policies:
        status, headers, body = get(server.url(article_path(a)))
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        reader = pypdf.PdfReader(io.BytesIO(body))
        text = " ".join(p.extract_text() for p in reader.pages)
        assert " ".join(a.paragraphs[1].split()[:8]) in " ".join(text.split())
        assert reader.metadata["/CreationDate"].startswith(f"D:{a.date:%Y%m%d}")


def test_unknown_paths_404_and_etags_give_304(server):
    assert get(server.url("/ledger/news/no-such-story/"))[0] == 404
    status, headers, _ = get(server.url("/vpr/feed.rss"))
    assert status == 200
    again = get(server.url("/vpr/feed.rss"), {"If-None-Match": headers["ETag"]})
    assert again[0] == 304 and again[2] == b""


def test_server_releases_its_port(site):
    srv = DemoServer(site).start()
    url = srv.url("/robots.txt")
    assert get(url)[0] == 200
    srv.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_pdfs_match_their_source_text():
    """The committed PDFs are the rendering of policy.toml (re-run make_pdfs after editing it)."""
    site = load_site()
    for a in site.articles:
        if a.kind == "policy":
            pdf = Path(SITE_DIR / "pdf" / f"{a.slug}.pdf")
            text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages).split())
            for para in a.paragraphs:
                assert " ".join(para.split())[-40:] in text, (a.slug, para[:40])
