"""Import a researcher's own texts: JSON Lines, CSV, Parquet, folders of .txt/.html/.pdf files, and WARC files.

Columns are mapped to document fields by name: the export's own names, the usual names of news-database
exports (`Body`, `Headline`, `Date`, `Byline`, `Source`/`Publication`, `URL`/`Link`, any case), and the
user's `fields` (`{"text": "Body"}`). A table without a text column is refused. Each bad record is
reported with its file and line (or WARC record offset) and counted as failed; every good record before
and after it is imported. A file cut short (gzip, WARC, CSV) is reported as truncated, with what came
before the cut kept. Importing the same files again changes nothing. Documents are stored through
`corpus.ingest.Ingest`, so they get a scope label and a story like collected ones.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from corpus.documents import Document
from corpus.ingest import Ingest, column_map, document_from_extraction, document_from_record, reject_constant
from corpus.store import Corpus
from corpus.urls import is_http_url

TABLE_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonl.gz": "jsonl", ".ndjson.gz": "jsonl",
                  ".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}
FILE_SUFFIXES = {".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf"}
WARC_SUFFIXES = {".warc": "warc", ".warc.gz": "warc", ".arc": "warc", ".arc.gz": "warc"}
SUFFIXES = {**TABLE_SUFFIXES, **FILE_SUFFIXES, **WARC_SUFFIXES}
BATCH = 200  # documents per transaction (one executemany per table; within canonical_url's cache of 256)
_CHUNK = 1 << 16


@dataclass
class RecordError:
    """One record that could not be imported: the file, where in it, and why (on one line)."""

    path: str
    message: str
    line: int | None = None
    offset: int | None = None

    def __post_init__(self) -> None:
        self.message = self.message.replace("\r", "\\r").replace("\n", "\\n")

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}: {self.message}"
        if self.offset is not None:
            return f"{self.path} (record at byte {self.offset}): {self.message}"
        return f"{self.path}: {self.message}"


@dataclass
class ImportReport:
    """What an import did: documents new/updated/unchanged, records failed (with errors), files skipped,
    and files cut short (`truncated`, each with where the cut is)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    files: int = 0
    errors: list[RecordError] = field(default_factory=list)
    truncated: list[RecordError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no record failed and no file was cut short."""
        return self.failed == 0 and not self.truncated

    @property
    def exit_code(self) -> int:
        """0: everything imported; 1: some records failed (the rest imported); 4: a file was truncated.
        (3 is kept for "the corpus is in use by another writer", as for every writing command.)"""
        return 4 if self.truncated else 1 if self.failed else 0

    def summary(self) -> str:
        """One line for people: `12 new, 0 updated, 3 unchanged, 1 failed, 0 skipped from 2 files`."""
        line = (f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed, "
                f"{self.skipped} skipped from {self.files} file{'s' if self.files != 1 else ''}")
        return line + (f", {len(self.truncated)} truncated" if self.truncated else "")

    def errors_frame(self) -> pd.DataFrame:
        """The errors and truncations as a DataFrame (path, line, offset, message)."""
        return pd.DataFrame([vars(e) for e in [*self.errors, *self.truncated]],
                            columns=["path", "line", "offset", "message"])


class Truncated(Exception):
    """A file ends early or is damaged from `where` on; everything before was read."""

    def __init__(self, message: str, **where: int) -> None:
        super().__init__(message)
        self.where = where


class Refused(Exception):
    """A file this import will not read at all (for example a table without a text column)."""


def suffix_of(path: Path) -> str:
    """The import suffix of `path` (`.jsonl`, `.warc.gz` ...), lower-cased; '' when unsupported."""
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return ""


Item = tuple[dict[str, int], "Document | Exception | None"]  # (where, document / error / None = skipped)


# --- bytes: plain or gzip, kept up to a cut ----------------------------------------------------
def _chunks(path: Path) -> Iterator[bytes]:
    """The file's bytes, gunzipped when it is gzip (any number of members); a cut or damaged gzip stream
    yields what decompressed and then raises Truncated."""
    with open(path, "rb") as handle:
        pending = handle.read(_CHUNK)
        if not pending and path.name.lower().endswith(".gz"):
            raise Truncated("the gzip file is empty", offset=0)
        gzipped = pending[:2] == b"\x1f\x8b" or (path.name.lower().endswith(".gz") and pending == b"\x1f")
        if not gzipped:
            if path.name.lower().endswith(".gz") and pending:
                raise Refused("not a gzip file, although its name ends in .gz")
            while pending:
                yield pending
                pending = handle.read(_CHUNK)
            return
        decomp, position, member_open = zlib.decompressobj(zlib.MAX_WBITS | 16), 0, False
        while True:
            if not pending:
                pending = handle.read(_CHUNK)
                if not pending:
                    if member_open:
                        raise Truncated(f"the gzip stream ends early (cut at byte {position})", offset=position)
                    return
            try:
                out = decomp.decompress(pending)
            except zlib.error as error:
                raise Truncated(f"damaged gzip data after byte {position} ({error})", offset=position) from None
            member_open = True
            if out:
                yield out
            if decomp.eof:
                position += len(pending) - len(decomp.unused_data)
                pending = decomp.unused_data
                decomp, member_open = zlib.decompressobj(zlib.MAX_WBITS | 16), False
                if pending and pending[:1] != b"\x1f":
                    raise Truncated(f"the bytes after the gzip stream (byte {position}) are not gzip",
                                    offset=position)
            else:
                position += len(pending)
                pending = b""


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line without its newline) of a plain or gzip file; a final line cut by a
    truncated gzip stream is not yielded (Truncated names it)."""
    number, rest = 0, b""
    try:
        for chunk in _chunks(path):
            rest += chunk
            *whole, rest = rest.split(b"\n")
            for raw in whole:
                number += 1
                yield number, raw
    except Truncated as cut:
        raise Truncated(f"{cut}; line {number + 1} and after are lost", line=number + 1) from None
    if rest:
        yield number + 1, rest


# --- records -----------------------------------------------------------------------------------
def _record(record: Any, source: str | None, fields: Mapping[str, str] | None) -> Document:
    if not isinstance(record, dict):
        raise ValueError(f"a record must be a JSON object, not {type(record).__name__}")
    keys = [str(k) for k in record]
    wanted = {t: c for t, c in (fields or {}).items() if c in record or c.lower() in map(str.lower, keys)}
    return document_from_record(record, source, column_map(keys, wanted))


def _jsonl(path: Path, source: str | None, fields: Mapping[str, str] | None) -> Iterator[Item]:
    for number, raw in _lines(path):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError as error:
            yield {"line": number}, ValueError(f"invalid UTF-8 byte 0x{raw[error.start]:02x} at column "
                                               f"{error.start + 1}")
            continue
        if not line:
            continue
        try:
            try:
                record = json.loads(line, parse_constant=reject_constant)
            except json.JSONDecodeError as error:
                raise ValueError(f"invalid JSON: {error.msg} at column {error.colno}") from None
            except ValueError as error:  # NaN, Infinity
                raise ValueError(f"invalid JSON: {error}") from None
            except RecursionError:
                raise ValueError("invalid JSON: nested too deeply") from None
            yield {"line": number}, _record(record, source, fields)
        except Exception as error:  # any record's problem is that record's, never the file's
            yield {"line": number}, _as_value_error(error)


def _as_value_error(error: BaseException) -> ValueError:
    if isinstance(error, ValueError) and not isinstance(error, UnicodeError):
        return error
    if isinstance(error, RecursionError):
        return ValueError("nested too deeply")
    return ValueError(f"{type(error).__name__}: {error}")


def _table_map(columns: list[str], fields: Mapping[str, str] | None) -> dict[str, str]:
    """{column: field} for a table's header; Refused when a mapped column is missing or no column holds text."""
    shown = ", ".join(repr(c) for c in columns) or "none"
    try:
        mapping = column_map(columns, fields)
    except ValueError as error:
        raise Refused(f"{error} (columns: {shown})") from None
    if "text" not in mapping.values():
        raise Refused(f"no text column (columns: {shown}); name one with --field text=COLUMN")
    return mapping


_SURROGATE = re.compile("[\udc80-\udcff]")


def _csv(path: Path, source: str | None, fields: Mapping[str, str] | None) -> Iterator[Item]:
    """CSV rows as documents. A quote left open at EOF fails only its own row: reading restarts on the
    next line. A byte that is not UTF-8 fails the row holding it, naming its line."""
    csv.field_size_limit(2**31 - 1)
    data, cut = bytearray(), None
    try:
        for chunk in _chunks(path):
            data += chunk
    except Truncated as error:
        cut = error
    text = bytes(data).decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    lines = io.StringIO(text, newline="").readlines()
    if cut is not None and lines and not lines[-1].endswith(("\n", "\r")):
        lines.pop()  # the line the cut went through
    rows = _csv_rows(lines)
    header: list[str] | None = None
    mapping: dict[str, str] = {}
    last_failed = False
    for number, row in rows:
        if isinstance(row, Exception):
            last_failed = True
            yield {"line": number}, row
            continue
        if header is None:
            bad = next((c for c in row if _SURROGATE.search(c)), None)
            if bad is not None:
                raise Refused("the header line is not UTF-8 text")
            header = row
            mapping = _table_map(header, fields)
            continue
        last_failed = False
        try:
            if len(row) != len(header):
                last_failed = len(row) < len(header)
                raise ValueError(f"row has {len(row)} cells but the header has {len(header)}")
            yield {"line": number}, document_from_record(dict(zip(header, row)), source, mapping)
        except Exception as error:
            yield {"line": number}, _as_value_error(error)
    if header is None and cut is None:
        raise Refused("the file is empty (no header line)")
    if cut is not None:
        raise Truncated(f"{cut}; the rows after line {len(lines)} are lost", line=len(lines) + 1)
    if last_failed and lines and not lines[-1].endswith(("\n", "\r")):
        raise Truncated("the file ends inside its last row (cut short?)", line=len(lines))


def _csv_rows(lines: list[str]) -> Iterator[tuple[int, list[str] | Exception]]:
    """(first line number, cells or error) for each non-blank CSV row of `lines`, the header first.

    A quote that opens and never closes swallows the rows after it: such a row (a CSV error, the end of
    the file inside quotes, or a row over several lines with the wrong number of cells) fails alone and
    reading starts again on its next line.
    """
    start, width = 0, None
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), strict=True)
        row_start = start
        try:
            for row in reader:
                end = start + reader.line_num
                if not row:
                    row_start = end
                    continue
                if width is None:
                    width = len(row)
                elif len(row) != width and end - row_start > 1:
                    yield row_start + 1, ValueError(
                        f"unterminated or stray quote: a row of {len(row)} cells over lines {row_start + 1}-{end} "
                        f"(the header has {width}); read again from the next line")
                    start = row_start + 1
                    break
                raw = "".join(lines[row_start:end])
                bad = _SURROGATE.search(raw)
                if bad:
                    before = raw[: bad.start()]
                    line = row_start + len(io.StringIO(before + "x", newline="").readlines())
                    byte = ord(bad.group(0)) - 0xDC00
                    yield line, ValueError(f"invalid UTF-8 byte 0x{byte:02x} (is the file in another encoding? "
                                           "save it as UTF-8)")
                else:
                    yield row_start + 1, row
                row_start = end
            else:
                return
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                message = ("unterminated quote: the quoted cell opened in this row never closes (the rows after "
                           "it were read from the next line)")
            else:
                message = f"unreadable CSV: {error}"
            yield row_start + 1, ValueError(message)
            start = row_start + 1


