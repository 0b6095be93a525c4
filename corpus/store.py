"""The corpus: one SQLite file of documents (WAL, foreign keys, forward-only migrations in `migrations/`)."""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from corpus.documents import COLUMNS, FRAMING_LABELS, SCOPE_LABELS, Document, parse_date
from corpus.hashing import content_hash, doc_id, normalise_text
from corpus.urls import canonical_url, redact_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_FILE = re.compile(r"^(\d{4})_[A-Za-z0-9_]+\.sql$")
#: texts shorter than this many words are too generic ("Subscribe to read") to merge on their hash alone
MIN_WORDS_FOR_HASH_MATCH = 8

_STORED = (
    "id", "url", "title", "text", "outlet", "source", "language", "date", "date_source",
    "date_confidence", "date_evidence", "fetched_at", "content_hash", "scope_score", "scope_label", "story_id",
    "framing_label", "metadata",
)
_SELECT = ", ".join(_STORED)


class SchemaError(RuntimeError):
    """The database's schema cannot be used by this version of framewatch (too new, or a failed migration)."""


def migration_files(directory: Path | str = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """The migrations in `directory` as (version, path), in order; names are `NNNN_name.sql`."""
    found: dict[int, Path] = {}
    for path in sorted(Path(directory).glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise SchemaError(f"migration file {path} is not named NNNN_name.sql")
        number = int(match.group(1))
        if number in found:
            raise SchemaError(f"migrations {found[number].name} and {path.name} share version {number}")
        found[number] = path
    return sorted(found.items())


def split_statements(sql: str) -> list[str]:
    """Split a SQL script into complete statements (semicolons inside strings and triggers kept)."""
    statements, buffer = [], ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            text = "\n".join(line for line in buffer.splitlines() if not line.strip().startswith("--"))
            if text.strip(" \n\t;"):
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \n\t;") and "\n".join(
        line for line in buffer.splitlines() if not line.strip().startswith("--")
    ).strip(" \n\t;"):
        raise SchemaError(f"incomplete SQL statement at the end of the script: {buffer.strip()[:80]!r}")
    return statements


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _json_default(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"metadata value {value!r} of type {type(value).__name__} is not JSON-serialisable")


def _plain_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    try:
        return json.loads(json.dumps(metadata, default=_json_default, ensure_ascii=False, allow_nan=False))
    except TypeError as error:
        raise ValueError(str(error)) from None
    except ValueError:
        raise ValueError("metadata holds NaN or Infinity, which JSON (and so an export) cannot hold") from None


def _as_iso(value: object, name: str) -> str | None:
    parsed = parse_date(value, name)
    return parsed.isoformat() if parsed else None


class Corpus:
    """A corpus of documents in one SQLite file. Open with `Corpus.open(path)`, use as a context manager.

    >>> with Corpus.open("framewatch.sqlite", create=True) as db:          # doctest: +SKIP
    ...     db.upsert(Document(url="https://example.org/a", text="..."))
    'new'
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._conn = connection
        self.path = path
        self._depth = 0

    # --- opening and schema --------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        timeout: float = 30.0,
        migrations_dir: str | Path | None = None,
    ) -> Corpus:
        """Open the corpus at `path` (a new one only with `create=True`), migrating its schema forward.

        Raises FileNotFoundError for a missing file unless `create=True` (so a mistyped path is an error,
        not a new empty corpus), ValueError when the file is not a SQLite database, and SchemaError when
        the database is newer than this code.
        """
        path = Path(path)
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"no corpus at {path} (to start a new one, open it with create=True)")
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ValueError(f"{path}: cannot switch the database to WAL mode (got {mode})")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            conn.execute("PRAGMA synchronous=NORMAL")
            corpus = cls(conn, path)
            corpus._migrate(Path(migrations_dir) if migrations_dir else MIGRATIONS_DIR)
        except sqlite3.DatabaseError as error:
            conn.close()
            raise ValueError(f"{path} is not a usable SQLite corpus: {error}") from None
        except BaseException:
            conn.close()
            raise
        return corpus

    @property
    def schema_version(self) -> int:
        """The schema version (`PRAGMA user_version`): the number of the last migration applied."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, directory: Path) -> None:
        known = migration_files(directory)
        latest = known[-1][0] if known else 0
        if self.schema_version > latest:
            raise SchemaError(
                f"{self.path} has schema version {self.schema_version} but this framewatch knows only "
                f"up to {latest}: upgrade framewatch to open it"
            )
        for number, script in known:
            if number <= self.schema_version:
                continue
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if self.schema_version < number:  # another process may have migrated meanwhile
                    for statement in split_statements(script.read_text(encoding="utf-8")):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {number}")
                self._conn.execute("COMMIT")
            except sqlite3.Error as error:
                self._conn.execute("ROLLBACK")
                raise SchemaError(f"{self.path}: migration {script.name} failed: {error}") from error
        violations = self._conn.execute("PRAGMA foreign_key_check").fetchall()
        if violations:
            raise SchemaError(f"{self.path}: {len(violations)} foreign key violation(s) after migrating")

    def close(self) -> None:
        """Close the connection (a transaction still open is rolled back by SQLite)."""
        self._conn.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.count()

    # --- transactions --------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Corpus]:
        """Group several writes atomically: all of them are committed, or none if the block raises.

        Nested blocks become savepoints, so an inner failure undoes only the inner writes.
        """
        depth = self._depth
        self._conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT fw_{depth}")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth = depth
            if depth == 0:
                self._conn.execute("ROLLBACK")
            else:
                self._conn.execute(f"ROLLBACK TO fw_{depth}")
                self._conn.execute(f"RELEASE fw_{depth}")
            raise
        self._depth = depth
        self._conn.execute("COMMIT" if depth == 0 else f"RELEASE fw_{depth}")

    # --- reading -------------------------------------------------------------------------------
    def _urls_of(self, ids: list[str]) -> dict[str, list[str]]:
        urls: dict[str, list[str]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for doc, url in self._conn.execute(
                f"SELECT doc_id, url FROM document_urls WHERE doc_id IN ({marks}) ORDER BY rowid", chunk
            ):
                urls[doc].append(url)
        return urls

    def _documents(self, rows: list[tuple]) -> list[Document]:
        urls = self._urls_of([row[0] for row in rows])
        docs = []
        for row in rows:
            values = dict(zip(_STORED, row))
            values["metadata"] = json.loads(values["metadata"])
            values["urls"] = urls[values["id"]]
            docs.append(Document(**values))
        return docs

    def get(self, id: str) -> Document | None:
        """The document with this id, or None."""
        rows = self._conn.execute(f"SELECT {_SELECT} FROM documents WHERE id = ?", (id,)).fetchall()
        return self._documents(rows)[0] if rows else None

    def get_by_url(self, url: str) -> Document | None:
        """The document seen at `url` or any variant of it (compared by canonical URL), or None."""
        try:
            canonical = canonical_url(url)
        except ValueError:
            return None
        row = self._conn.execute(
            "SELECT doc_id FROM document_urls WHERE canonical = ? "
            "UNION ALL SELECT id FROM documents WHERE url = ? LIMIT 1",
            (canonical, canonical),
        ).fetchone()
        return self.get(row[0]) if row else None

    def _filters(
        self,
        start: object,
        end: object,
        source: str | Iterable[str] | None,
        outlet: str | Iterable[str] | None,
        scope: str | Iterable[str] | None,
    ) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if start is not None:
            clauses.append("date >= ?")
            params.append(_as_iso(start, "start"))
        if end is not None:
            clauses.append("date <= ?")
            params.append(_as_iso(end, "end"))
        for column, wanted in (("source", source), ("outlet", outlet), ("scope_label", scope)):
            if wanted is None:
                continue
            values = [wanted] if isinstance(wanted, str) else list(wanted)
            if column == "scope_label":
                bad = [v for v in values if v not in SCOPE_LABELS]
                if bad:
                    raise ValueError(f"scope {bad[0]!r} is not one of {', '.join(SCOPE_LABELS)}")
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
        return clauses, params

    def stream(
        self,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
        source: str | Iterable[str] | None = None,
        outlet: str | Iterable[str] | None = None,
        scope: str | Iterable[str] | None = None,
        batch: int = 500,
    ) -> Iterator[Document]:
        """Iterate over matching documents, dated ones by date then id, then the undated ones.

        Reads `batch` rows at a time (keyset pages, so memory stays flat and the caller may write to
        the corpus while iterating). `start`/`end` are inclusive and exclude undated documents.
        """
        clauses, params = self._filters(start, end, source, outlet, scope)
        where = " AND ".join(clauses) or "1"
        last: tuple[str, str] | None = None
        while True:
            keyset = " AND (date, id) > (?, ?)" if last else ""
            rows = self._conn.execute(
                f"SELECT {_SELECT} FROM documents WHERE date IS NOT NULL AND {where}{keyset} "
                "ORDER BY date, id LIMIT ?",
                [*params, *(last or ()), batch],
            ).fetchall()
            if not rows:
                break
            yield from self._documents(rows)
            last = (rows[-1][7], rows[-1][0])
        if start is not None or end is not None:
            return
        last_id: str | None = None
        while True:
            keyset = " AND id > ?" if last_id is not None else ""
            rows = self._conn.execute(
                f"SELECT {_SELECT} FROM documents WHERE date IS NULL AND {where}{keyset} ORDER BY id LIMIT ?",
                [*params, *([last_id] if last_id is not None else []), batch],
            ).fetchall()
            if not rows:
                break
            yield from self._documents(rows)
            last_id = rows[-1][0]

    def count(
        self,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
        source: str | Iterable[str] | None = None,
        outlet: str | Iterable[str] | None = None,
        scope: str | Iterable[str] | None = None,
    ) -> int:
        """How many documents `stream` with the same filters would yield."""
        clauses, params = self._filters(start, end, source, outlet, scope)
        where = " AND ".join(clauses) or "1"
        return int(self._conn.execute(f"SELECT COUNT(*) FROM documents WHERE {where}", params).fetchone()[0])

    def to_frame(
        self,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
        source: str | Iterable[str] | None = None,
        outlet: str | Iterable[str] | None = None,
        scope: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Matching documents as a DataFrame with the contract's columns (`date` and `fetched_at` as
        pandas datetimes, NaT when unknown; `urls` lists; `metadata` dicts)."""
        records = [doc.to_record() for doc in self.stream(start, end, source, outlet, scope)]
        frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
        frame["date"] = pd.to_datetime(frame["date"])
        frame["fetched_at"] = pd.to_datetime(frame["fetched_at"], utc=True)
        for column in ("date_confidence", "scope_score"):
            frame[column] = frame[column].astype("float64")
        return frame

    def sql(self, query: str, params: Iterable[Any] = ()) -> pd.DataFrame:
        """Run a read-only `SELECT`/`WITH` query on the corpus tables and return the rows as a DataFrame."""
        if not re.match(r"^\s*(select|with)\b", query, re.I):
            raise ValueError("Corpus.sql runs only SELECT or WITH queries")
        cursor = self._conn.execute(query, list(params))
        return pd.DataFrame(cursor.fetchall(), columns=[c[0] for c in cursor.description])

    def summary(self) -> dict[str, pd.DataFrame]:
        """Counts of documents by source, outlet, scope label and year, plus totals (undated, URLs, stories)."""
        tables = {}
        for name, expression in (
            ("source", "source"), ("outlet", "outlet"), ("scope", "scope_label"),
            ("year", "substr(date, 1, 4)"),
        ):
            tables[name] = self.sql(
                f"SELECT {expression} AS {name}, COUNT(*) AS documents FROM documents "
                f"GROUP BY 1 ORDER BY {'1' if name == 'year' else '2 DESC, 1'}"
            )
        tables["totals"] = self.sql(
            "SELECT (SELECT COUNT(*) FROM documents) AS documents, "
            "(SELECT COUNT(*) FROM documents WHERE date IS NULL) AS undated, "
            "(SELECT COUNT(*) FROM document_urls) AS urls, "
            "(SELECT COUNT(DISTINCT story_id) FROM documents WHERE story_id IS NOT NULL) AS stories"
        )
        return tables

    # --- writing -------------------------------------------------------------------------------
    def _seen_urls(self, doc: Document) -> list[tuple[str, str]]:
        """(URL as seen, canonical) pairs of `doc`: its `urls`, plus `url` when no listed URL covers it.
        URLs as seen are kept with credentials redacted."""
        pairs = [(redact_url(u), canonical_url(u)) for u in doc.urls]
        if doc.url:
            canonical = canonical_url(doc.url)
            if canonical not in {c for _, c in pairs}:
                pairs.append((redact_url(doc.url), canonical))
        return pairs

    def _match(self, doc: Document, canonicals: list[str], text_hash: str) -> tuple[str | None, bool]:
        """The id of the stored document `doc` is, and whether it is the same page (not just the same text)."""
        if self._conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc.id,)).fetchone():
            return doc.id, True
        for canonical in canonicals:
            row = self._conn.execute(
                "SELECT doc_id FROM document_urls WHERE canonical = ? "
                "UNION ALL SELECT id FROM documents WHERE url = ? LIMIT 1",
                (canonical, canonical),
            ).fetchone()
            if row:
                return row[0], True
        if len(normalise_text(doc.text).split()) >= MIN_WORDS_FOR_HASH_MATCH:
            row = self._conn.execute(
                "SELECT id FROM documents WHERE content_hash = ? ORDER BY added_at, id LIMIT 1", (text_hash,)
            ).fetchone()
            if row:
                return row[0], False
        return None, False

    @staticmethod
    def _merge(old: Document, new: Document, same_page: bool, urls: list[str]) -> Document:
        """`old` updated with what `new` knows. A copy of the same text at another address fills gaps only."""
        merged = replace(old, urls=old.urls + [u for u in urls if u not in old.urls],
                         metadata={**old.metadata, **new.metadata})
        for name in ("title", "outlet", "source", "language", "fetched_at"):
            value = getattr(new, name)
            if value not in (None, "") and (same_page or getattr(old, name) in (None, "")):
                setattr(merged, name, value)
        if same_page and new.text and new.text != old.text:
            merged.text = new.text
            merged.content_hash = content_hash(new.text)
            merged.scope_score = merged.scope_label = merged.framing_label = None  # stale for the new text
        if new.date is not None and (
            old.date is None
            or (new.date_confidence or 0.0) > (old.date_confidence or 0.0)
            or (same_page and (new.date_confidence or 0.0) == (old.date_confidence or 0.0))
        ):
            merged.date, merged.date_source, merged.date_confidence = new.date, new.date_source, new.date_confidence
            merged.date_evidence = new.date_evidence
        for name in ("scope_score", "scope_label", "story_id", "framing_label"):
            if getattr(new, name) is not None:
                setattr(merged, name, getattr(new, name))
        if merged.url is None and urls:
            merged.url = canonical_url(urls[0])
        return merged

    def upsert(self, doc: Document) -> str:
        """Store `doc`, merging it into the stored document with the same id, canonical URL or content
        hash (every URL seen is kept); returns "new", "updated" or "unchanged". Never duplicates."""
        seen = self._seen_urls(doc)
        canonicals = list(dict.fromkeys(c for _, c in seen))
        text_hash = content_hash(doc.text)
        incoming = replace(
            doc, metadata=_plain_metadata(doc.metadata),
            id=doc.id or doc_id(canonicals[0] if canonicals else None, doc.text),
        )
        with self.transaction():
            target, same_page = self._match(incoming, canonicals, text_hash)
            owned = {
                url for url, _ in seen
                if (row := self._conn.execute("SELECT doc_id FROM document_urls WHERE url = ?", (url,)).fetchone())
                and row[0] != target
            }
            urls = [url for url, _ in seen if url not in owned]
            now = _now()
            if target is None:
                stored = replace(
                    incoming, url=canonicals[0] if canonicals else None, urls=urls,
                    content_hash=text_hash,
                )
                self._write(stored, insert=True, now=now)
                status = "new"
            else:
                old = self.get(target)
                assert old is not None
                stored = self._merge(old, incoming, same_page, urls)
                if stored == old:
                    return "unchanged"
                self._write(stored, insert=False, now=now)
                status = "updated"
            known = {row[0] for row in self._conn.execute("SELECT url FROM document_urls WHERE doc_id = ?", (stored.id,))}
            for url, canonical in seen:
                if url in urls and url not in known:
                    self._conn.execute(
                        "INSERT INTO document_urls (url, canonical, doc_id, outlet, source, first_seen) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (url, canonical, stored.id, incoming.outlet or stored.outlet,
                         incoming.source or stored.source, now),
                    )
        return status

    add = upsert

    def _write(self, doc: Document, insert: bool, now: str) -> None:
        values = doc.to_record()
        values["metadata"] = json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True)
        row = [values[name] for name in _STORED]
        if insert:
            self._conn.execute(
                f"INSERT INTO documents ({_SELECT}, added_at, updated_at) "
                f"VALUES ({','.join('?' * (len(_STORED) + 2))})",
                [*row, now, now],
            )
        else:
            sets = ", ".join(f"{name} = ?" for name in _STORED[1:])
            self._conn.execute(
                f"UPDATE documents SET {sets}, updated_at = ? WHERE id = ?", [*row[1:], now, doc.id]
            )

    def _set(self, id: str, values: dict[str, Any]) -> None:
        sets = ", ".join(f"{name} = ?" for name in values)
        differs = " OR ".join(f"{name} IS NOT ?" for name in values)
        with self.transaction():
            cursor = self._conn.execute(
                f"UPDATE documents SET {sets}, updated_at = ? WHERE id = ? AND ({differs})",
                [*values.values(), _now(), id, *values.values()],
            )
            if cursor.rowcount == 0 and not self._conn.execute(
                "SELECT 1 FROM documents WHERE id = ?", (id,)
            ).fetchone():
                raise KeyError(f"no document with id {id!r}")

    def set_scope(self, id: str, score: float | None, label: str | None) -> None:
        """Record the scope scorer's score and label (`core`/`adjacent`/`out`) for document `id`."""
        if label is not None and label not in SCOPE_LABELS:
            raise ValueError(f"scope label {label!r} is not one of {', '.join(SCOPE_LABELS)}")
        self._set(id, {"scope_score": None if score is None else float(score), "scope_label": label})

    def set_framing_label(self, id: str, label: str | None) -> None:
        """Record the document framing label (CODEBOOK section 4) for document `id`."""
        if label is not None and label not in FRAMING_LABELS:
            raise ValueError(f"framing label {label!r} is not one of {', '.join(FRAMING_LABELS)}")
        self._set(id, {"framing_label": label})

    def set_story(self, id: str, story_id: str | None) -> None:
        """Put document `id` in the near-duplicate group `story_id`."""
        self._set(id, {"story_id": story_id})
