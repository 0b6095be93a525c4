"""Bulk writes (`Corpus.bulk`, `Corpus.upsert_many`, `Ingest.batch`): a batch decides every document exactly
as one `upsert` after another would, and a failing batch loses nothing already stored."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corpus.store as store
from corpus.documents import Document
from corpus.importers import import_paths
from corpus.ingest import Ingest
from corpus.store import Bulk, Corpus

WORDS = "council site overdose nurse treatment recovery budget vote clinic street".split()
# long texts (hash-matched), two spellings of one of them, and short ones (never hash-matched)
TEXTS = [" ".join(WORDS[i:] + WORDS[:i]) + "." for i in range(4)]
TEXTS += [TEXTS[0].upper(), TEXTS[0].replace(" ", "  ,"), "Subscribe to read.", "Subscribe to read", ""]
URLS = ["https://a.example/1", "http://www.a.example/1?utm_source=x", "https://a.example/2",
        "https://m.b.example/2", "https://b.example/2", "https://c.example/3?token=secret1",
        "https://c.example/3?token=secret2"]


@st.composite
def documents(draw) -> Document:
    urls = draw(st.lists(st.sampled_from(URLS), max_size=2))
    url = draw(st.none() | st.sampled_from(URLS))
    text = draw(st.sampled_from(TEXTS))
    ident = draw(st.none() | st.sampled_from(["x1", "x2"]))
    if not (ident or url or urls or text.strip()):
        text = TEXTS[1]
    dated = draw(st.booleans())
    return Document(
        id=ident, url=url, urls=urls, text=text, title=draw(st.sampled_from([None, "", "A", "B"])),
        outlet=draw(st.sampled_from([None, "Paper", "Wire"])), source=draw(st.sampled_from([None, "rss", "api"])),
        date=dt.date(2021, 1, draw(st.integers(1, 3))) if dated else None,
        date_source="feed" if dated else "none",
        date_confidence=draw(st.sampled_from([0.5, 0.9])) if dated else None,
        scope_label=draw(st.sampled_from([None, "core", "out"])),
        story_id=draw(st.sampled_from([None, "s1"])), metadata=draw(st.sampled_from([{}, {"k": 1}, {"k": 2}])),
    )


class Undo(Exception):
    """Rolls a trial back."""


def rows(db: Corpus) -> tuple[list, list]:
    """Every stored row, in rowid order (the order later look-ups see), without the write times."""
    docs = db._conn.execute("SELECT * FROM documents ORDER BY rowid").fetchall()
    urls = db._conn.execute("SELECT url, canonical, doc_id, outlet, source FROM document_urls "
                            "ORDER BY rowid").fetchall()
    names = [c[0] for c in db._conn.execute("SELECT * FROM documents LIMIT 0").description]
    keep = [i for i, n in enumerate(names) if n not in ("added_at", "updated_at")]
    return [tuple(r[i] for i in keep) for r in docs], urls


@settings(max_examples=150, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(before=st.lists(documents(), max_size=4), batch=st.lists(documents(), min_size=1, max_size=8))
def test_a_batch_stores_exactly_what_one_upsert_after_another_stores(tmp_path_factory, monkeypatch,
                                                                       before, batch) -> None:
    monkeypatch.setattr(store, "_now", lambda: "2026-01-01T00:00:00+00:00")  # one instant for both ways
    tmp = tmp_path_factory.mktemp("bulk")
    with Corpus.open(tmp / "one.sqlite", create=True) as one, Corpus.open(tmp / "many.sqlite", create=True) as many:
        for db in (one, many):
            for doc in before:
                db.upsert(doc)
        expected = [one.upsert(doc) for doc in batch]
        for window in (1, 3, 500):  # each tried in a transaction rolled back, on the same stored rows
            with pytest.raises(Undo):
                with many.transaction():
                    with many.bulk() as writer:
                        writer.prefetch(batch, window=window)
                        assert [writer.upsert(doc)[0] for doc in batch] == expected
                    assert rows(many) == rows(one)
                    raise Undo
        assert many.upsert_many(batch) == expected
        assert rows(many) == rows(one)


def test_stories_set_in_a_bulk_reach_documents_decided_in_it(tmp_path: Path) -> None:
    with Corpus.open(tmp_path / "c.sqlite", create=True) as db:
        db.upsert(Document(id="old", text=TEXTS[1]))
        with db.bulk() as writer:
            status, stored = writer.upsert(Document(id="new", text=TEXTS[2]))
            writer.set_story("new", "old")
            writer.set_story("old", "old")
            with pytest.raises(KeyError, match="nobody"):
                writer.set_story("nobody", "old")
            assert db.get("new") is None  # nothing is written before the block ends
        assert status == "new" and stored.id == "new"
        assert (db.get("new").story_id, db.get("old").story_id) == ("old", "old")


def test_nothing_of_a_failed_bulk_is_written(tmp_path: Path) -> None:
    with Corpus.open(tmp_path / "c.sqlite", create=True) as db:
        db.upsert(Document(id="kept", text=TEXTS[1]))
        with pytest.raises(RuntimeError):
            with db.bulk() as writer:
                writer.upsert(Document(id="lost", text=TEXTS[2], url=URLS[0]))
                writer.upsert(Document(id="kept", text=TEXTS[3]))
                raise RuntimeError("crash")
        assert [d.id for d in db.stream()] == ["kept"] and db.get("kept").text == TEXTS[1]
        assert db.get_by_url(URLS[0]) is None


def records(n: int) -> list[str]:
    """n JSON Lines records: wire copies (one story per 30), exact reprints merged by hash, a few bad."""
    lines = []
    for i in range(n):
        story = i % 30
        text = (f"Report {story}: the clinic on street {story} counted overdoses, nurses and referrals to "
                "treatment and recovery this month. " + ("A desk edit. " * (i % 3))
                + ("" if i % 7 == 0 else f"Copy {i}."))
        lines.append(json.dumps({"id": f"r{i}", "text": text, "url": f"https://p{i % 4}.example/{story}/{i}",
                                 "date": f"202{i % 4}-0{1 + i % 9}-10"}))
        if i % 111 == 5:
            lines.append('{"id": "bad", "text": ')
    return lines


def export_rows(path: Path) -> tuple[list, list]:
    with Corpus.open(path) as db:
        return rows(db)


def test_a_batch_whose_write_fails_is_stored_one_document_at_a_time(tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "r.jsonl"
    source.write_text("\n".join(records(450)) + "\n", encoding="utf-8")
    with Corpus.open(tmp_path / "clean.sqlite", create=True) as db:
        clean = import_paths(db, [source], progress=False)
    flush = Bulk.flush

    def failing(self: Bulk) -> None:
        if len(self._inserted) + len(self._updated) > 1:
            raise sqlite3.OperationalError("disk I/O error")
        flush(self)

    monkeypatch.setattr(Bulk, "flush", failing)
    with Corpus.open(tmp_path / "fallback.sqlite", create=True) as db:
        report = import_paths(db, [source], progress=False)
    assert report.summary() == clean.summary() and [str(e) for e in report.errors] == [str(e) for e in clean.errors]
    assert export_rows(tmp_path / "fallback.sqlite") == export_rows(tmp_path / "clean.sqlite")


def test_a_crash_between_batches_keeps_the_whole_batches_before_it(tmp_path: Path, monkeypatch) -> None:
    """Killed after the first batch: the corpus is exactly a clean import of the records of that batch."""
    from corpus import importers

    lines = records(450)
    source = tmp_path / "r.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = [0]
    batch = Ingest.batch

    def crashing(self, docs=()):
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt  # as a kill would, between the first batch's commit and the second
        return batch(self, docs)

    monkeypatch.setattr(Ingest, "batch", crashing)
    with Corpus.open(tmp_path / "killed.sqlite", create=True) as db, pytest.raises(KeyboardInterrupt):
        import_paths(db, [source], progress=False)
    monkeypatch.setattr(Ingest, "batch", batch)
    good = [line for line in lines if not line.endswith(": ")]
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(good[:importers.BATCH]) + "\n", encoding="utf-8")
    with Corpus.open(tmp_path / "first.sqlite", create=True) as db:
        assert import_paths(db, [first], progress=False).new > 0
    assert export_rows(tmp_path / "killed.sqlite") == export_rows(tmp_path / "first.sqlite")
    with Corpus.open(tmp_path / "killed.sqlite") as db:  # and the re-run completes it as one clean run
        import_paths(db, [source], progress=False)
    with Corpus.open(tmp_path / "clean.sqlite", create=True) as db:
        import_paths(db, [source], progress=False)
    assert export_rows(tmp_path / "killed.sqlite") == export_rows(tmp_path / "clean.sqlite")


@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)) | st.text())
def test_the_ascii_fast_path_of_normalise_text_equals_the_unicode_rule(text: str) -> None:
    import unicodedata

    from corpus.hashing import _NON_WORD, normalise_text

    rule = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    assert normalise_text.__wrapped__(text) == rule
