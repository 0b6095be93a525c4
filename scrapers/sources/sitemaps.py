"""XML sitemaps, sitemap indexes (followed to a bounded depth and count), gzipped sitemaps, text sitemaps
and Google News sitemaps, whose ``news:publication_date`` and ``news:title`` are kept.

A URL's candidate date is its news publication date only: ``lastmod`` says when a page last changed, so it
is kept in ``extra["lastmod"]`` and used just to drop pages unchanged since before ``since``.
"""
from __future__ import annotations

import datetime as dt
import gzip
import io
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from scrapers.dates import parse_date
from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, http_url, in_range, url_words
from scrapers.sources.xmlsafe import child_text, local, parse_xml

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own uncompressed limit
MAX_URLS = 50_000


@dataclass
class SitemapEntry:
    """One <url> (or one <sitemap> of an index) with what the sitemap says about it."""

    loc: str
    lastmod: dt.date | None = None
    title: str | None = None
    publication_date: dt.date | None = None
    outlet: str | None = None
    language: str | None = None
    keywords: str | None = None


@dataclass
class Sitemap:
    """A parsed sitemap: ``kind`` is ``urlset`` (pages) or ``index`` (child sitemaps)."""

    kind: str
    entries: list[SitemapEntry] = field(default_factory=list)


