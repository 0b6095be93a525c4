"""Provenance: every raw response of a run written to WARC files, and text re-extracted from them later.

`WarcArchive(directory)` is a Fetcher `on_response` hook: each response becomes a WARC `response` record
(plus the `request` that asked for it) in ``<data_dir>/warc/<run_id>/framewatch-<run_id>-NNNNN.warc.gz``.
Records are gzipped one by one and flushed as written, so a run killed mid-write loses at most the record
being written and every earlier one stays readable.

`reextract(db_path, data_dir)` runs today's extractor over the archived responses of the documents in a
corpus and updates their text, title and date where the new extraction differs.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scrapers.redact import redact_text, redact_url

log = logging.getLogger(__name__)

#: a new WARC file starts once the current one passes this size
MAX_FILE_BYTES = 512 * 1024 * 1024
# headers describing the bytes on the wire; the archived payload is the decoded body, so they must go
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}  # never written to an archive


class WarcArchive:
    """Writes each `FetchResult` it is called with as WARC request + response records (a Fetcher hook)."""

    def __init__(self, directory: str | os.PathLike[str], prefix: str = "framewatch",
                 max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_file_bytes = max_file_bytes
        self.records = 0
        self._index = 0
        self._file: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None

    def _open(self) -> WARCWriter:
        if self._writer is not None and self._file is not None and self._file.tell() < self.max_file_bytes:
            return self._writer
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            path = self.directory / f"{self.prefix}-{self._index:05d}.warc.gz"
            self._index += 1
            if not path.exists():
                break
        self._file = open(path, "xb")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._file, gzip=True)
        return self._writer

    def __call__(self, result: Any) -> None:
        """Archive one response (the `on_response` signature); a failure to write is logged, not raised."""
        try:
            self.write(result)
        except OSError as exc:
            log.error("could not archive %s: %s", redact_url(getattr(result, "url", "?")), redact_text(str(exc)))

    def write(self, result: Any) -> None:
        """Write the request and response records of one `FetchResult`, then flush them to disk.

        URIs are written with credentials redacted (`scrapers.redact_url`), as are secret request headers.
        """
        writer = self._open()
        url = redact_url(getattr(result, "final_url", None) or result.url)
        fetched_at = getattr(result, "fetched_at", None) or dt.datetime.now(dt.timezone.utc)
        warc_date = fetched_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        raw = getattr(result, "raw_content", b"") or b""
        if raw:  # the body as received, with its own headers (Content-Encoding kept: readers decode it)
            content = raw
            pairs = getattr(result, "raw_headers", None) or list((result.headers or {}).items())
            drop = {"transfer-encoding", "content-length"}
        else:    # only the decoded body is known: drop the headers that describe the wire encoding
            content = result.content or b""
            pairs = list((result.headers or {}).items())
            drop = _WIRE_HEADERS
        headers = [(k, str(v)) for k, v in pairs if k.lower() not in drop]
        headers.append(("Content-Length", str(len(content))))
        status = int(getattr(result, "status", 200) or 200)
        reason = getattr(result, "reason_phrase", "") or _REASONS.get(status, "Status")
        http_headers = StatusAndHeaders(f"{status} {reason}", headers,
                                        protocol=getattr(result, "http_version", None) or "HTTP/1.1")
        extra = {"WARC-Date": warc_date}
        requested = redact_url(getattr(result, "url", None) or "")
        if requested and requested != url:
            extra["WARC-Framewatch-Requested-URI"] = requested
        response = writer.create_warc_record(url, "response", payload=io.BytesIO(content),
                                             http_headers=http_headers, warc_headers_dict=extra)
        request_headers = [(k, "[redacted]" if k.lower() in _SECRET_HEADERS else str(v))
                           for k, v in (getattr(result, "request_headers", None) or {}).items()]
        path = url.split("://", 1)[-1].partition("/")[2]
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(f"GET /{path} HTTP/1.1", request_headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": warc_date,
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
        )
        writer.write_record(response)
        writer.write_record(request)
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records += 1

    def close(self) -> None:
        """Close the current file (a new one is opened on the next write)."""
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_REASONS = {200: "OK", 203: "Non-Authoritative Information", 206: "Partial Content", 301: "Moved Permanently",
            302: "Found", 304: "Not Modified", 404: "Not Found", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class ArchivedResponse:
    """A response read back from a WARC file, shaped like a `FetchResult` for `scrapers.extract_response`."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    content_type: str | None
    fetched_at: dt.datetime | None
    warc_file: str
    text: str | None = field(default=None)


