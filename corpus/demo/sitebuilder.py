"""Render the bundled sample news site (corpus/demo/site/*.toml) into the pages, feeds and sitemaps the demo serves.

The site imitates what the scrapers meet in the wild: four outlets with their own page templates
(JSON-LD and OpenGraph on some, bare pages with the date only in the URL or the text on others),
RSS 2.0 and Atom feeds that list only recent items, a sitemap index, a Google News sitemap, robots.txt,
and PDF policy documents. Example::

    site = load_site()
    resources = build_site(site, "http://127.0.0.1:8000")
    resources["/robots.txt"].body
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SITE_DIR = Path(__file__).resolve().parent / "site"
PDF_DIR = SITE_DIR / "pdf"
OUTLET_FILES = ("ledger.toml", "northwind.toml", "vpr.toml", "civic.toml", "policy.toml")
KINDS = ("news", "policy", "offtopic")
TEMPLATES = ("daily", "wire", "broadcast", "weekly", "pdf")
PAIRS = {"HR+T": "HARM_REDUCTION+TREATMENT", "HR+R": "HARM_REDUCTION+RECOVERY", "T+R": "TREATMENT+RECOVERY"}
LABELS = {"c": "complementary", "n": "neutral", "o": "opposition"}
FEED_ITEMS = 12          # feeds list only the most recent items, like real ones
NEWS_SITEMAP_ITEMS = 10  # the Google News sitemap lists only the latest stories


class SiteDataError(ValueError):
    """The sample site's data files are malformed; the message names the file and the article."""


@dataclass(frozen=True)
class Outlet:
    """One fictional publisher and the template its pages use."""

    key: str
    name: str
    kind: str
    template: str
    city: str
    tagline: str


@dataclass(frozen=True)
class Article:
    """One page of the sample site, as written in the data files."""

    slug: str
    outlet: str
    date: dt.date | None
    title: str
    paragraphs: tuple[str, ...]
    kind: str
    author: str
    syndicated_from: str | None = None
    design: tuple[tuple[str, str], ...] = field(default=())   # (pair key, label) per written relation

    @property
    def uid(self) -> str:
        """`outlet/slug`, the id syndicated copies point to."""
        return f"{self.outlet}/{self.slug}"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Site:
    """All outlets and articles of the sample site."""

    outlets: dict[str, Outlet]
    articles: tuple[Article, ...]

    def by_uid(self, uid: str) -> Article:
        for article in self.articles:
            if article.uid == uid:
                return article
        raise KeyError(uid)


@dataclass(frozen=True)
class Resource:
    """One servable response: body bytes, content type and, when it has one, a last-modified date."""

    body: bytes
    content_type: str
    last_modified: dt.date | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


def _parse_design(entries: list[str], where: str) -> tuple[tuple[str, str], ...]:
    out = []
    for entry in entries:
        pair, _, label = entry.partition(":")
        if pair not in PAIRS or label not in LABELS:
            raise SiteDataError(f"{where}: bad design entry {entry!r} (want e.g. 'HR+T:o')")
        out.append((PAIRS[pair], LABELS[label]))
    return tuple(out)


def load_site(site_dir: Path = SITE_DIR) -> Site:
    """Read and check every outlet file; raises SiteDataError naming the file and article at fault."""
    outlets: dict[str, Outlet] = {}
    articles: list[Article] = []
    for name in OUTLET_FILES:
        path = site_dir / name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            outlet = Outlet(**data["outlet"])
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise SiteDataError(f"{path}: {exc}") from exc
        if outlet.template not in TEMPLATES:
            raise SiteDataError(f"{path}: unknown template {outlet.template!r}")
        outlets[outlet.key] = outlet
        for i, raw in enumerate(data.get("articles", []), 1):
            where = f"{path}: article {i} ({raw.get('slug', '?')})"
            try:
                article = Article(
                    slug=raw["slug"], outlet=raw["outlet"], date=raw.get("date"), title=raw["title"],
                    paragraphs=tuple(p.strip() for p in raw["paragraphs"]), kind=raw["kind"],
                    author=raw["author"], syndicated_from=raw.get("syndicated_from"),
                    design=_parse_design(raw.get("design", []), where),
                )
            except KeyError as exc:
                raise SiteDataError(f"{where}: missing field {exc}") from exc
            if article.outlet != outlet.key:
                raise SiteDataError(f"{where}: outlet {article.outlet!r} in the file of {outlet.key!r}")
            if article.kind not in KINDS:
                raise SiteDataError(f"{where}: kind {article.kind!r} not one of {KINDS}")
            if article.date is not None and not isinstance(article.date, dt.date):
                raise SiteDataError(f"{where}: date must be a TOML date like 2021-03-04")
            if len(article.paragraphs) < 3:
                raise SiteDataError(f"{where}: needs at least 3 paragraphs")
            articles.append(article)
    uids = Counter(a.uid for a in articles)
    if dupes := [u for u, n in uids.items() if n > 1]:
        raise SiteDataError(f"{site_dir}: duplicate slugs {dupes}")
    for a in articles:
        if a.syndicated_from and a.syndicated_from not in uids:
            raise SiteDataError(f"{site_dir}: {a.uid} is syndicated from unknown {a.syndicated_from!r}")
    return Site(outlets, tuple(articles))