def gunzip(data: bytes, url: str, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress a gzipped body, stopping at `limit` bytes: ScrapeError `decompression_bomb` beyond it."""
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            while chunk := gz.read(1 << 16):
                out.write(chunk)
                if out.tell() > limit:
                    raise ScrapeError(url, "decompression_bomb", f"gzipped sitemap inflates past {limit} bytes")
    except (OSError, EOFError, zlib.error) as exc:
        raise ScrapeError(url, "parse_error", f"broken gzip data: {exc}") from exc
    return out.getvalue()


def parse_sitemap(data: bytes, url: str) -> Sitemap:
    """Parse sitemap bytes (XML urlset or sitemapindex, gzipped or not, or a plain-text URL list).

    Raises ScrapeError `xml_unsafe` (entity declarations), `parse_error` (not a sitemap),
    `decompression_bomb` (gzip past 50 MB), `empty`.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise ScrapeError(url, "parse_error", f"sitemap body must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, url)
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise ScrapeError(url, "empty", "the sitemap is empty")
    if body[:1] != b"<" and body[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" not in body[:4]:
        return _parse_text_sitemap(body, url)
    root = parse_xml(body, url)
    kind = local(root.tag)
    if kind == "urlset":
        return Sitemap("urlset", [e for e in (_url_entry(el, url) for el in root if local(el.tag) == "url") if e])
    if kind == "sitemapindex":
        entries = []
        for el in root:
            loc = _loc(el, url) if local(el.tag) == "sitemap" else None
            if loc:
                entries.append(SitemapEntry(loc=loc, lastmod=parse_date(child_text(el, "lastmod"))))
        return Sitemap("index", entries)
    raise ScrapeError(url, "parse_error", f"XML root <{kind}> is neither <urlset> nor <sitemapindex>")


def _loc(el, base: str) -> str | None:
    return http_url(child_text(el, "loc"), base)


def _url_entry(el, base: str) -> SitemapEntry | None:
    loc = _loc(el, base)
    if loc is None:
        return None
    entry = SitemapEntry(loc=loc, lastmod=parse_date(child_text(el, "lastmod")))
    news = next((c for c in el if local(c.tag) == "news"), None)
    if news is not None:
        entry.title = child_text(news, "title")
        entry.publication_date = parse_date(child_text(news, "publication_date"))
        entry.keywords = child_text(news, "keywords")
        pub = next((c for c in news if local(c.tag) == "publication"), None)
        if pub is not None:
            entry.outlet = child_text(pub, "name")
            lang = child_text(pub, "language")
            entry.language = lang.split("-")[0].lower() if lang else None
    return entry


def _parse_text_sitemap(body: bytes, url: str) -> Sitemap:
    try:
        lines = body.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ScrapeError(url, "parse_error", f"text sitemap is not UTF-8: {exc}") from exc
    locs = [ln.strip() for ln in lines if ln.strip()]
    if not locs or not all(loc.startswith(("http://", "https://")) and " " not in loc for loc in locs):
        raise ScrapeError(url, "parse_error", "neither an XML sitemap nor a text list of URLs")
    return Sitemap("urlset", [SitemapEntry(loc=loc) for loc in locs[:MAX_URLS]])


class SitemapSource(Source):
    """Pages listed in sitemaps, following sitemap indexes breadth-first within ``max_depth``/``max_sitemaps``.

    Options: ``url`` (sitemap or index URL, or a list), ``max_depth`` (index levels followed, default 3),
    ``max_sitemaps`` (sitemap files fetched per discover, default 200), ``query``. Child sitemaps whose
    ``lastmod`` is before ``since`` are skipped. A failing child, and an index listing itself or an index
    above it (``sitemap_loop``), is reported after the rest were yielded.
    """

    kind = "sitemap"
    OPTIONS = {
        "url": Option((str, list), required=True, list_of=str),
        "max_depth": Option((int,), default=3),
        "max_sitemaps": Option((int,), default=200),
    }

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Candidates whose news publication date is in [since, until]; undated ones unless lastmod < since."""
        self.errors = []
        queue: deque[tuple[str, int]] = deque((u, 0) for u in as_list(self.options["url"]))
        queued = {u for u, _ in queue}
        visited: set[str] = set()
        seen: set[str] = set()
        while queue:
            sitemap_url, depth = queue.popleft()
            if sitemap_url in visited:
                continue
            if len(visited) >= self.options["max_sitemaps"]:
                self.record(ScrapeError(sitemap_url, "limit_reached",
                                        f"stopped after {len(visited)} sitemaps (max_sitemaps)"))
                break
            visited.add(sitemap_url)
            try:
                result = self.get(sitemap_url)
                sitemap = parse_sitemap(result.content, result.final_url or sitemap_url)
            except ScrapeError as exc:
                self.record(exc)
                continue
            visited.add(result.final_url or sitemap_url)
            if sitemap.kind == "index":
                for child in sitemap.entries:
                    if child.loc in visited:  # the index lists itself, or an index above it: a loop
                        self.record(ScrapeError(child.loc, "sitemap_loop",
                                                f"sitemap index {sitemap_url} lists {child.loc}, which was already "
                                                "read (a loop); not read again"))
                        continue
                    if child.loc in queued:
                        continue
                    queued.add(child.loc)
                    if since is not None and child.lastmod is not None and child.lastmod < since:
                        continue
                    if depth + 1 > self.options["max_depth"]:
                        self.record(ScrapeError(child.loc, "limit_reached",
                                                f"sitemap index nested deeper than max_depth={self.options['max_depth']}"))
                        continue
                    queue.append((child.loc, depth + 1))
                continue
            for entry in sitemap.entries:
                cand = self._candidate(entry, sitemap_url, since, until)
                if cand is not None and cand.url not in seen:
                    seen.add(cand.url)
                    yield cand
        self.raise_recorded()

    def _candidate(self, entry: SitemapEntry, sitemap_url: str, since: dt.date | None,
                   until: dt.date | None) -> Candidate | None:
        if entry.publication_date is not None:
            if not in_range(entry.publication_date, since, until):
                return None
        elif since is not None and entry.lastmod is not None and entry.lastmod < since:
            return None
        if not self.query.matches(entry.title, entry.keywords, url_words(entry.loc)):
            return None
        return self.candidate(
            entry.loc,
            title=entry.title,
            date=entry.publication_date,
            date_source="sitemap" if entry.publication_date else None,
            outlet=entry.outlet,
            language=entry.language,
            extra={"sitemap_url": sitemap_url, "lastmod": entry.lastmod.isoformat() if entry.lastmod else None},
        )
