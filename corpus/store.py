"""The corpus: one SQLite file of documents (WAL, foreign keys, forward-only migrations in `migrations/`)."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
#: documents whose look-ups `Bulk.prefetch` makes together (each texts' normalisation stays cached meanwhile)
PREFETCH_WINDOW = 8

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

    def size(self) -> int:
        """Bytes the corpus's tables and indexes take in its file (pages in use; the free ones not counted)."""
        pages, free, page_size = (self._conn.execute(f"PRAGMA {name}").fetchone()[0]
                                  for name in ("page_count", "freelist_count", "page_size"))
        return int((pages - free) * page_size)

    def summary(self) -> dict[str, pd.DataFrame]:
        """Counts of documents by source, outlet, scope label and year, plus totals (undated, URLs, stories,
        bytes in use and bytes per document)."""
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
        size, count = self.size(), int(tables["totals"]["documents"].iloc[0])
        tables["totals"]["bytes"] = size
        tables["totals"]["bytes_per_document"] = round(size / count) if count else 0
        return tables

    # --- writing -------------------------------------------------------------------------------
    @contextmanager
    def bulk(self) -> Iterator[Bulk]:
        """Many writes in one transaction: `Bulk.upsert` decides each document at once (in order, exactly
        as one `upsert` after another would) and the rows go out with one `executemany` per table when
        the block ends. Nothing is written if the block raises. Until then other reads and writes of the
        corpus do not see the block's documents: write through the block only (`Bulk.set_story`).

        >>> with db.bulk() as bulk:                                       # doctest: +SKIP
        ...     bulk.prefetch(docs)                   # optional: the look-ups of all docs in a few queries
        ...     statuses = [bulk.upsert(doc)[0] for doc in docs]
        """
        with self.transaction():
            writer = Bulk(self)
            yield writer
            writer.flush()

    def upsert(self, doc: Document) -> str:
        """Store `doc`, merging it into the stored document with the same id, canonical URL or content
        hash (every URL seen is kept); returns "new", "updated" or "unchanged". Never duplicates."""
        with self.bulk() as writer:
            return writer.upsert(doc)[0]

    add = upsert

    def upsert_many(self, docs: Iterable[Document]) -> list[str]:
        """`upsert` each document in order, in one transaction with batched look-ups and writes; returns
        the statuses. A document that cannot be stored raises, and then nothing of the call is stored."""
        docs = list(docs)
        with self.bulk() as writer:
            writer.prefetch(docs, window=500)
            return [writer.upsert(doc)[0] for doc in docs]

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



@dataclass
class _Prepared:
    """What `Bulk.upsert` derives from a document's addresses and text before any look-up, once per document."""

    key: tuple[Any, ...]          # the fields it was derived from: recomputed when they changed since
    seen: list[tuple[str, str]]   # (URL as seen, credentials redacted; its canonical form)
    canonicals: list[str]
    text_hash: str
    long_text: bool               # enough words for its content hash to merge it with another document
    id: str