def article_path(article: Article) -> str:
    """The URL path of an article; each outlet has its own URL scheme (only the weekly's carries the date)."""
    key, slug = article.outlet, article.slug
    if key == "ledger":
        return f"/ledger/news/{slug}/"
    if key == "northwind":
        return f"/northwind/story/{slug}.html"
    if key == "vpr":
        return f"/vpr/stories/{slug}"
    if key == "civic":
        if article.date is None:
            return f"/civic/letters/{slug}/"
        return f"/civic/{article.date:%Y}/{article.date:%m}/{article.date:%d}/{slug}/"
    return f"/documents/{slug}.pdf"


def design_counts(site: Site) -> dict[str, dict[str, int]]:
    """Relation sentences written on purpose, counted per year (or 'undated') and label, syndicated copies once."""
    counts: dict[str, dict[str, int]] = {}
    for a in site.articles:
        if a.kind == "offtopic" or a.syndicated_from:
            continue
        year = str(a.date.year) if a.date else "undated"
        row = counts.setdefault(year, {label: 0 for label in LABELS.values()})
        for _, label in a.design:
            row[label] += 1
    return dict(sorted(counts.items()))


def design_markdown(site: Site) -> str:
    """The design table README.md carries: per year, relations written as complementary/neutral/opposition."""
    lines = ["| year | complementary | neutral | opposition | opposition share |", "|---|---|---|---|---|"]
    for year, row in design_counts(site).items():
        total = sum(row.values())
        share = row["opposition"] / total if total else 0.0
        lines.append(f"| {year} | {row['complementary']} | {row['neutral']} | {row['opposition']} | {share:.2f} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- page templates

def _related(site: Site, article: Article, n: int = 3) -> list[Article]:
    same = [a for a in site.articles if a.outlet == article.outlet and a.uid != article.uid and a.kind != "policy"]
    start = sum(map(ord, article.slug)) % max(len(same), 1)
    return (same[start:] + same[:start])[:n]


def _related_html(site: Site, article: Article, base: str, heading: str) -> str:
    items = "".join(
        f'<li><a href="{base}{article_path(r)}">{html.escape(r.title)}</a></li>' for r in _related(site, article)
    )
    return f'<aside class="related"><h3>{heading}</h3><ul>{items}</ul></aside>'


def _paragraphs(article: Article) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)


def _long_date(d: dt.date) -> str:
    return f"{d:%A}, {d:%B} {d.day}, {d.year}"


