"""The SQLite corpus: opening, migrations, upsert semantics, streaming and filters."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from corpus.documents import COLUMNS, Document
from corpus.store import MIGRATIONS_DIR, Corpus, SchemaError, migration_files

TEXT = ("The city council voted on Tuesday to keep the overdose prevention site on Hastings open for "
        "another two years, after staff reported hundreds of reversals.")


def doc(n: int, **fields) -> Document:
    values = dict(url=f"https://news.example.org/story/{n}", title=f"Story {n}",
                  text=f"Story number {n}. " + TEXT, outlet="Example News", source="rss")
    values.update(fields)
    return Document(**values)


@pytest.fixture
def db(tmp_path: Path):
    with Corpus.open(tmp_path / "corpus.sqlite", create=True) as corpus:
        yield corpus


def test_open_sets_wal_foreign_keys_and_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.sqlite"
    with Corpus.open(path, create=True) as corpus:
        conn = corpus._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
        assert corpus.schema_version == migration_files()[-1][0]
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == migration_files()[-1][0]
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "document_urls"} <= tables


def test_open_refuses_missing_file_without_create_and_non_databases(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no corpus at"):
        Corpus.open(tmp_path / "missing.sqlite", create=False)
    junk = tmp_path / "notes.sqlite"
    junk.write_text("these are my notes, not a database " * 100)
    with pytest.raises(ValueError, match="notes.sqlite"):
        Corpus.open(junk)


def _old_migrations(tmp_path: Path) -> Path:
    old = tmp_path / "old_migrations"
    old.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_documents.sql", old)
    return old


def test_old_database_migrates_forward_keeping_documents(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with Corpus.open(path, migrations_dir=_old_migrations(tmp_path), create=True) as old:
        assert old.schema_version == 1
    # written as a version-1 framewatch wrote it (today's code writes columns added since)
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO documents (id, url, text, date, date_source, date_confidence, content_hash, "
                "added_at, updated_at) VALUES ('d1', ?, 'Story one.', '2020-05-01', 'feed', 0.9, 'h1', "
                "'2020-05-02T00:00:00', '2020-05-02T00:00:00')", (doc(1).url,))
    raw.execute("INSERT INTO document_urls (url, canonical, doc_id, first_seen) VALUES (?, ?, 'd1', "
                "'2020-05-02T00:00:00')", (doc(1).url, doc(1).url))
    raw.commit()
    raw.close()
    newer = tmp_path / "newer_migrations"
    shutil.copytree(MIGRATIONS_DIR, newer)
    (newer / "0050_notes.sql").write_text(
        "-- a later migration; semicolons in strings stay; intact\n"
        "CREATE TABLE notes (doc_id TEXT REFERENCES documents(id), note TEXT DEFAULT 'a;b');\n"
        "INSERT INTO notes (doc_id) SELECT id FROM documents;\n"
    )
    with Corpus.open(path, migrations_dir=newer, create=True) as migrated:
        assert migrated.schema_version == 50
        assert migrated.get_by_url(doc(1).url).date == dt.date(2020, 5, 1)
        assert migrated.sql("SELECT note FROM notes")["note"].tolist() == ["a;b"]
        assert migrated.get_by_url(doc(1).url).date_evidence is None  # 0004 adds it, empty for old rows
    # the package's own migrations also take a version-1 database forward
    path2 = tmp_path / "old2.sqlite"
    with Corpus.open(path2, migrations_dir=tmp_path / "old_migrations", create=True) as old2:
        assert old2.schema_version == 1
    with Corpus.open(path2, create=True) as current:
        assert current.schema_version == migration_files()[-1][0]


def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with Corpus.open(path, create=True):
        pass
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 9999")
    raw.commit()
    raw.close()
    with pytest.raises(SchemaError, match="9999.*upgrade framewatch"):
        Corpus.open(path, create=True)


def test_failed_migration_rolls_back_entirely(tmp_path: Path) -> None:
    broken = _old_migrations(tmp_path)
    (broken / "0002_broken.sql").write_text("CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n")
    path = tmp_path / "b.sqlite"
    with pytest.raises(SchemaError, match="0002_broken.sql"):
        Corpus.open(path, migrations_dir=broken, create=True)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'half'").fetchone()


def test_upsert_statuses_and_url_variants_collapse(db: Corpus) -> None:
    first = doc(1, url="http://www.news.example.org/story/1/?utm_source=rss")
    assert db.upsert(first) == "new"
    assert db.upsert(first) == "unchanged"
    for variant in ("https://m.news.example.org/story/1/amp", "https://news.example.org/story/1?fbclid=zz"):
        assert db.add(doc(1, url=variant)) == "updated"  # a new URL seen for the same document
    assert db.count() == 1
    stored = db.get_by_url("https://amp.news.example.org/story/1?outputType=amp")
    assert stored is not None
    assert stored.url == "https://news.example.org/story/1"
    assert stored.urls == ["http://www.news.example.org/story/1/?utm_source=rss",
                           "https://m.news.example.org/story/1/amp", "https://news.example.org/story/1?fbclid=zz"]
    assert db.upsert(doc(1, url="https://news.example.org/story/1?fbclid=zz")) == "unchanged"
    assert db.upsert(doc(1, title="Story 1, corrected")) == "updated"
    assert db.get(stored.id).title == "Story 1, corrected"
    assert db.get_by_url("https://news.example.org/story/404") is None


def test_exact_copy_at_another_address_is_one_document_keeping_every_outlet(db: Corpus) -> None:
    assert db.upsert(doc(1)) == "new"
    copy = doc(1, url="https://wire.example.com/a/b", outlet="Wire Service", title="Other headline")
    copy.text = copy.text.upper()  # same words: same content hash
    assert db.upsert(copy) == "updated"
    assert db.count() == 1
    stored = db.get_by_url("https://wire.example.com/a/b")
    assert stored.title == "Story 1" and stored.outlet == "Example News"  # a copy fills gaps only
    outlets = db.sql("SELECT outlet FROM document_urls ORDER BY rowid")["outlet"].tolist()
    assert outlets == ["Example News", "Wire Service"]


def test_short_identical_texts_at_different_urls_are_not_merged(db: Corpus) -> None:
    db.upsert(Document(url="https://a.example.org/1", text="Subscribe to read."))
    db.upsert(Document(url="https://b.example.org/2", text="Subscribe to read."))
    assert db.count() == 2


def test_url_less_documents_are_identified_by_their_text(db: Corpus) -> None:
    assert db.upsert(Document(text="A note about the site.", source="notes")) == "new"
    assert db.upsert(Document(text="A note about the site.", source="notes")) == "unchanged"
    assert db.upsert(Document(text="A note about the site!", source="notes")) == "updated"
    assert db.count() == 1
    assert db.upsert(Document(text="A different note.", source="notes")) == "new"


def test_better_date_replaces_a_weaker_one_and_missing_date_keeps_it(db: Corpus) -> None:
    db.upsert(doc(1, date=dt.date(2021, 1, 9), date_source="htmldate", date_confidence=0.5))
    db.upsert(doc(1, date=dt.date(2021, 1, 8), date_source="feed", date_confidence=0.9))
    db.upsert(doc(1))
    stored = db.get_by_url(doc(1).url)
    assert (stored.date, stored.date_source, stored.date_confidence) == (dt.date(2021, 1, 8), "feed", 0.9)


def test_changed_text_clears_stale_scope_and_framing(db: Corpus) -> None:
    db.upsert(doc(1))
    target = db.get_by_url(doc(1).url).id
    db.set_scope(target, 0.93, "core")
    db.set_framing_label(target, "integrative")
    assert db.upsert(doc(1)) == "unchanged"
    assert db.get(target).scope_label == "core"
    db.upsert(doc(1, text="Entirely rewritten story about a housing project and its neighbours."))
    stored = db.get(target)
    assert stored.scope_label is None and stored.framing_label is None


def _many(db: Corpus) -> None:
    with db.transaction():
        for n in range(12):
            date = dt.date(2018 + n % 6, 1 + n % 12, 1) if n % 4 else None
            db.upsert(doc(n, date=date, date_source="feed" if date else "none",
                          source="rss" if n % 2 else "sitemap", outlet=f"Outlet {n % 3}"))


def test_stream_filters_order_and_count(db: Corpus) -> None:
    _many(db)
    everything = list(db.stream(batch=2))
    assert len(everything) == db.count() == 12 == len({d.id for d in everything})
    dated = [d.date for d in everything if d.date]
    assert dated == sorted(dated) and all(d.date is None for d in everything[len(dated):])
    in_range = list(db.stream(start="2019-01-01", end=dt.date(2021, 12, 31), batch=3))
    assert in_range and all(dt.date(2019, 1, 1) <= d.date <= dt.date(2021, 12, 31) for d in in_range)
    assert len(in_range) == db.count(start="2019-01-01", end="2021-12-31")
    assert {d.source for d in db.stream(source="rss")} == {"rss"}
    assert len(list(db.stream(outlet=["Outlet 0", "Outlet 1"]))) == db.count(outlet=["Outlet 0", "Outlet 1"]) == 8
    first = everything[0].id
    db.set_scope(first, 0.9, "core")
    assert [d.id for d in db.stream(scope="core")] == [first]
    with pytest.raises(ValueError, match="scope 'maybe'"):
        db.count(scope="maybe")


def test_writing_while_streaming_visits_each_document_once(db: Corpus) -> None:
    _many(db)
    seen = []
    for d in db.stream(batch=5):
        seen.append(d.id)
        db.set_scope(d.id, 0.1, "out")
    assert len(seen) == len(set(seen)) == 12
    assert db.count(scope="out") == 12


def test_to_frame_has_the_contract_columns(db: Corpus) -> None:
    _many(db)
    frame = db.to_frame(source="rss")
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 6
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert frame["date"].isna().sum() == db.count(source="rss") - db.count(source="rss", start="1900-01-01")
    assert isinstance(frame["urls"].iloc[0], list)
    assert list(Corpus.open(db.path, create=True).to_frame().columns) == list(COLUMNS)


def test_transaction_is_all_or_nothing_and_nests(db: Corpus) -> None:
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.upsert(doc(1))
            db.upsert(doc(2))
            raise RuntimeError("crash in the middle")
    assert db.count() == 0
    with db.transaction():
        db.upsert(doc(1))
        with pytest.raises(RuntimeError):
            with db.transaction():
                db.upsert(doc(2))
                raise RuntimeError("inner failure")
    assert [d.title for d in db.stream()] == ["Story 1"]


def test_label_setters_validate(db: Corpus) -> None:
    db.upsert(doc(1))
    target = db.get_by_url(doc(1).url).id
    db.set_story(target, "story-1")
    assert db.get(target).story_id == "story-1"
    with pytest.raises(ValueError, match="scope label"):
        db.set_scope(target, 0.5, "maybe")
    with pytest.raises(ValueError, match="framing label"):
        db.set_framing_label(target, "angry")
    with pytest.raises(KeyError, match="nope"):
        db.set_scope("nope", 0.5, "core")


def test_document_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="date_source"):
        Document(text="x", date=dt.date(2020, 1, 1), date_source="guess")
    with pytest.raises(ValueError, match="date_source 'none'"):
        Document(text="x", date=dt.date(2020, 1, 1))
    with pytest.raises(ValueError, match="not an ISO date"):
        Document(text="x", date="last Tuesday", date_source="text")
    record = Document(id="a", text="é", date="2020-02-03", date_source="feed", fetched_at="2020-02-04T05:06:07Z",
                      metadata={"k": [1]}).to_record()
    assert record["date"] == "2020-02-03" and record["fetched_at"] == "2020-02-04T05:06:07+00:00"
    assert Document.from_record(record).to_record() == record
    with pytest.raises(ValueError, match="unknown document field"):
        Document.from_record({**record, "colour": "red"})


def test_open_for_reading_requires_an_existing_file(tmp_path: Path) -> None:
    typo = tmp_path / "typo.sqlite"
    with pytest.raises(FileNotFoundError, match="no corpus at .*typo.sqlite.*create=True"):
        Corpus.open(typo)
    assert not typo.exists()
    with Corpus.open(typo, create=True):
        pass
    assert typo.is_file()