def warc_files(data_dir: str | os.PathLike[str]) -> list[Path]:
    """Every WARC file under ``<data_dir>/warc``, oldest run first (run ids start with their time)."""
    root = Path(data_dir) / "warc"
    return sorted(p for p in root.glob("*/*.warc*") if p.is_file())


def iter_responses(path: str | os.PathLike[str]) -> Iterator[ArchivedResponse]:
    """The response records of one WARC file; a truncated tail (a killed run) ends the file with a warning."""
    from scrapers.errors import ScrapeError
    from scrapers.warc import read_warc

    try:
        for record in read_warc(str(path), types=("response",)):
            yield ArchivedResponse(
                url=record.warc_headers.get("WARC-Framewatch-Requested-URI") or record.url or "",
                final_url=record.url or "",
                status=record.status or 0,
                headers=record.headers,
                content=record.payload,
                content_type=record.content_type or None,
                fetched_at=record.captured,
                warc_file=str(path),
            )
    except ScrapeError as exc:  # a record cut short by a killed run, or a file that is not WARC
        log.warning("%s: stopped reading at a damaged or truncated record (%s)", path, exc.message or exc)


_HINT_SOURCES = ("feed", "sitemap", "api")


def _canonical(url: str) -> str | None:
    from corpus.urls import canonical_url

    try:
        return canonical_url(url)
    except ValueError:
        return None


def _hints(doc: Any) -> dict[str, Any]:
    """The evidence a source gave for `doc` at collection time, as `extract` hints."""
    hints: dict[str, Any] = {k: v for k in ("title", "outlet", "language") if (v := getattr(doc, k))}
    if doc.date is not None and doc.date_source in _HINT_SOURCES:
        hints.update(date=doc.date, date_source=doc.date_source)
    return hints


def reextract(db_path: str | os.PathLike[str], data_dir: str | os.PathLike[str],
              progress: bool = True) -> pd.DataFrame:
    """Re-run extraction on the archived responses of every stored document; update what changed.

    The newest archived 200 response of each document's URLs is used; a date the feed, sitemap or API gave
    (kept on the document) is passed again as a hint, as are its title and outlet. Returns one row per document looked at:
    `id`, `url`, `warc_file`, `changed` (the fields updated, comma-separated, or empty), `error`.
    """
    from corpus.ingest import Ingest, document_from_extraction
    from corpus.store import Corpus
    from scrapers.errors import ScrapeError
    from scrapers.extract import extract_response

    rows: list[dict[str, Any]] = []
    with Corpus.open(db_path, create=False) as db:
        ingest = Ingest(db)
        latest: dict[str, tuple[bool, ArchivedResponse]] = {}
        files = warc_files(data_dir)
        for path in tqdm(files, desc="reading WARC files", unit="file", disable=not progress):
            for response in iter_responses(path):
                if response.status != 200:
                    continue
                doc = db.get_by_url(response.final_url) or db.get_by_url(response.url)
                if doc is None or doc.id is None:
                    continue
                # the document's own address beats an exact copy merged into it from another outlet;
                # files are read oldest first, so among equals the newest response wins
                own = doc.url in {_canonical(response.final_url), _canonical(response.url)}
                if own or not latest.get(doc.id, (False, None))[0]:
                    latest[doc.id] = (own, response)
        for doc_id_, (_, response) in tqdm(sorted(latest.items()), desc="re-extracting", unit="doc",
                                           disable=not progress):
            doc = db.get(doc_id_)
            if doc is None:
                continue
            row = {"id": doc.id, "url": doc.url, "warc_file": response.warc_file, "changed": "", "error": None}
            hints = _hints(doc)
            try:
                extraction = extract_response(response, hints=hints)
            except ScrapeError as exc:
                row["error"] = f"{exc.reason}: {exc.message}"
                rows.append(row)
                continue
            fresh = document_from_extraction(extraction, doc_id_=doc.id, title=doc.title)
            fresh.outlet = fresh.language = None  # re-extraction refreshes text, title and date only
            after = ingest.store(fresh).doc
            row["changed"] = ",".join(k for k in ("text", "title", "date") if getattr(after, k) != getattr(doc, k))
            rows.append(row)
    return pd.DataFrame(rows, columns=["id", "url", "warc_file", "changed", "error"])