def _page_daily(site: Site, outlet: Outlet, a: Article, base: str) -> str:
    url = base + article_path(a)
    jsonld: dict[str, object] = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
        "author": {"@type": "Person", "name": a.author},
        "publisher": {"@type": "Organization", "name": outlet.name}, "mainEntityOfPage": url,
    }
    meta = ""
    byline_date = ""
    if a.date:
        modified = a.date + dt.timedelta(days=2 + len(a.slug) % 40)   # later corrections, as real sites show
        jsonld["datePublished"] = f"{a.date.isoformat()}T07:30:00-05:00"
        jsonld["dateModified"] = f"{modified.isoformat()}T16:05:00-05:00"
        meta = f'<meta property="article:published_time" content="{a.date.isoformat()}T07:30:00-05:00">'
        byline_date = f' · <time datetime="{a.date.isoformat()}">{a.date:%B} {a.date.day}, {a.date.year}</time>'
    nav = "".join(f'<li><a href="{base}/ledger/section/{s.lower()}/">{s}</a></li>'
                  for s in ("Local", "Province", "Business", "Sports", "Opinion", "Obituaries"))
    return f"""<!DOCTYPE html>
<html lang="en-CA"><head><meta charset="utf-8">
<title>{html.escape(a.title)} | {html.escape(outlet.name)}</title>
<link rel="canonical" href="{url}">
<meta property="og:type" content="article"><meta property="og:title" content="{html.escape(a.title)}">
<meta property="og:site_name" content="{html.escape(outlet.name)}"><meta property="og:url" content="{url}">
{meta}
<script type="application/ld+json">{json.dumps(jsonld)}</script>
<link rel="alternate" type="application/rss+xml" href="{base}/ledger/feed.rss">
</head><body>
<header class="masthead"><a href="{base}/ledger/">{html.escape(outlet.name)}</a><span class="tag">{html.escape(outlet.tagline)}</span>
<nav><ul>{nav}</ul></nav>
<div class="promo">Subscribe for unlimited access to local journalism. <a href="{base}/ledger/subscribe/">Start today</a></div>
</header>
<main><article>
<div class="breadcrumb"><a href="{base}/ledger/">Home</a> › <a href="{base}/ledger/section/local/">Local</a></div>
<h1>{html.escape(a.title)}</h1>
<div class="byline">By {html.escape(a.author)}{byline_date}</div>
<div class="article-body">
{_paragraphs(a)}
</div>
<div class="share">Share this story: <a href="#">Email</a> <a href="#">Print</a></div>
</article>
{_related_html(site, a, base, "More from the Ledger")}
</main>
<footer><div class="newsletter">Get the morning briefing in your inbox. <a href="{base}/ledger/newsletters/">Sign up</a></div>
<ul><li><a href="{base}/ledger/about/">About us</a></li><li><a href="{base}/ledger/contact/">Contact the newsroom</a></li>
<li><a href="{base}/ledger/privacy/">Privacy</a></li><li><a href="{base}/ledger/terms/">Terms of use</a></li></ul>
<p>{html.escape(outlet.name)} is published by Coastline Media Group. All rights reserved.</p></footer>
</body></html>"""


def _page_wire(site: Site, outlet: Outlet, a: Article, base: str) -> str:
    meta = f'<meta name="date" content="{a.date.isoformat()}">' if a.date else ""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(a.title)} - Northwind</title>
{meta}<meta name="author" content="{html.escape(a.author)}">
</head><body>
<div id="top"><b>NORTHWIND</b> PRESS SERVICE | <a href="{base}/northwind/">Latest</a> | <a href="{base}/northwind/topics/health/">Health</a> | <a href="{base}/northwind/topics/politics/">Politics</a> | <a href="{base}/northwind/clients/">For clients</a></div>
<div id="story">
<h2 class="slugline">{html.escape(a.title)}</h2>
{_paragraphs(a)}
<p class="endmark">(Reporting by {html.escape(a.author)}; editing by the Northwind desk)</p>
</div>
{_related_html(site, a, base, "Also on the wire")}
<div id="bottom">Northwind stories may be republished by subscribing outlets under the terms of their licence. <a href="{base}/northwind/licensing/">Licensing</a> | <a href="{base}/northwind/corrections/">Corrections</a></div>
</body></html>"""


def _page_broadcast(site: Site, outlet: Outlet, a: Article, base: str) -> str:
    url = base + article_path(a)
    aired = f'<p class="aired">Published {_long_date(a.date)} at 6:04 AM</p>' if a.date else ""
    shows = "".join(f'<a href="{base}/vpr/programs/{s}/">{s.replace("-", " ").title()}</a> '
                    for s in ("morning-edition", "coast-at-noon", "the-valmere-hour"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(a.title)} · VPR News</title>
<meta property="og:site_name" content="{html.escape(outlet.name)}">
<meta property="og:title" content="{html.escape(a.title)}"><meta property="og:type" content="article">
<meta property="og:url" content="{url}"><meta name="description" content="{html.escape(a.paragraphs[0][:150])}">
</head><body>
<div class="station-bar"><a href="{base}/vpr/">VPR</a> <a href="{base}/vpr/listen-live/">Listen live</a> <a href="{base}/vpr/donate/">Donate</a> {shows}</div>
<section class="story">
<h1 class="story-title">{html.escape(a.title)}</h1>
<div class="credit">{html.escape(a.author)}</div>
{aired}
<div class="player">Listen to this story <button>Play</button></div>
<div class="story-text">
{_paragraphs(a)}
</div>
</section>
{_related_html(site, a, base, "Related stories")}
<footer class="station-footer"><p>Valmere Public Radio is a listener-supported public broadcaster. <a href="{base}/vpr/donate/">Become a member</a></p>
<p><a href="{base}/vpr/about/">About VPR</a> · <a href="{base}/vpr/careers/">Careers</a> · <a href="{base}/vpr/fcc/">Public file</a></p></footer>
</body></html>"""