def _parquet(path: Path, source: str | None, fields: Mapping[str, str] | None) -> Iterator[Item]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
        columns = list(table.schema_arrow.names)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise Refused(f"not a readable Parquet file ({error})") from None
    mapping = _table_map(columns, fields)
    number = 0
    try:
        for batch in table.iter_batches(batch_size=1000):
            for record in batch.to_pylist():
                number += 1
                try:
                    yield {"line": number}, document_from_record(record, source, mapping)
                except Exception as error:
                    yield {"line": number}, _as_value_error(error)
    except (pa.ArrowException, OSError) as error:
        raise Truncated(f"unreadable Parquet data after row {number} ({error})", line=number + 1) from None


# --- single files and WARC ----------------------------------------------------------------------
def _extractor(kind: str) -> Callable[..., Any]:
    try:
        if kind == "pdf":
            from scrapers.pdf import extract_pdf

            return extract_pdf
        from scrapers.extract import extract

        return extract
    except ImportError as error:  # the scrapers package is installed with framewatch; say so if it broke
        raise ValueError(f"{kind.upper()} extraction is unavailable: {error}") from None


def _decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from scrapers.charset import decode

        return decode(data, "text/plain")[0]


def _extracted(extraction: Any, **extra: Any) -> Document:
    if not (extraction.text or "").strip():
        raise ValueError("no text could be extracted")
    return document_from_extraction(extraction, page_canonical=True, **extra)


