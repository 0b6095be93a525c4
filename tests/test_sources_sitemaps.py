"""Sitemaps: urlsets, indexes followed within limits, gzipped children, Google News dates, unsafe XML."""
from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.errors import ScrapeError
from scrapers.sources.base import build_source
from scrapers.sources.sitemaps import SitemapEntry, parse_sitemap

DATA = Path(__file__).parent / "data" / "sources"
NEWS = (DATA / "sitemap_news.xml").read_bytes()


@pytest.fixture
def fetcher():
    from scrapers.http import Fetcher

    return Fetcher(min_delay=0, allow_loopback=True, obey_robots=False)


def serve_site(web) -> None:
    """The recorded-style sitemap tree: index → gzipped news sitemap, page sitemaps, a nested index."""
    base = web.url("")

    def text(name: str) -> bytes:
        return (DATA / name).read_text().replace("{BASE}", base).encode()

    web.route("/sitemap_index.xml", body=text("sitemap_index.xml"), content_type="application/xml")
    web.route("/sitemaps/news.xml.gz", body=gzip.compress(NEWS), content_type="application/x-gzip")
    web.route("/sitemaps/pages-2024-03.xml", body=text("sitemap_pages.xml"), content_type="application/xml")
    web.route("/sitemaps/pages-2022.xml", body=b"should never be fetched", content_type="application/xml")
    web.route("/sitemaps/archive-index.xml", body=text("sitemap_archive_index.xml"), content_type="application/xml")
    web.route("/sitemaps/archive-2024.xml", body=text("sitemap_archive.xml"), content_type="application/xml")


def test_news_sitemap_keeps_publication_date_title_outlet():
    sitemap = parse_sitemap(NEWS, "https://lakeshore-tribune.example/news-sitemap.xml")
    assert sitemap.kind == "urlset"
    first = sitemap.entries[0]
    assert first == SitemapEntry(
        loc="https://lakeshore-tribune.example/local/2024/03/13/safe-injection-site-hearing",
        lastmod=dt.date(2024, 3, 14),
        title="Neighbours pack hearing on proposed safe injection site",
        publication_date=dt.date(2024, 3, 13),  # 22:45 at -05:00 stays on the 13th
        outlet="Lakeshore Tribune",
        language="en",
        keywords="harm reduction, city council",
    )


def test_gzipped_and_text_sitemaps():
    assert parse_sitemap(gzip.compress(NEWS), "https://x.example/s.xml.gz").entries[2].publication_date == dt.date(2024, 2, 27)
    text = b"https://a.example/one\nhttps://a.example/two\n"
    assert [e.loc for e in parse_sitemap(text, "https://a.example/sitemap.txt").entries] == [
        "https://a.example/one", "https://a.example/two"]


def test_gzip_bomb_stops_at_the_limit():
    block = gzip.compress(b" " * (1024 * 1024))
    bomb = gzip.compress(b"<urlset>") + block * 60  # 60 concatenated gzip members inflate to 60 MB
    with pytest.raises(ScrapeError) as err:
        parse_sitemap(bomb, "https://bomb.example/s.xml.gz")
    assert err.value.reason == "decompression_bomb"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ((DATA / "billion_laughs_sitemap.xml").read_bytes(), "xml_unsafe"),
        (gzip.compress((DATA / "billion_laughs_sitemap.xml").read_bytes(), mtime=0), "xml_unsafe"),
        (b"<html><body>Not found</body></html>", "parse_error"),
        (b"<urlset><url><loc>https://a.example/</loc>", "parse_error"),
        (b"", "empty"),
        (b"\x1f\x8b\x08\x00garbage", "parse_error"),
    ],
    ids=["billion-laughs", "billion-laughs-gzipped", "html-page", "truncated", "empty", "broken-gzip"],
)
def test_bad_sitemaps_are_named_errors(data, reason):
    with pytest.raises(ScrapeError) as err:
        parse_sitemap(data, "https://bad.example/sitemap.xml")
    assert err.value.reason == reason and err.value.url == "https://bad.example/sitemap.xml"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_entries_or_scrape_error(data):
    try:
        sitemap = parse_sitemap(data, "https://fuzz.example/sitemap.xml")
    except ScrapeError as err:
        assert err.reason in {"parse_error", "xml_unsafe", "empty", "decompression_bomb"}
        return
    assert sitemap.kind in {"urlset", "index"}
    assert all(e.loc.startswith(("http://", "https://")) for e in sitemap.entries)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(NEWS)), st.binary(max_size=40), st.integers(0, 200), st.booleans())
