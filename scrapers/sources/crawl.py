"""A bounded same-site crawl from a section page: links matching ``include`` patterns become candidates.

Bounds: same host only (``www.`` ignored), at most ``max_pages`` pages fetched and links followed to at
most ``max_depth`` hops from the start page. All requests go through the Fetcher (robots.txt, delays).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html

from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, http_url, url_words

_SKIP_SCHEMES = ("mailto:", "javascript:", "tel:", "data:")


def site_of(url: str) -> str:
    """The host a crawl stays on, lower case and without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def extract_links(html: bytes | str, base_url: str) -> list[tuple[str, str]]:
    """(absolute URL without fragment, anchor text) for every http(s) link of a page, in page order.

    Honours ``<base href>``; malformed HTML yields whatever links lxml recovers, never an exception.
    """
    if isinstance(html, str):
        html = html.encode("utf-8", errors="replace")
    if not html.strip():
        return []
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return []
    base = base_url
    for href in tree.xpath("//base/@href")[:1]:
        base = http_url(href, base_url) or base_url
    out: list[tuple[str, str]] = []
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        try:
            url = urldefrag(urljoin(base, href))[0]
        except ValueError:
            continue
        if url.startswith(("http://", "https://")):
            out.append((url, " ".join(a.text_content().split())))
    return out


def _compile(name: str, key: str, patterns: list[str]) -> list[re.Pattern[str]]:
    out = []
    for pattern in patterns:
        try:
            out.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(f"source {name!r} (kind crawl): option {key!r} has a bad regex {pattern!r}: {exc}") from exc
    return out


class CrawlSource(Source):
    """Article links found by crawling breadth-first from section pages, within one site.

    Options: ``url`` (start page or list), ``include`` (regexes a link must match to be a candidate;
    default every link), ``exclude`` (regexes never followed nor yielded), ``follow`` (regexes of pages
    to expand; default every non-excluded link), ``max_pages`` (fetched, default 50), ``max_depth``
    (hops from the start page, default 2), ``query`` (matched against anchor text and URL words).
    """

    kind = "crawl"
    OPTIONS = {
        "url": Option((str, list), required=True, list_of=str),
        "include": Option((list, str), default=[], list_of=str),
        "exclude": Option((list, str), default=[], list_of=str),
        "follow": Option((list, str), default=[], list_of=str),
        "max_pages": Option((int,), default=50),
        "max_depth": Option((int,), default=2),
    }

    def __init__(self, name: str, options: dict[str, Any], fetcher: Any) -> None:
        super().__init__(name, options, fetcher)
        self.include = _compile(name, "include", as_list(self.options["include"]))
        self.exclude = _compile(name, "exclude", as_list(self.options["exclude"]))
        self.follow = _compile(name, "follow", as_list(self.options["follow"]))
        self.pages_fetched = 0

    def _is_candidate(self, url: str) -> bool:
        return any(p.search(url) for p in self.include) if self.include else True

    def _should_follow(self, url: str) -> bool:
        return any(p.search(url) for p in self.follow) if self.follow else True

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Candidate links in crawl order. Dates are unknown here, so `since`/`until` are left to extraction.

        Failed pages are kept in ``self.errors``; only a crawl whose start pages all fail raises.
        """
        self.errors = []
        self.pages_fetched = 0
        starts = as_list(self.options["url"])
        sites = {site_of(u) for u in starts}
        queue: deque[tuple[str, int]] = deque((u, 0) for u in starts)
        seen: set[str] = set(starts)
        started = False
        while queue and self.pages_fetched < self.options["max_pages"]:
            page_url, depth = queue.popleft()
            try:
                self.pages_fetched += 1
                result = self.get(page_url)
            except ScrapeError as exc:
                self.record(exc)
                continue
            if depth == 0:
                started = True
            content_type = (result.content_type or "").lower()
            if content_type and "html" not in content_type:
                continue
            base = result.final_url or page_url
            for link, anchor in extract_links(result.text if result.text is not None else result.content, base):
                if link in seen or site_of(link) not in sites or any(p.search(link) for p in self.exclude):
                    continue
                seen.add(link)
                if self._is_candidate(link) and self.query.matches(anchor, url_words(link)):
                    yield self.candidate(link, extra={"anchor_text": anchor or None, "found_on": base,
                                                      "depth": depth + 1})
                if depth + 1 < self.options["max_depth"] and self._should_follow(link):
                    queue.append((link, depth + 1))
        if not started and self.errors:
            self.raise_recorded()