def _single_file(path: Path, kind: str, label: str, source: str | None) -> Iterator[Item]:
    try:
        data = path.read_bytes()
        if kind == "txt":
            text = _decode_text(data).strip()
            if not text:
                raise ValueError("the file is empty")
            yield {}, Document(text=text, source=source, metadata={"file": label})
        else:
            extraction = _extractor(kind)(data, url=None, hints=None)
            yield {}, _extracted(extraction, source=source, metadata={"file": label})
    except Exception as error:  # any extractor failure is this file's problem, never the import's
        yield {}, _as_value_error(error)


def _warc(path: Path, source: str | None) -> Iterator[Item]:
    from scrapers.errors import ScrapeError
    from scrapers.warc import WarcDamage, WarcTruncated, read_warc

    arc = path.name.lower().endswith((".arc", ".arc.gz"))
    try:
        for record in read_warc(str(path), types=("response", "resource"), allow_arc=arc, resync=True):
            if isinstance(record, WarcDamage):
                yield {"offset": record.offset}, ValueError(f"damaged WARC record skipped: {record.message}")
            else:
                yield {"offset": record.offset}, _warc_document(record, path.name, source)
    except WarcTruncated as error:
        raise Truncated(f"unreadable WARC record ({error.message}); the records before it were imported",
                        offset=error.offset) from None
    except ScrapeError as error:
        raise Refused(error.message) from None