def test_damaged_real_sitemaps_give_entries_or_scrape_error(pos, junk, drop, zipped):
    data = NEWS[:pos] + junk + NEWS[pos + drop:]
    if zipped:
        data = gzip.compress(data)[: max(10, len(data) // 2)] if drop % 2 else gzip.compress(data)
    try:
        parse_sitemap(data, "https://fuzz.example/sitemap.xml")
    except ScrapeError as err:
        assert err.reason in {"parse_error", "xml_unsafe", "empty", "decompression_bomb"}


def test_discover_follows_index_to_gzipped_news_sitemap(web, fetcher):
    serve_site(web)
    source = build_source("sitemap", "tribune", {
        "url": web.url("/sitemap_index.xml"),
        "query": ['"safe injection"', '"supervised consumption"', '"overdose prevention"'],
    }, fetcher)
    got = {c.url: c for c in source.discover(dt.date(2024, 1, 1), dt.date(2024, 3, 31))}
    assert set(got) == {
        "https://lakeshore-tribune.example/local/2024/03/13/safe-injection-site-hearing",
        "https://lakeshore-tribune.example/local/2024/02/27/overdose-prevention-funding",
        "https://lakeshore-tribune.example/opinion/why-supervised-consumption-works",  # slug match, lastmod in range
        "https://lakeshore-tribune.example/archive/supervised-consumption-explainer",  # via the nested index
    }
    hearing = got["https://lakeshore-tribune.example/local/2024/03/13/safe-injection-site-hearing"]
    assert (hearing.date, hearing.date_source, hearing.outlet) == (dt.date(2024, 3, 13), "sitemap", "Lakeshore Tribune")
    assert hearing.title == "Neighbours pack hearing on proposed safe injection site"
    opinion = got["https://lakeshore-tribune.example/opinion/why-supervised-consumption-works"]
    assert opinion.date is None and opinion.extra["lastmod"] == "2024-03-11"  # lastmod is no publication date
    assert web.hits("/sitemaps/pages-2022.xml") == 0  # child whose lastmod predates `since` is skipped
    assert source.errors == []


def test_news_dates_filter_the_range(web, fetcher):
    serve_site(web)
    source = build_source("sitemap", "tribune", {"url": web.url("/sitemaps/news.xml.gz")}, fetcher)
    got = [c.url for c in source.discover(dt.date(2024, 3, 1), dt.date(2024, 3, 12))]
    assert got == ["https://lakeshore-tribune.example/sports/2024/03/12/hockey-final"]


def test_depth_and_count_limits_are_recorded(web, fetcher):
    serve_site(web)
    shallow = build_source("sitemap", "s", {"url": web.url("/sitemap_index.xml"), "max_depth": 1}, fetcher)
    with pytest.raises(ScrapeError) as err:
        urls = []
        for cand in shallow.discover(dt.date(2024, 1, 1), None):
            urls.append(cand.url)
    assert err.value.reason == "limit_reached"
    assert web.hits("/sitemaps/archive-2024.xml") == 0
    assert len(urls) == 5  # 3 news + 2 recent pages: the nested index's child was not followed

    before = web.hits("/sitemaps/pages-2024-03.xml")
    few = build_source("sitemap", "s", {"url": web.url("/sitemap_index.xml"), "max_sitemaps": 2}, fetcher)
    with pytest.raises(ScrapeError) as err:
        list(few.discover())
    assert err.value.reason == "limit_reached"
    assert web.hits("/sitemaps/pages-2024-03.xml") == before  # only the index and the news sitemap


def test_unsafe_child_sitemap_is_reported_after_the_others(web, fetcher):
    serve_site(web)
    web.route("/sitemaps/pages-2024-03.xml", body=(DATA / "billion_laughs_sitemap.xml").read_bytes(),
              content_type="application/xml")
    source = build_source("sitemap", "tribune", {"url": web.url("/sitemap_index.xml")}, fetcher)
    urls = []
    with pytest.raises(ScrapeError) as err:
        for cand in source.discover(dt.date(2024, 1, 1), None):
            urls.append(cand.url)
    assert err.value.reason == "xml_unsafe" and err.value.url == web.url("/sitemaps/pages-2024-03.xml")
    assert len(urls) == 4  # 3 from the news sitemap + 1 from the nested archive


def test_an_index_listing_itself_or_a_parent_is_reported_as_a_loop(web, fetcher):
    page_sitemap = (f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                    f"<url><loc>{web.url('/story.html')}</loc></url></urlset>")

    def index(*children: str) -> str:
        locs = "".join(f"<sitemap><loc>{web.url(c)}</loc></sitemap>" for c in children)
        return f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{locs}</sitemapindex>"

    web.route("/self.xml", body=index("/self.xml"), content_type="application/xml")
    alone = build_source("sitemap", "s", {"url": web.url("/self.xml")}, fetcher)
    with pytest.raises(ScrapeError) as err:
        list(alone.discover())
    assert err.value.reason == "sitemap_loop" and "/self.xml" in err.value.message
    assert web.hits("/self.xml") == 1

    web.route("/a.xml", body=index("/b.xml", "/pages.xml"), content_type="application/xml")
    web.route("/b.xml", body=index("/a.xml", "/pages.xml"), content_type="application/xml")
    web.route("/pages.xml", body=page_sitemap, content_type="application/xml")
    cycle = build_source("sitemap", "s", {"url": web.url("/a.xml")}, fetcher)
    urls = []
    with pytest.raises(ScrapeError) as err:
        for cand in cycle.discover():
            urls.append(cand.url)
    assert err.value.reason == "sitemap_loop" and urls == [web.url("/story.html")]
    assert web.hits("/a.xml") == web.hits("/b.xml") == web.hits("/pages.xml") == 1
