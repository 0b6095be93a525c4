"""Corpus store speed and memory, as ratios against baselines measured in the same run.

- write: `Corpus.upsert` (canonical URLs, hashes, URL table, one transaction per batch) against a bare
  `sqlite3` INSERT of the same rows into a one-table file.
- write: the store does several look-ups per document (id, every URL, content hash) to never store one twice;
  target: at most 30x the bare insert's time.
- memory: peak Python memory while `Corpus.stream()` visits every document, on the corpus and on the same
  corpus doubled, against loading all with `to_frame()`; target: streaming's peak grows by at most 1.2x when
  the corpus doubles (loading all grows about 2x).

usage: python benchmarks/corpus_store.py [--docs 3000] [--words 400]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import tempfile
import time
import tracemalloc
from pathlib import Path

from corpus.documents import Document
from corpus.store import Corpus

WORDS = ("council site overdose harm reduction treatment recovery housing clinic nurse street "
         "budget neighbour vote service people drug health policy program city report").split()


def make_documents(n: int, words: int, seed: int = 7) -> list[Document]:
    """Invented documents with distinct texts, URLs and dates."""
    rng = random.Random(seed)
    start = dt.date(2019, 1, 1)
    return [
        Document(url=f"https://news.example.org/{i}/story", title=f"Story {i}",
                 text=" ".join(rng.choice(WORDS) for _ in range(words)) + f" #{i}",
                 outlet="Example News", source="bench", date=start + dt.timedelta(days=i % 2500),
                 date_source="meta", date_confidence=0.9)
        for i in range(n)
    ]


def bare_insert(path: Path, docs: list[Document]) -> float:
    """Seconds to insert the same rows into one plain table: the floor any store pays."""
    began = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE d (url TEXT PRIMARY KEY, title TEXT, text TEXT, outlet TEXT, date TEXT)")
    with conn:
        conn.executemany("INSERT INTO d VALUES (?,?,?,?,?)",
                         [(d.url, d.title, d.text, d.outlet, d.date.isoformat()) for d in docs])
    conn.close()
    return time.perf_counter() - began


def corpus_insert(path: Path, docs: list[Document], batch: int = 200) -> float:
    """Seconds for `Corpus.upsert` of every document, committed in batches."""
    began = time.perf_counter()
    with Corpus.open(path, create=True) as db:
        for i in range(0, len(docs), batch):
            with db.transaction():
                for doc in docs[i:i + batch]:
                    db.upsert(doc)
    return time.perf_counter() - began


def peak_memory(path: Path, streaming: bool) -> int:
    """Peak traced bytes while visiting every document, streamed or loaded at once."""
    with Corpus.open(path) as db:
        tracemalloc.start()
        if streaming:
            total = sum(len(d.text) for d in db.stream())
        else:
            total = int(db.to_frame()["text"].str.len().sum())
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert total > 0
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--words", type=int, default=400)
    args = parser.parse_args()
    docs = make_documents(2 * args.docs, args.words)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "corpus.sqlite"
        base = bare_insert(Path(tmp) / "bare.sqlite", docs[: args.docs])
        store = corpus_insert(db, docs[: args.docs])
        streamed, loaded = peak_memory(db, streaming=True), peak_memory(db, streaming=False)
        corpus_insert(db, docs[args.docs:])
        streamed2, loaded2 = peak_memory(db, streaming=True), peak_memory(db, streaming=False)
    print(f"documents: {args.docs} of {args.words} words")
    print(f"write  bare sqlite insert: {base:.2f} s ({args.docs / base:,.0f} docs/s)")
    print(f"write  Corpus.upsert:      {store:.2f} s ({args.docs / store:,.0f} docs/s)  "
          f"ratio {store / base:.1f}x (target <= 30x)")
    print(f"memory stream():   {streamed / 1e6:.1f} MB -> {streamed2 / 1e6:.1f} MB peak when the corpus doubles, "
          f"growth {streamed2 / streamed:.2f}x (target <= 1.2x)")
    print(f"memory to_frame(): {loaded / 1e6:.1f} MB -> {loaded2 / 1e6:.1f} MB peak, growth {loaded2 / loaded:.2f}x")


if __name__ == "__main__":
    main()
