"""Import a researcher's own texts: JSON Lines, CSV, folders of .txt/.html/.pdf files, and WARC files.

Each bad record is reported with its file and line (or WARC record offset) and skipped; everything
else is imported. Importing the same files again changes nothing.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
from tqdm import tqdm

from corpus.documents import COLUMNS, Document, parse_date
from corpus.store import Corpus
from corpus.urls import is_http_url

TABLE_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonl.gz": "jsonl", ".ndjson.gz": "jsonl",
                  ".csv": "csv", ".csv.gz": "csv"}
FILE_SUFFIXES = {".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf"}
WARC_SUFFIXES = {".warc": "warc", ".warc.gz": "warc", ".arc": "warc", ".arc.gz": "warc"}
SUFFIXES = {**TABLE_SUFFIXES, **FILE_SUFFIXES, **WARC_SUFFIXES}
BATCH = 200  # documents written per transaction


@dataclass
class RecordError:
    """One record that could not be imported: the file, where in it, and why."""

    path: str
    message: str
    line: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}: {self.message}"
        if self.offset is not None:
            return f"{self.path} (record at byte {self.offset}): {self.message}"
        return f"{self.path}: {self.message}"


@dataclass
class ImportReport:
    """What an import did: documents new/updated/unchanged, records failed (with errors), files skipped."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    files: int = 0
    errors: list[RecordError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no record failed."""
        return self.failed == 0

    def summary(self) -> str:
        """One line for people: `12 new, 0 updated, 3 unchanged, 1 failed, 0 skipped from 2 files`."""
        return (f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.failed} failed, "
                f"{self.skipped} skipped from {self.files} file{'s' if self.files != 1 else ''}")

    def errors_frame(self) -> pd.DataFrame:
        """The errors as a DataFrame (path, line, offset, message)."""
        return pd.DataFrame([vars(e) for e in self.errors], columns=["path", "line", "offset", "message"])


def suffix_of(path: Path) -> str:
    """The import suffix of `path` (`.jsonl`, `.warc.gz` ...), lower-cased; '' when unsupported."""
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return ""


# --- records (JSON Lines and CSV) ---------------------------------------------------------------
def _text_or_none(value: object, name: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (dict, list)):
        raise ValueError(f"{name} must be text, not a JSON {type(value).__name__}")
    return str(value)


def _json_field(value: object, name: str, kind: type) -> Any:
    """A list/dict field, given natively (JSON Lines) or as JSON text (CSV)."""
    if value is None or value == "":
        return kind()
    if isinstance(value, str):
        if kind is list and not value.lstrip().startswith("["):
            return [value]
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"{name} is not valid JSON: {error}") from None
    if not isinstance(value, kind):
        raise ValueError(f"{name} must be a JSON {'list' if kind is list else 'object'}")
    return value


def record_to_document(record: dict[str, Any], source: str | None = "import") -> Document:
    """A Document from one imported record: the contract's fields by name, everything else in `metadata`.

    A date without `date_source` is marked `import` with confidence 1 (the researcher's own date).
    """
    if not isinstance(record, dict):
        raise ValueError(f"a record must be a JSON object, not {type(record).__name__}")
    if None in record:
        raise ValueError(f"row has {len(record[None])} more cell(s) than the header")
    values = {k: v for k, v in record.items() if k in COLUMNS}
    extras = {k: v for k, v in record.items() if k not in COLUMNS and v not in (None, "")}
    metadata = {**extras, **_json_field(values.get("metadata"), "metadata", dict)}
    urls = [str(u) for u in _json_field(values.get("urls"), "urls", list) if u]
    text = values.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError(f"text must be a string, not {type(text).__name__}")
    url = _text_or_none(values.get("url"), "url")
    for candidate in [url, *urls]:
        if candidate and not is_http_url(candidate):
            raise ValueError(f"url {candidate!r} is not an http(s) URL (put other identifiers in `id`)")
    date = parse_date(values.get("date"))
    date_source = _text_or_none(values.get("date_source"), "date_source") or ("import" if date else "none")
    confidence = values.get("date_confidence")
    if confidence in (None, "") and date is not None and date_source == "import":
        confidence = 1.0
    doc_id = _text_or_none(values.get("id"), "id")
    if not (doc_id or url or urls or (text or "").strip()):
        raise ValueError("record has no id, url or text")
    return Document(
        id=doc_id, url=url, urls=urls, title=_text_or_none(values.get("title"), "title"), text=text or "",
        outlet=_text_or_none(values.get("outlet"), "outlet"),
        source=_text_or_none(values.get("source"), "source") or source,
        language=_text_or_none(values.get("language"), "language"), date=date, date_source=date_source,
        date_confidence=confidence, date_evidence=_text_or_none(values.get("date_evidence"), "date_evidence"),
        fetched_at=values.get("fetched_at") or None,
        scope_score=values.get("scope_score"), scope_label=_text_or_none(values.get("scope_label"), "scope_label"),
        story_id=_text_or_none(values.get("story_id"), "story_id"),
        framing_label=_text_or_none(values.get("framing_label"), "framing_label"), metadata=metadata,
    )


Item = tuple[dict[str, int], "Document | Exception | None"]  # (where, document / error / None = skipped)


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _jsonl(path: Path, source: str | None) -> Iterator[Item]:
    with _open_binary(path) as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"invalid JSON: {error.msg} at column {error.colno}") from None
                yield {"line": number}, record_to_document(record, source)
            except (ValueError, UnicodeDecodeError) as error:
                yield {"line": number}, error


def _csv(path: Path, source: str | None) -> Iterator[Item]:
    csv.field_size_limit(2**31 - 1)
    with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        line = 2
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as error:
                yield {"line": line}, ValueError(f"unreadable CSV: {error}")
                line = reader.line_num + 1
                continue
            where = {"line": line}
            line = reader.line_num + 1
            try:
                yield where, record_to_document(row, source)
            except ValueError as error:
                yield where, error


# --- single files and WARC ----------------------------------------------------------------------
def _extraction_document(extraction: Any, source: str | None, url: str | None, **extra: Any) -> Document:
    if not (extraction.text or "").strip():
        raise ValueError("no text could be extracted")
    urls = [url] if url else []
    canonical = getattr(extraction, "canonical_url", None)
    if not urls and canonical and is_http_url(canonical) and canonical.split("://", 1)[1].rstrip("/").count("/"):
        urls = [canonical]  # a page's own canonical link, unless it points at a site's home page
    date_source = extraction.date_source if extraction.date else "none"
    return Document(
        urls=urls, title=extraction.title, text=extraction.text, outlet=extraction.outlet, source=source,
        language=extraction.language, date=extraction.date, date_source=date_source,
        date_confidence=extraction.date_confidence if extraction.date else None,
        date_evidence=(getattr(extraction, "date_evidence", None) or None) if extraction.date else None, **extra,
    )


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
            yield {}, _extraction_document(extraction, source, None, metadata={"file": label})
    except Exception as error:  # any extractor failure is this file's problem, never the import's
        yield {}, error if isinstance(error, ValueError) else ValueError(f"{type(error).__name__}: {error}")


def _warc(path: Path, source: str | None) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        records = ArchiveIterator(handle, arc2warc=True)
        while True:
            offset = None
            try:
                record = next(records)
                if record.rec_type not in ("response", "resource"):
                    continue
                payload = record.content_stream().read()
                offset = records.get_record_offset()  # known once the record is read to its end
                where = {"offset": offset}
                item = _warc_document(record, payload, path.name, offset, source)
            except StopIteration:
                return
            except Exception as error:  # a broken archive stops here; records before it are kept
                yield {"offset": offset if offset is not None else records.offset}, ValueError(
                    f"unreadable WARC record: {type(error).__name__}: {error}")
                if offset is None:
                    return
                continue
            yield where, item


def _warc_document(
    record: Any, data: bytes, name: str, offset: int, source: str | None
) -> Document | Exception | None:
    url = record.rec_headers.get_header("WARC-Target-URI")
    content_type = ""
    if record.rec_type == "response":
        if record.http_headers is None:
            return None
        if record.http_headers.get_statuscode() != "200":
            return None
        content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    else:
        content_type = (record.rec_headers.get_header("Content-Type") or "").lower()
    kind = "pdf" if "pdf" in content_type or data[:5] == b"%PDF-" else "html" if "html" in content_type else None
    if kind is None:
        return None
    try:
        if not url or not is_http_url(url):
            raise ValueError(f"record has no http(s) WARC-Target-URI ({url!r})")
        extraction = _extractor(kind)(data, url=url, hints=None)
        return _extraction_document(
            extraction, source, url, fetched_at=record.rec_headers.get_header("WARC-Date"),
            metadata={"warc_file": name, "warc_offset": offset},
        )
    except Exception as error:
        return error if isinstance(error, ValueError) else ValueError(f"{type(error).__name__}: {error}")


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


def _items(path: Path, kind: str, label: str, source: str | None) -> Iterator[Item]:
    if kind == "jsonl":
        return _jsonl(path, source)
    if kind == "csv":
        return _csv(path, source)
    if kind == "warc":
        return _warc(path, source)
    return _single_file(path, kind, label, source)


def import_paths(
    corpus: Corpus,
    paths: Iterable[str | Path],
    *,
    source: str | None = "import",
    progress: bool | None = None,
) -> ImportReport:
    """Import files and folders into `corpus`; returns counts and every record's error.

    `source` is the source of records that name none. Documents are written in small transactions, so
    an interruption keeps what was already imported. `progress=None` shows a bar on a terminal only.
    """
    report = ImportReport()
    pending: list[tuple[str, dict[str, int], Document]] = []

    def flush() -> None:
        with corpus.transaction():
            for where_path, where, doc in pending:
                try:
                    status = corpus.upsert(doc)
                except ValueError as error:
                    report.failed += 1
                    report.errors.append(RecordError(where_path, str(error), **where))
                    continue
                setattr(report, status, getattr(report, status) + 1)
        pending.clear()

    bar = tqdm(desc="import", unit="doc", disable=None if progress is None else not progress)
    try:
        for path, kind, label in _files(paths, report):
            report.files += 1
            for where, item in _items(path, kind, label, source):
                bar.update(1)
                if item is None:
                    report.skipped += 1
                elif isinstance(item, Exception):
                    report.failed += 1
                    report.errors.append(RecordError(str(path), str(item), **where))
                else:
                    pending.append((str(path), where, item))
                    if len(pending) >= BATCH:
                        flush()
        flush()
    finally:
        bar.close()
    return report