def _warc_document(record: Any, name: str, source: str | None) -> Document | Exception | None:
    if record.rec_type == "response" and record.status != 200:
        return None
    content_type = record.content_type.lower()
    data = record.payload
    kind = ("pdf" if "pdf" in content_type or data[:5] == b"%PDF-" else "html" if "html" in content_type
            else "txt" if content_type.startswith("text/plain") else None)
    if kind is None:
        return None
    try:
        url = record.url
        if not url or not is_http_url(url):
            raise ValueError(f"record has no http(s) WARC-Target-URI ({url!r})")
        extra = {"fetched_at": record.date, "metadata": {"warc_file": name, "warc_offset": record.offset}}
        if kind == "txt":
            text = record.text()
            text = (text if isinstance(text, str) else _decode_text(text)).strip()
            if not text:
                raise ValueError("the record's text is empty")
            return Document(urls=[url], text=text, source=source, **extra)
        extraction = _extractor(kind)(data, url=url, hints=None)
        return _extracted(extraction, urls=[url], source=source, **extra)
    except Exception as error:
        return _as_value_error(error)


# --- the import ---------------------------------------------------------------------------------
def _files(paths: Iterable[str | Path], report: ImportReport) -> Iterator[tuple[Path, str, str]]:
    """(file, kind, label) for every importable file; folders are walked, odd paths reported."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                suffix = suffix_of(child)
                if not suffix:
                    report.skipped += 1
                    continue
                yield child, SUFFIXES[suffix], child.relative_to(path).as_posix()
        elif path.is_file():
            suffix = suffix_of(path)
            if not suffix:
                report.failed += 1
                report.errors.append(RecordError(str(path), "unsupported file type (expected "
                                                 + ", ".join(sorted(SUFFIXES)) + ")"))
                continue
            yield path, SUFFIXES[suffix], path.name
        else:
            report.failed += 1
            report.errors.append(RecordError(str(path), "no such file or folder"))


def _items(path: Path, kind: str, label: str, source: str | None,
           fields: Mapping[str, str] | None = None) -> Iterator[Item]:
    if kind == "jsonl":
        return _jsonl(path, source, fields)
    if kind == "csv":
        return _csv(path, source, fields)
    if kind == "parquet":
        return _parquet(path, source, fields)
    if kind == "warc":
        return _warc(path, source)
    return _single_file(path, kind, label, source)


def read_documents(path: str | Path, *, fields: Mapping[str, str] | None = None,
                   source: str | None = None) -> tuple[list[Document], list[RecordError]]:
    """The documents of one JSON Lines, CSV or Parquet file (no corpus needed), and every problem found.

    The same reading and column mapping as `import_paths`; a refused or truncated file is one error.
    """
    path = Path(path)
    suffix = suffix_of(path)
    if SUFFIXES.get(suffix) not in ("jsonl", "csv", "parquet"):
        return [], [RecordError(str(path), "expected a .jsonl, .csv or .parquet file (optionally .gz)")]
    docs: list[Document] = []
    errors: list[RecordError] = []
    try:
        for where, item in _items(path, SUFFIXES[suffix], path.name, source, fields):
            if isinstance(item, Document):
                docs.append(item)
            elif isinstance(item, Exception):
                errors.append(RecordError(str(path), str(item), **where))
    except (Truncated, Refused) as error:
        errors.append(RecordError(str(path), str(error), **getattr(error, "where", {})))
    except OSError as error:
        errors.append(RecordError(str(path), f"cannot read: {error}"))
    return docs, errors


def import_paths(
    corpus: Corpus,
    paths: Iterable[str | Path],
    *,
    source: str | None = "import",
    fields: Mapping[str, str] | None = None,
    progress: bool | None = None,
) -> ImportReport:
    """Import files and folders into `corpus`; returns counts, every record's error and every cut file.

    `source` is the source of records that name none; `fields` maps document fields to a table's columns
    (`{"text": "Body"}`) beyond the usual names. Documents are written in small transactions, so an
    interruption keeps what was already imported, and a failing record never costs its batch.
    `progress=None` shows a bar on a terminal only.
    """
    report = ImportReport()
    ingest = Ingest(corpus)
    pending: list[tuple[str, dict[str, int], Document]] = []

    def fail(path: Path | str, message: str, where: dict[str, int]) -> None:
        report.failed += 1
        report.errors.append(RecordError(str(path), message, **where))

    def flush() -> None:
        """Store the pending documents in one transaction, their rows written together; a record that
        fails costs only itself. If writing the batch fails, each document is stored on its own instead."""
        outcomes: list[tuple[str, dict[str, int], str | Exception]] = []
        try:
            with ingest.batch(doc for _, _, doc in pending):
                for where_path, where, doc in pending:
                    try:
                        outcomes.append((where_path, where, ingest.store(doc).status))
                    except Exception as error:  # the record's problem: nothing of it was decided
                        outcomes.append((where_path, where, error))
        except sqlite3.Error:
            outcomes = []
            for where_path, where, doc in pending:
                try:
                    outcomes.append((where_path, where, ingest.store(doc).status))
                except Exception as error:  # this record's own write failed
                    outcomes.append((where_path, where, error))
        for where_path, where, outcome in outcomes:
            if isinstance(outcome, Exception):
                fail(where_path, str(_as_value_error(outcome)), where)
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
        pending.clear()

    bar = tqdm(desc="import", unit="doc", disable=None if progress is None else not progress)
    try:
        for path, kind, label in _files(paths, report):
            report.files += 1
            where: dict[str, int] = {}
            try:
                for where, item in _items(path, kind, label, source, fields):
                    bar.update(1)
                    if item is None:
                        report.skipped += 1
                    elif isinstance(item, Exception):
                        fail(path, str(item), where)
                    else:
                        pending.append((str(path), where, item))
                        if len(pending) >= BATCH:
                            flush()
            except Truncated as cut:
                report.truncated.append(RecordError(str(path), f"truncated: {cut}", **cut.where))
            except Refused as refusal:
                fail(path, str(refusal), {})
            except Exception as error:  # a reader's own failure ends this file only; what it read is kept
                fail(path, f"stopped reading: {_as_value_error(error)}", where)
        flush()
    finally:
        bar.close()
    return report
