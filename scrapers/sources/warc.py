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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from scrapers.dates import parse_date
from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, in_range

MAX_PAYLOAD = 10 * 1024 * 1024
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)


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
        m = _CHARSET.search(self.content_type)
        if m:
            try:
                return self.payload.decode(m.group(1), errors="replace")
            except LookupError:
                pass
        return self.payload


def _html_page(record: Any, path: str, offset: Callable[[], int]) -> WarcPage | None:
    """The record as a WarcPage if it is a 200 HTML response; `offset` is asked only after the payload
    was read (warcio's `get_record_offset` moves past an unread payload)."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    content_type = record.http_headers.get_header("Content-Type") or ""
    if "html" not in content_type.lower():
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not url.startswith(("http://", "https://")):
        return None
    payload = record.content_stream().read(MAX_PAYLOAD + 1)
    if len(payload) > MAX_PAYLOAD:
        return None
    return WarcPage(
        url=url,
        path=path,
        offset=offset(),
        captured=parse_date(record.rec_headers.get_header("WARC-Date")),
        content_type=content_type,
        payload=payload,
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )


def iter_warc_pages(path: str) -> Iterator[WarcPage]:
    """Every 200 HTML response stored in a WARC or WARC.gz file, in file order.

    Raises ScrapeError `parse_error` (naming the file) when the file is not a readable WARC.
    """
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.format != "warc":  # warcio reads any text line as an ARC header
                    raise ScrapeError(path, "parse_error", f"not a WARC file (found a {record.format} record)")
                page = _html_page(record, path, records.get_record_offset)
                if page is not None:
                    yield page
    except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
        raise ScrapeError(path, "parse_error", f"cannot read WARC file: {exc}") from exc


def read_page(path: str, offset: int) -> WarcPage:
    """The HTML response stored at `offset` in `path` (as found by `iter_warc_pages`)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            records = ArchiveIterator(fh)
            for record in records:
                page = _html_page(record, path, lambda: offset)
                if page is None:
                    break
                return page
    except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
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
