"""WARC and WARC.gz files (e.g. Common Crawl News) as a source: stored HTML responses become candidates.

Nothing is downloaded: ``discover`` scans the files, keeping HTML responses whose text matches the query
terms and whose capture date (``WARC-Date``) lies in the range; ``fetch`` re-reads the stored payload at
the record's offset and extracts it. The capture date only filters; the publication date comes from
extraction.
"""
from __future__ import annotations

import datetime as dt
import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scrapers.dates import parse_date
from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, in_range
from scrapers.warc import WarcRecord, read_warc

MAX_PAYLOAD = 10 * 1024 * 1024


@dataclass
class WarcPage:
    """One stored HTML response: where it is in which file, what was captured and when."""

    url: str
    path: str
    offset: int
    captured: dt.date | None
    content_type: str
    payload: bytes
    record_id: str | None = None

    def html(self) -> str | bytes:
        """The payload decoded with the charset the HTTP header declared, else the raw bytes."""
        return WarcRecord(path=self.path, offset=self.offset, rec_type="response", url=self.url, date=None,
                          record_id=self.record_id, status=200, headers={}, content_type=self.content_type,
                          payload=self.payload).text()


def _html_page(record: WarcRecord) -> WarcPage | None:
    """The record as a WarcPage if it is a 200 HTML response with an http(s) target within the size limit."""
    if record.status != 200 or "html" not in record.content_type.lower() or record.oversized:
        return None
    url = record.url or ""
    if not url.startswith(("http://", "https://")):
        return None
    return WarcPage(url=url, path=record.path, offset=record.offset, captured=parse_date(record.date),
                    content_type=record.content_type, payload=record.payload, record_id=record.record_id)


def iter_warc_pages(path: str) -> Iterator[WarcPage]:
    """Every 200 HTML response stored in a WARC or WARC.gz file, in file order.

    Raises ScrapeError `parse_error` (naming the file) when the file is not a readable WARC, and
    `truncated` (after the whole records) when it is cut short.
    """
    try:
        for record in read_warc(path, types=("response",), max_payload=MAX_PAYLOAD):
            page = _html_page(record)
            if page is not None:
                yield page
    except OSError as exc:
        raise ScrapeError(path, "parse_error", f"cannot read WARC file: {exc}") from exc


def read_page(path: str, offset: int) -> WarcPage:
    """The HTML response stored at `offset` in `path` (as found by `iter_warc_pages`)."""
    try:
        for record in read_warc(path, types=("response",), max_payload=MAX_PAYLOAD, offset=offset, limit=1):
            page = _html_page(record)
            if page is not None and record.offset == offset:
                return page
            break
    except OSError as exc:
        raise ScrapeError(path, "parse_error", f"cannot read WARC record at {offset}: {exc}") from exc
    raise ScrapeError(path, "parse_error", f"no stored HTML response at offset {offset}")


class WarcSource(Source):
    """HTML responses from local WARC files (glob patterns allowed), filtered by query terms and capture date.

    Options: ``path`` (file or glob, or a list), ``query``. Files are read in sorted order; an unreadable
    file is reported after the others were scanned.
    """

    kind = "warc"
    OPTIONS = {"path": Option((str, list), required=True, list_of=str)}

    def files(self) -> list[str]:
        """The WARC files the configured paths and globs name, sorted, without repeats."""
        out: list[str] = []
        for pattern in as_list(self.options["path"]):
            pattern = os.path.expanduser(pattern)
            matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
            if not matches:
                self.record(ScrapeError(pattern, "not_found", "no WARC file matches this pattern"))
            out += [m for m in matches if m not in out]
        return out

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Candidates for stored pages captured in [since, until] whose text matches the query terms."""
        self.errors = []
        seen: set[str] = set()
        for path in self.files():
            try:
                for page in iter_warc_pages(path):
                    if page.url in seen or not in_range(page.captured, since, until):
                        continue
                    html = page.html()
                    if self.query and not self.query.matches(html if isinstance(html, str)
                                                             else html.decode("utf-8", errors="replace")):
                        continue
                    seen.add(page.url)
                    yield self.candidate(page.url, extra={
                        "warc_path": page.path,
                        "warc_offset": page.offset,
                        "warc_date": page.captured.isoformat() if page.captured else None,
                        "warc_record_id": page.record_id,
                    })
            except ScrapeError as exc:
                self.record(exc)
        self.raise_recorded()

    def fetch(self, candidate: Candidate) -> Any:
        """Extract the stored payload (no network)."""
        from scrapers.extract import extract

        path, offset = candidate.extra.get("warc_path"), candidate.extra.get("warc_offset")
        if not isinstance(path, str) or not isinstance(offset, int):
            raise ScrapeError(candidate.url, "parse_error", "candidate carries no WARC path/offset")
        page = read_page(path, offset)
        return self.finish(extract(page.html(), url=page.url, hints=candidate.hints()), candidate)
