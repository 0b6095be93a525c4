"""RSS, Atom and JSON Feed (1.0/1.1) sources: feed entries become candidates with the feed's date and title.

XML feeds are checked with defusedxml before feedparser sees them, so an entity bomb or an external
entity ends in ``ScrapeError(reason="xml_unsafe")``; a document that is no feed ends in ``parse_error``.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import feedparser

from scrapers.dates import parse_date
from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, http_url, in_range, url_words
from scrapers.sources.xmlsafe import check_xml

_TAG = re.compile(r"<[^>]*>")
SUMMARY_CHARS = 1000


def _plain(html: str | None) -> str:
    return " ".join(_TAG.sub(" ", html or "").split())


def _language(code: Any) -> str | None:
    """Primary subtag of a language tag, lower case (``en-US`` → ``en``)."""
    if not isinstance(code, str) or not code.strip():
        return None
    return re.split(r"[-_]", code.strip())[0].lower() or None


def _absolute_url(value: Any) -> str | None:
    """An entry id that is itself an http(s) URL (a relative id is an identifier, not a link)."""
    if isinstance(value, str) and value.strip().startswith(("http://", "https://")):
        return value.strip()
    return None


def parse_feed(data: bytes, url: str, source: str = "feed") -> list[Candidate]:
    """Candidates from the bytes of an RSS, Atom or JSON feed fetched from `url`.

    Raises ScrapeError: `xml_unsafe` (entity declarations / external entities), `parse_error`
    (neither a feed nor recoverable). Entries without a usable http(s) link are skipped.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise ScrapeError(url, "parse_error", f"feed body must be bytes, got {type(data).__name__}")
    data = bytes(data)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise ScrapeError(url, "empty", "the feed is empty")
    if head[:1] in (b"{", b"["):
        return parse_json_feed(head, url, source)
    return _parse_xml_feed(data, url, source)


def parse_json_feed(data: bytes, url: str, source: str = "feed") -> list[Candidate]:
    """Candidates from a JSON Feed (https://jsonfeed.org/version/1.1); `parse_error` for anything else."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScrapeError(url, "parse_error", f"broken JSON feed: {exc}") from exc
    if not isinstance(doc, dict) or "jsonfeed.org/version/" not in str(doc.get("version", "")):
        raise ScrapeError(url, "parse_error", "JSON document is not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise ScrapeError(url, "parse_error", "JSON Feed has no 'items' list")
    outlet = doc.get("title") if isinstance(doc.get("title"), str) else None
    feed_lang = _language(doc.get("language"))
    out: list[Candidate] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        link = http_url(item.get("url"), url) or http_url(item.get("external_url"), url)
        if link is None or link in seen:
            continue
        seen.add(link)
        published = parse_date(item.get("date_published"))
        summary = item.get("summary") or item.get("content_text") or _plain(item.get("content_html"))
        title = item.get("title") if isinstance(item.get("title"), str) else None
        out.append(
            Candidate(
                url=link,
                source=source,
                title=title.strip() or None if title else None,
                date=published,
                date_source="feed" if published else None,
                outlet=outlet,
                language=_language(item.get("language")) or feed_lang,
                extra={
                    "feed_url": url,
                    "id": str(item.get("id", "")) or None,
                    "summary": str(summary or "")[:SUMMARY_CHARS] or None,
                    "date_modified": item.get("date_modified") if isinstance(item.get("date_modified"), str) else None,
                },
            )
        )
    return out


def _entry_date(entry: Any) -> tuple[dt.date | None, str | None]:
    """The entry's publication date as written (its own offset), else its update date, with which it was."""
    for key in ("published", "updated", "created"):
        # plain dict lookups: FeedParserDict.get maps a missing `updated` onto `published` (with a warning)
        day = parse_date(dict.get(entry, key))
        if day is None:
            parsed = dict.get(entry, f"{key}_parsed")
            if isinstance(parsed, time.struct_time):
                day = dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        if day is not None:
            return day, key
    return None, None


def _parse_xml_feed(data: bytes, url: str, source: str) -> list[Candidate]:
    check_xml(data, url)  # raises xml_unsafe; malformed feeds still go to feedparser's lenient parser
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-location": url})
    except Exception as exc:  # feedparser is lenient, but a parser crash must stay a named error
        raise ScrapeError(url, "parse_error", f"feed parser failed: {type(exc).__name__}: {exc}") from exc
    entries = parsed.get("entries") or []
    if not parsed.get("version") and not entries:
        why = parsed.get("bozo_exception")
        raise ScrapeError(url, "parse_error", f"not an RSS/Atom feed{': ' + str(why)[:200] if why else ''}")
    if parsed.get("bozo") and not entries and not _looks_empty_feed(parsed):
        raise ScrapeError(url, "parse_error", f"broken feed: {str(parsed.get('bozo_exception'))[:200]}")
    feed = parsed.get("feed") or {}
    outlet = feed.get("title") or None
    feed_lang = _language(feed.get("language")) or _language((feed.get("title_detail") or {}).get("language"))
    out: list[Candidate] = []
    seen: set[str] = set()
    for entry in entries:
        link = (
            http_url(entry.get("feedburner_origlink"), url)
            or http_url(entry.get("link"), url)
            or _absolute_url(entry.get("id"))
        )
        if link is None or link in seen:
            continue
        seen.add(link)
        day, kind = _entry_date(entry)
        content = " ".join(_plain(c.get("value")) for c in entry.get("content") or [] if isinstance(c, dict))
        summary = _plain(entry.get("summary")) or content
        lang = _language((entry.get("title_detail") or {}).get("language")) or feed_lang
        out.append(
            Candidate(
                url=link,
                source=source,
                title=(entry.get("title") or "").strip() or None,
                date=day,
                date_source="feed" if day else None,
                outlet=outlet,
                language=lang,
                extra={
                    "feed_url": url,
                    "id": entry.get("id") or None,
                    "summary": summary[:SUMMARY_CHARS] or None,
                    "date_kind": kind,
                    "content": content or None,
                },
            )
        )
    return out


def _looks_empty_feed(parsed: Any) -> bool:
    """A feed that was recognised (has a version and a title) but lists no entries."""
    return bool(parsed.get("version")) and bool((parsed.get("feed") or {}).get("title"))


class FeedSource(Source):
    """Entries of one or more RSS/Atom/JSON feeds, filtered by date and by the query terms.

    Options: ``url`` (a feed URL or a list of them), ``query``, ``outlet``/``language`` fallbacks.
    A failing feed does not stop the others: its error is raised after the rest were yielded.
    """

    kind = "rss"
    OPTIONS = {"url": Option((str, list), required=True, list_of=str)}

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Candidates from every configured feed dated in [since, until] (undated entries kept)."""
        self.errors = []
        seen: set[str] = set()
        for feed_url in as_list(self.options["url"]):
            try:
                result = self.get(feed_url)
                candidates = parse_feed(result.content, result.final_url or feed_url, self.name)
            except ScrapeError as exc:
                self.record(exc)
                continue
            for cand in candidates:
                if cand.url in seen or not in_range(cand.date, since, until):
                    continue
                if not self.query.matches(cand.title, cand.extra.get("summary"), cand.extra.get("content"),
                                          url_words(cand.url)):
                    continue
                seen.add(cand.url)
                cand.outlet = cand.outlet or self.options["outlet"]
                cand.language = cand.language or self.options["language"]
                cand.extra.pop("content", None)  # only needed for matching; keep candidates small
                yield cand
        self.raise_recorded()
