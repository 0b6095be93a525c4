"""Export the corpus as CSV, JSON Lines or Parquet: every document with its scope and framing labels.

Documents are streamed from `Corpus.stream()` in chunks (dated ones by date, then undated) and written as
they come (Parquet one row group per chunk), so exports of the same corpus are identical whatever the chunk
size and memory stays flat however large the corpus. CSV holds `urls` and `metadata` as JSON text; dates
are ISO strings.
"""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.documents import COLUMNS, Document
from corpus.store import Corpus

FORMATS = ("csv", "jsonl", "parquet")
CHUNK = 1000  # documents read (and, for Parquet, written) at a time

PARQUET_SCHEMA = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("urls", pa.list_(pa.string())), ("title", pa.string()),
    ("text", pa.string()), ("outlet", pa.string()), ("source", pa.string()), ("language", pa.string()),
    ("date", pa.date32()), ("date_source", pa.string()), ("date_confidence", pa.float64()),
    ("date_evidence", pa.string()),
    ("fetched_at", pa.timestamp("us", tz="UTC")), ("content_hash", pa.string()),
    ("scope_score", pa.float64()), ("scope_label", pa.string()), ("story_id", pa.string()),
    ("framing_label", pa.string()), ("metadata", pa.string()),
])


@contextmanager
def _text_output(dest: str | Path | IO[str] | None) -> Iterator[IO[str]]:
    if dest is None or dest == "-":
        yield sys.stdout
    elif hasattr(dest, "write"):
        yield dest  # type: ignore[misc]
    else:
        with open(dest, "w", encoding="utf-8", newline="") as handle:
            yield handle


def write_jsonl(docs: Iterable[Document], out: IO[str]) -> int:
    """Write one JSON object per line (`Document.to_record()`); returns the number written."""
    count = 0
    for doc in docs:
        out.write(json.dumps(doc.to_record(), ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_row(doc: Document) -> dict[str, Any]:
    """A document as a CSV row: missing values empty, `urls` and `metadata` as JSON text."""
    record = doc.to_record()
    record["urls"] = json.dumps(record["urls"], ensure_ascii=False)
    record["metadata"] = json.dumps(record["metadata"], ensure_ascii=False, sort_keys=True)
    return {k: ("" if v is None else v) for k, v in record.items()}


def write_csv(docs: Iterable[Document], out: IO[str]) -> int:
    """Write a header and one row per document (columns in contract order); returns the number written."""
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    count = 0
    for doc in docs:
        writer.writerow(csv_row(doc))
        count += 1
    return count


def write_parquet(docs: Iterable[Document], path: str | Path, chunk: int = CHUNK) -> int:
    """Write a Parquet file (`PARQUET_SCHEMA`: real dates and timestamps, metadata as JSON text), `chunk`
    documents per row group."""
    count = 0
    with pq.ParquetWriter(str(path), PARQUET_SCHEMA) as writer:
        batch: list[dict[str, Any]] = []
        for doc in docs:
            record = {name: getattr(doc, name) for name in COLUMNS}
            record["metadata"] = json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True)
            batch.append(record)
            count += 1
            if len(batch) >= chunk:
                writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
                batch.clear()
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
    return count


def export(
    corpus: Corpus,
    path_or_stdout: str | Path | IO[str] | None,
    format: str,
    chunk: int = CHUNK,
    **filters: Any,
) -> int:
    """Write the corpus's documents (optionally filtered like `Corpus.stream`: start, end, source,
    outlet, scope) to a file, an open text stream, or stdout (None or "-"; not for parquet), reading
    `chunk` documents at a time. Returns the number of documents written."""
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; use one of {', '.join(FORMATS)}")
    docs = corpus.stream(**filters, batch=chunk)
    if format == "parquet":
        if path_or_stdout is None or path_or_stdout == "-" or hasattr(path_or_stdout, "write"):
            raise ValueError("parquet is binary: give a file path to export it to")
        return write_parquet(docs, path_or_stdout, chunk)  # type: ignore[arg-type]
    with _text_output(path_or_stdout) as out:
        return write_jsonl(docs, out) if format == "jsonl" else write_csv(docs, out)