def _page_weekly(site: Site, outlet: Outlet, a: Article, base: str) -> str:
    return f"""<html><head><title>{html.escape(a.title)}</title></head>
<body>
<table width="100%"><tr><td><a href="{base}/civic/"><b>{html.escape(outlet.name)}</b></a></td>
<td align="right"><a href="{base}/civic/archive/">Archive</a> · <a href="{base}/civic/subscribe/">Subscribe</a> · <a href="{base}/civic/submissions/">Submit an essay</a></td></tr></table>
<div class="essay">
<h1>{html.escape(a.title)}</h1>
<h4>{html.escape(a.author)}</h4>
{_paragraphs(a)}
</div>
<hr>{_related_html(site, a, base, "Elsewhere in this issue")}
<p class="colophon">{html.escape(outlet.name)} is a reader-funded magazine of ideas. Letters to the editor: letters@civicweekly.example</p>
</body></html>"""


_PAGES = {"daily": _page_daily, "wire": _page_wire, "broadcast": _page_broadcast, "weekly": _page_weekly}


# ---------------------------------------------------------------- feeds and sitemaps

def noon_utc(d: dt.date) -> dt.datetime:
    """Noon UTC on a date: the time feeds and headers give a page published that day."""
    return dt.datetime(d.year, d.month, d.day, 12, 0, tzinfo=dt.timezone.utc)


def _recent(articles: Iterable[Article], n: int) -> list[Article]:
    dated = [a for a in articles if a.date is not None]
    return sorted(dated, key=lambda a: (a.date, a.slug), reverse=True)[:n]


def _rss(outlet: Outlet, items: list[Article], base: str) -> bytes:
    entries = "".join(
        f"<item><title>{xml_escape(a.title)}</title><link>{base}{article_path(a)}</link>"
        f"<guid isPermaLink=\"true\">{base}{article_path(a)}</guid>"
        f"<pubDate>{format_datetime(noon_utc(a.date))}</pubDate>"
        f"<dc:creator>{xml_escape(a.author)}</dc:creator>"
        f"<description>{xml_escape(a.paragraphs[0])}</description></item>\n"
        for a in items if a.date
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{xml_escape(outlet.name)}</title><link>{base}/{outlet.key}/</link>"
        f"<description>{xml_escape(outlet.tagline)}</description><language>en</language>\n{entries}</channel></rss>\n"
    ).encode("utf-8")


def _atom(outlet: Outlet, items: list[Article], base: str) -> bytes:
    updated = noon_utc(items[0].date).isoformat() if items and items[0].date else "1970-01-01T00:00:00+00:00"
    entries = "".join(
        f"<entry><title>{xml_escape(a.title)}</title><link rel=\"alternate\" href=\"{base}{article_path(a)}\"/>"
        f"<id>{base}{article_path(a)}</id><published>{noon_utc(a.date).isoformat()}</published>"
        f"<updated>{noon_utc(a.date).isoformat()}</updated><author><name>{xml_escape(a.author)}</name></author>"
        f"<summary>{xml_escape(a.paragraphs[0])}</summary></entry>\n"
        for a in items if a.date
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{xml_escape(outlet.name)}</title><id>{base}/{outlet.key}/</id><updated>{updated}</updated>"
        f"<link rel=\"self\" href=\"{base}/{outlet.key}/feed.atom\"/>\n{entries}</feed>\n"
    ).encode("utf-8")


