"""The one WARC reader of the project: records of a WARC (or, when asked, ARC) file, whole or not at all.

warcio alone yields a record cut short by the end of the file as if it were whole (a shorter payload),
and reads any line of text as an ARC header. `read_warc` checks each record's block against its
Content-Length and a gzip file's last member for its end, so a cut file gives every whole record and then
`WarcTruncated` naming the byte where the damage starts. Callers choose the record types, whether ARC
files are accepted, and a payload size limit:

    for record in read_warc("crawl.warc.gz", types=("response",), max_payload=10_000_000):
        print(record.url, record.status, len(record.payload))
"""
from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from scrapers.errors import ScrapeError

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_CHUNK = 1 << 16


class WarcTruncated(ScrapeError):
    """The file ends inside a record, or a record is damaged: records before `offset` were whole."""

    def __init__(self, path: str, offset: int, message: str) -> None:
        super().__init__(path, "truncated", f"at byte {offset}: {message}")
        self.offset = offset


@dataclass
class WarcRecord:
    """One whole record: where it is, its type and target, its HTTP status/headers (responses) and payload.

    `oversized` is True when the payload passed `max_payload` (then `payload` is empty).
    """

    path: str
    offset: int
    rec_type: str
    url: str | None
    date: str | None
    record_id: str | None
    status: int | None
    headers: dict[str, str]
    content_type: str
    payload: bytes
    oversized: bool = False
    warc_headers: dict[str, str] = field(default_factory=dict)

    @property
    def captured(self) -> dt.datetime | None:
        """The capture time (`WARC-Date`) as an aware datetime, None when absent or unreadable."""
        if not self.date:
            return None
        try:
            stamp = dt.datetime.fromisoformat(self.date.replace("Z", "+00:00"))
        except ValueError:
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)

    def text(self) -> str | bytes:
        """The payload decoded with the charset its Content-Type declares, else the raw bytes."""
        m = _CHARSET.search(self.content_type)
        if m:
            try:
                return self.payload.decode(m.group(1), errors="replace")
            except LookupError:
                pass
        return self.payload


def gzip_intact_until(path: str) -> int | None:
    """For a gzip file, the byte offset where its first incomplete or damaged member starts; None if whole.

    A file that is not gzip at all gives None (warcio reads it as plain WARC).
    """
    with open(path, "rb") as fh:
        head = fh.read(2)
        if head != b"\x1f\x8b":
            return None
        fh.seek(0)
        start, position = 0, 0
        decomp = zlib.decompressobj(zlib.MAX_WBITS | 16)
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return None if decomp.eof or position == start else start
            data = chunk
            while data:
                try:
                    decomp.decompress(data)
                except zlib.error:
                    return start
                if not decomp.eof:
                    position += len(data)
                    break
                used = len(data) - len(decomp.unused_data)
                position += used
                data = decomp.unused_data
                start = position
                decomp = zlib.decompressobj(zlib.MAX_WBITS | 16)
                if data[:2] not in (b"\x1f\x8b", b"\x1f", b""):
                    return start  # something after the last member that is not gzip


def _whole(record: Any) -> bool:
    """True when the record declared its length and its block was read to it (warcio's LimitReader drained)."""
    if not record.rec_headers.get_header("Content-Length"):
        return False
    return getattr(record.raw_stream, "limit", None) == 0


@dataclass
class WarcDamage:
    """A damaged record that `read_warc(resync=True)` stepped over: where it starts and what was wrong."""

    path: str
    offset: int
    message: str