class Bulk:
    """The writes of one `Corpus.bulk()` block: decides every upsert against the corpus as it will be (the
    stored rows plus the writes decided before it in the block) and writes the rows at the end.

    Each look-up the store makes (an id, a canonical URL, a document URL, a content hash, a URL's owner) is
    answered from a cache filled by `prefetch` (a few `IN (...)` queries for a whole batch) or on first use,
    and kept up to date by every decided write; the rows are written once, in their final state.
    """

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self._conn = corpus._conn
        self.now = _now()
        self._exists: dict[str, bool] = {}
        self._by_canonical: dict[str, str | None] = {}          # first document_urls row (by rowid)
        self._by_url: dict[str, tuple[int, str] | None] = {}  # first document with this canonical url
        self._by_hash: dict[str, dict[str, str]] = {}            # content hash -> {id: added_at}
        self._owner: dict[str, str | None] = {}                  # URL as seen -> doc_id
        self._docs: dict[str, tuple[Document, int, str]] = {}  # id -> (document, rowid, added_at)
        self._prepared: dict[int, tuple[Document, _Prepared]] = {}  # by id(doc)
        self._inserted: dict[str, None] = {}                     # ids to INSERT, in order
        self._updated: dict[str, None] = {}                      # stored ids to UPDATE
        self._url_rows: list[tuple[str, str, str, str | None, str | None, str]] = []
        self._next_rowid = 2**62                                 # after every stored row
        self._upcoming: list[Document] = []
        self._window = self._loaded = 0

    # --- deciding ------------------------------------------------------------------------------
    def _prepare(self, doc: Document) -> _Prepared:
        key = (doc.id, doc.url, tuple(doc.urls), id(doc.text))
        entry = self._prepared.get(id(doc))
        if entry is not None and entry[0] is doc and entry[1].key == key:
            return entry[1]
        pairs = [(redact_url(u), canonical_url(u)) for u in doc.urls]
        if doc.url:
            canonical = canonical_url(doc.url)
            if canonical not in {c for _, c in pairs}:
                pairs.append((redact_url(doc.url), canonical))
        canonicals = list(dict.fromkeys(c for _, c in pairs))
        normal = normalise_text(doc.text)
        prepared = _Prepared(key, pairs, canonicals, content_hash(doc.text),
                             bool(normal) and normal.count(" ") + 1 >= MIN_WORDS_FOR_HASH_MATCH,
                             doc.id or doc_id(canonicals[0] if canonicals else None, doc.text))
        self._prepared[id(doc)] = (doc, prepared)
        return prepared

    def prefetch(self, docs: Iterable[Document], window: int = PREFETCH_WINDOW) -> None:
        """Answer the look-ups of the `docs` about to be upserted (in this order) with batched queries:
        `window` documents at a time, loaded as `upsert` reaches them. A small window keeps each text's
        normalisation in `normalise_text`'s cache until the near-duplicate index shingles the same text."""
        self._upcoming, self._window, self._loaded = list(docs), max(1, window), 0

    def _prefetch_window(self, doc: Document) -> None:
        if self._loaded >= len(self._upcoming) or self._upcoming[self._loaded] is not doc:
            return
        ready = []
        for upcoming in self._upcoming[self._loaded:self._loaded + self._window]:
            try:
                ready.append(self._prepare(upcoming))
            except ValueError:
                continue  # left for `upsert` to raise on
        self._loaded += self._window
        self._load_exists([p.id for p in ready])
        self._load_canonicals([c for p in ready for c in p.canonicals])
        self._load_hashes([p.text_hash for p in ready if p.long_text])
        self._load_owners([u for p in ready for u, _ in p.seen])
        wanted = [p.id for p in ready if self._exists[p.id]]
        wanted += [self._by_canonical[c] or (self._by_url[c] or (0, ""))[1] for p in ready for c in p.canonicals]
        wanted += [min(ids.items(), key=lambda kv: (kv[1], kv[0]))[0]
                   for p in ready if p.long_text and (ids := self._by_hash[p.text_hash])]
        self._load_docs([i for i in wanted if i])

    def _query(self, sql: str, keys: list[str]) -> Iterator[tuple]:
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            yield from self._conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def _load_exists(self, ids: list[str]) -> None:
        ids = [i for i in ids if i not in self._exists]
        if not ids:
            return
        self._exists.update(dict.fromkeys(ids, False))
        for (found,) in self._query("SELECT id FROM documents WHERE id IN ({marks})", ids):
            self._exists[found] = True

    def _load_canonicals(self, canonicals: list[str]) -> None:
        todo = [c for c in canonicals if c not in self._by_canonical]
        if not todo:
            return
        self._by_canonical.update(dict.fromkeys(todo, None))
        for canonical, found in self._query(
            "SELECT canonical, doc_id FROM document_urls WHERE canonical IN ({marks}) ORDER BY rowid DESC", todo
        ):
            self._by_canonical[canonical] = found  # the last assignment is the first row
        self._by_url.update(dict.fromkeys(todo, None))
        for rowid, url, found in self._query(
            "SELECT rowid, url, id FROM documents WHERE url IN ({marks}) ORDER BY rowid DESC", todo
        ):
            self._by_url[url] = (rowid, found)

    def _load_hashes(self, hashes: list[str]) -> None:
        todo = [h for h in hashes if h not in self._by_hash]
        if not todo:
            return
        for h in todo:
            self._by_hash[h] = {}
        for h, found, added in self._query(
            "SELECT content_hash, id, added_at FROM documents WHERE content_hash IN ({marks})", todo
        ):
            self._by_hash[h][found] = added

    def _load_owners(self, urls: list[str]) -> None:
        todo = [u for u in urls if u not in self._owner]
        if not todo:
            return
        self._owner.update(dict.fromkeys(todo, None))
        for url, found in self._query("SELECT url, doc_id FROM document_urls WHERE url IN ({marks})", todo):
            self._owner[url] = found

    def _load_docs(self, ids: list[str]) -> None:
        todo = list(dict.fromkeys(i for i in ids if i not in self._docs))
        if not todo:
            return
        rows = list(self._query(f"SELECT rowid, added_at, {_SELECT} FROM documents WHERE id IN ({{marks}})", todo))
        for (rowid, added, *_), doc in zip(rows, self._corpus._documents([row[2:] for row in rows])):
            self._docs[doc.id] = (doc, rowid, added)

    def _doc(self, id: str) -> tuple[Document, int, str]:
        if id not in self._docs:
            self._load_docs([id])
        return self._docs[id]

    def _match(self, prepared: _Prepared) -> tuple[str | None, bool]:
        """The id of the stored document `doc` is, and whether it is the same page (not just the same text)."""
        self._load_exists([prepared.id])
        if self._exists[prepared.id]:
            return prepared.id, True
        self._load_canonicals(prepared.canonicals)
        for canonical in prepared.canonicals:
            found = self._by_canonical[canonical] or (self._by_url[canonical] or (0, None))[1]
            if found:
                return found, True
        if prepared.long_text:
            self._load_hashes([prepared.text_hash])
            ids = self._by_hash[prepared.text_hash]
            if ids:
                return min(ids.items(), key=lambda kv: (kv[1], kv[0]))[0], False
        return None, False

    @staticmethod
    def _merge(old: Document, new: Document, metadata: dict[str, Any], same_page: bool, urls: list[str]) -> Document:
        """`old` updated with what `new` knows (its `metadata` made plain JSON). A copy of the same text at
        another address fills gaps only."""
        merged = copy.copy(old)
        merged.urls = list(dict.fromkeys(old.urls + urls))
        merged.metadata = {**old.metadata, **metadata}
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

    def upsert(self, doc: Document) -> tuple[str, Document]:
        """Decide how `doc` is stored (see `Corpus.upsert`); returns the status and the document as it will
        be stored (the block's own copy: change it only through `set_story`). Raises ValueError (and decides
        nothing) when `doc` cannot be stored."""
        self._prefetch_window(doc)
        prepared = self._prepare(doc)
        metadata = _plain_metadata(doc.metadata) if doc.metadata else {}
        target, same_page = self._match(prepared)
        self._load_owners([url for url, _ in prepared.seen])
        urls = [url for url, _ in prepared.seen if self._owner[url] in (None, target)]
        if target is None:
            stored = copy.copy(doc)  # validated when `doc` was made: its checks need not run again
            stored.id, stored.metadata = prepared.id, metadata
            stored.url = prepared.canonicals[0] if prepared.canonicals else None
            stored.urls = list(dict.fromkeys(urls))
            stored.content_hash = prepared.text_hash
            self._next_rowid += 1
            self._docs[stored.id] = (stored, self._next_rowid, self.now)
            self._inserted[stored.id] = None
            self._exists[stored.id] = True
            if stored.url:
                self._load_canonicals([stored.url])
                self._by_url[stored.url] = self._by_url[stored.url] or (self._next_rowid, stored.id)
            self._load_hashes([stored.content_hash])
            self._by_hash[stored.content_hash][stored.id] = self.now
            status = "new"
        else:
            old, rowid, added = self._doc(target)
            stored = self._merge(old, doc, metadata, same_page, urls)
            if stored == old:
                return "unchanged", old
            if stored.content_hash != old.content_hash:
                self._load_hashes([old.content_hash or "", stored.content_hash or ""])
                self._by_hash[old.content_hash or ""].pop(stored.id, None)
                self._by_hash[stored.content_hash or ""][stored.id] = added
            if stored.url != old.url and stored.url:
                self._load_canonicals([stored.url])
                first = self._by_url[stored.url]
                if first is None or rowid < first[0]:
                    self._by_url[stored.url] = (rowid, stored.id)
            self._docs[stored.id] = (stored, rowid, added)
            if stored.id not in self._inserted:
                self._updated[stored.id] = None
            status = "updated"
        for url, canonical in prepared.seen:
            if self._owner[url] is None:  # not stored yet (a URL listed twice is stored once)
                self._owner[url] = stored.id
                self._load_canonicals([canonical])
                self._by_canonical[canonical] = self._by_canonical[canonical] or stored.id
                self._url_rows.append((url, canonical, stored.id, doc.outlet or stored.outlet,
                                       doc.source or stored.source, self.now))
        return status, stored

    def set_story(self, id: str, story_id: str | None) -> None:
        """Put document `id` (stored, or decided in this block) in the near-duplicate group `story_id`."""
        if id not in self._docs:
            self._load_docs([id])
        if id not in self._docs:
            raise KeyError(f"no document with id {id!r}")
        doc = self._docs[id][0]
        if doc.story_id != story_id:
            doc.story_id = story_id
            if id not in self._inserted:
                self._updated[id] = None

    # --- writing -------------------------------------------------------------------------------
    def _row(self, doc: Document) -> list[Any]:
        return [doc.id, doc.url, doc.title, doc.text, doc.outlet, doc.source, doc.language,
                doc.date.isoformat() if doc.date else None, doc.date_source, doc.date_confidence,
                doc.date_evidence, doc.fetched_at.isoformat() if doc.fetched_at else None, doc.content_hash,
                doc.scope_score, doc.scope_label, doc.story_id, doc.framing_label,
                json.dumps(doc.metadata, ensure_ascii=False, sort_keys=True)]

    def flush(self) -> None:
        """Write every decided row: one `executemany` per table (documents in the order they were decided)."""
        if self._inserted:
            self._conn.executemany(
                f"INSERT INTO documents ({_SELECT}, added_at, updated_at) "
                f"VALUES ({','.join('?' * (len(_STORED) + 2))})",
                [[*self._row(self._docs[i][0]), self.now, self.now] for i in self._inserted],
            )
        if self._updated:
            sets = ", ".join(f"{name} = ?" for name in _STORED[1:])
            self._conn.executemany(
                f"UPDATE documents SET {sets}, updated_at = ? WHERE id = ?",
                [[*self._row(self._docs[i][0])[1:], self.now, i] for i in self._updated],
            )
        if self._url_rows:
            self._conn.executemany(
                "INSERT INTO document_urls (url, canonical, doc_id, outlet, source, first_seen) "
                "VALUES (?, ?, ?, ?, ?, ?)", self._url_rows,
            )
        self._inserted, self._updated, self._url_rows = {}, {}, []