def _urlset(articles: list[Article], base: str) -> bytes:
    rows = []
    for a in articles:
        lastmod = f"<lastmod>{a.date.isoformat()}</lastmod>" if a.date else ""
        rows.append(f"<url><loc>{base}{article_path(a)}</loc>{lastmod}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows) + "\n</urlset>\n"
    ).encode("utf-8")


def _news_sitemap(site: Site, base: str) -> bytes:
    rows = []
    for a in _recent((a for a in site.articles if a.kind == "news"), NEWS_SITEMAP_ITEMS):
        rows.append(
            f"<url><loc>{base}{article_path(a)}</loc><news:news><news:publication>"
            f"<news:name>{xml_escape(site.outlets[a.outlet].name)}</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{a.date.isoformat()}</news:publication_date>"
            f"<news:title>{xml_escape(a.title)}</news:title></news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(rows) + "\n</urlset>\n"
    ).encode("utf-8")


def _sitemap_key(outlet: Outlet) -> str:
    return "documents" if outlet.template == "pdf" else outlet.key


def _index_page(site: Site, outlet: Outlet, base: str) -> bytes:
    items = "".join(
        f'<li><a href="{base}{article_path(a)}">{html.escape(a.title)}</a></li>'
        for a in site.articles if a.outlet == outlet.key
    )
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(outlet.name)}</title></head>"
            f"<body><h1>{html.escape(outlet.name)}</h1><p>{html.escape(outlet.tagline)}</p><ul>{items}</ul>"
            "</body></html>").encode("utf-8")


def build_site(site: Site, base_url: str) -> dict[str, Resource]:
    """Every path the demo server answers, rendered for `base_url` (e.g. 'http://127.0.0.1:8765')."""
    base = base_url.rstrip("/")
    html_type, xml_type = "text/html; charset=utf-8", "application/xml; charset=utf-8"
    out: dict[str, Resource] = {}
    sitemaps = []
    for outlet in site.outlets.values():
        mine = [a for a in site.articles if a.outlet == outlet.key]
        for a in mine:
            if outlet.template == "pdf":
                pdf = PDF_DIR / f"{a.slug}.pdf"
                if not pdf.is_file():
                    raise SiteDataError(f"{pdf}: missing; run `python -m corpus.demo.make_pdfs`")
                out[article_path(a)] = Resource(pdf.read_bytes(), "application/pdf", a.date)
            else:
                page = _PAGES[outlet.template](site, outlet, a, base)
                out[article_path(a)] = Resource(page.encode("utf-8"), html_type, a.date)
        key = _sitemap_key(outlet)
        out[f"/{key}/sitemap.xml"] = Resource(_urlset(mine, base), xml_type)
        sitemaps.append(f"/{key}/sitemap.xml")
        if outlet.template != "pdf":
            recent = _recent(mine, FEED_ITEMS)
            out[f"/{key}/feed.rss"] = Resource(_rss(outlet, recent, base), "application/rss+xml; charset=utf-8")
            out[f"/{key}/feed.atom"] = Resource(_atom(outlet, recent, base), "application/atom+xml; charset=utf-8")
            out[f"/{key}/"] = Resource(_index_page(site, outlet, base), html_type)
    index_rows = "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in sitemaps)
    out["/sitemap_index.xml"] = Resource(
        ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f"{index_rows}</sitemapindex>\n").encode("utf-8"), xml_type)
    out["/news-sitemap.xml"] = Resource(_news_sitemap(site, base), xml_type)
    out["/robots.txt"] = Resource(
        (f"User-agent: *\nDisallow: /ledger/subscribe/\nDisallow: /search\n\n"
         f"Sitemap: {base}/sitemap_index.xml\nSitemap: {base}/news-sitemap.xml\n").encode("utf-8"),
        "text/plain; charset=utf-8")
    links = "".join(f'<li><a href="{base}/{k}/">{html.escape(o.name)}</a></li>'
                    for k, o in site.outlets.items() if o.template != "pdf")
    out["/"] = Resource(f"<html><body><h1>Sample news sites</h1><ul>{links}</ul></body></html>".encode(), html_type)
    return out