class _Damaged(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def read_warc(
    path: str,
    *,
    types: tuple[str, ...] = ("response", "resource"),
    allow_arc: bool = False,
    max_payload: int | None = None,
    offset: int = 0,
    limit: int | None = None,
    resync: bool = False,
) -> Iterator[WarcRecord | WarcDamage]:
    """The whole records of `types` in `path`, in file order, starting at byte `offset`.

    `allow_arc` accepts ARC files (converted to WARC records); otherwise an ARC-looking record raises
    ScrapeError `parse_error`. A payload larger than `max_payload` is skipped to its end and flagged
    `oversized`. `limit` stops after that many yielded records. A file that is not WARC raises
    ScrapeError `parse_error`. A damaged record raises `WarcTruncated` once every whole record before it
    has been yielded; with `resync=True` it is yielded as a `WarcDamage` instead and reading goes on at
    the next record start, so `WarcTruncated` then means only that the damage runs to the end of the file.
    """
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    intact = gzip_intact_until(path) if gz and offset == 0 else None
    damaged: set[int] = set()
    start, count = offset, [0]
    while True:
        try:
            yield from _scan(path, start, gz, types, allow_arc, max_payload, limit, count, first=start == offset)
            break
        except _Damaged as damage:
            found = _next_record(path, damage.offset + 1, gz) if resync else None
            if found is None:
                raise WarcTruncated(path, damage.offset, damage.message) from None
            damaged.add(damage.offset)
            yield WarcDamage(path, damage.offset, damage.message)
            start = found
    if intact is not None and intact not in damaged and (limit is None or count[0] < limit):
        raise WarcTruncated(path, intact, "the gzip stream ends early or is damaged")


def _scan(path: str, offset: int, gz: bool, types: tuple[str, ...], allow_arc: bool, max_payload: int | None,
          limit: int | None, count: list[int], first: bool) -> Iterator[WarcRecord]:
    """The records from `offset` on; raises _Damaged at the start of the first record that is not whole."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        records = ArchiveIterator(fh, arc2warc=allow_arc)
        here = end = offset
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except (ArchiveLoadFailed, EOFError, OSError, ValueError, AttributeError, zlib.error) as exc:
                # warcio fails in several ways on cut or damaged headers (AttributeError among them)
                if first and end == offset and not _started(path, offset):
                    raise ScrapeError(path, "parse_error", f"not a WARC file: {exc}") from None
                raise _Damaged(_past_blank(path, end), f"unreadable record ({type(exc).__name__}: {exc})") from None
            here = records.offset if records.offset is not None else here
            if record.format not in ("warc", "arc2warc") or (record.format == "arc2warc" and not allow_arc):
                if first and end == offset:
                    raise ScrapeError(path, "parse_error", f"not a WARC file (found an {record.format} record)")
                raise _Damaged(here, f"not a WARC record (read as {record.format})")
            wanted = record.rec_type in types
            try:
                payload, oversized = _payload(record, max_payload) if wanted else (_drain(record) or b"", False)
            except (EOFError, OSError, ValueError, zlib.error) as exc:
                raise _Damaged(here, f"record cut short ({exc})") from None
            if not _whole(record):
                raise _Damaged(here, "the file ends inside a record")
            start = records.get_record_offset()
            end = start + records.get_record_length()
            if not wanted:
                continue
            yield _record(path, start, record, payload, oversized)
            count[0] += 1
            if limit is not None and count[0] >= limit:
                return
        if not gz and fh.seek(end) is not None and fh.read(_CHUNK).strip():
            raise _Damaged(_past_blank(path, end), "unreadable bytes after the last whole record")


def _record(path: str, start: int, record: Any, payload: bytes, oversized: bool) -> WarcRecord:
    http = record.http_headers if record.rec_type == "response" else None
    headers = dict(http.headers) if http is not None else {}
    if record.rec_type == "response":
        content_type = (http.get_header("Content-Type") if http is not None else None) or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    try:
        status = int(http.get_statuscode()) if http is not None and http.get_statuscode() else None
    except ValueError:
        status = None
    return WarcRecord(
        path=path, offset=start, rec_type=record.rec_type,
        url=record.rec_headers.get_header("WARC-Target-URI"),
        date=record.rec_headers.get_header("WARC-Date"),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        status=status, headers=headers, content_type=content_type,
        payload=payload, oversized=oversized, warc_headers=dict(record.rec_headers.headers),
    )


def _past_blank(path: str, offset: int) -> int:
    """`offset` moved past the blank lines that end a record (where the next record, or damage, begins)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        head = fh.read(64)
    return offset + len(head) - len(head.lstrip(b"\r\n"))


def _next_record(path: str, after: int, gz: bool) -> int | None:
    """The offset of the next plausible record start at or after `after` (a `WARC/1.` line, or a gzip
    member that opens with one), or None."""
    marker = b"\x1f\x8b\x08" if gz else b"\nWARC/1."
    with open(path, "rb") as fh:
        position = max(after - (0 if gz else 1), 0)
        fh.seek(position)
        window = b""
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return None
            base = position - len(window)
            window += chunk
            position += len(chunk)
            at = window.find(marker)
            while at >= 0:
                found = base + at + (0 if gz else 1)
                if found >= after and (not gz or _started(path, found)):
                    return found
                at = window.find(marker, at + 1)
            window = window[-(len(marker) - 1):]


def _started(path: str, offset: int) -> bool:
    """True when the bytes at `offset` start like a WARC record (so a failure there is damage, not a wrong file)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        head = fh.read(512)
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head)
        except zlib.error:
            return False
    return head.startswith(b"WARC/")


def _drain(record: Any) -> None:
    stream = record.raw_stream
    while stream.read(_CHUNK):
        pass


def _payload(record: Any, max_payload: int | None) -> tuple[bytes, bool]:
    stream = record.content_stream()
    if max_payload is None:
        return stream.read(), False
    payload = stream.read(max_payload + 1)
    if len(payload) <= max_payload:
        return payload, False
    _drain(record)
    return b"", True
