"""Corpus store speed, size and memory, as ratios against baselines measured in the same run.

- write: `Corpus.upsert_many` (canonical URLs, normalised-text hashes, look-ups batched, one transaction and one
  `executemany` per table per batch) and `Corpus.upsert` called once per document, against a bare `sqlite3`
  `executemany` of the same rows into a one-table file;
- size: bytes the corpus takes per document, against the bytes of its text;
- memory: peak Python memory while `Corpus.stream()` visits every document, on the corpus and on the same
  corpus doubled, against loading all with `to_frame()` (streaming's peak should not grow with the corpus);
- export: peak RSS of `framewatch export` (a fresh process each) of the corpus and of the corpus five times
  larger (`export_peak`, used by benchmarks/run.py).

usage: python benchmarks/corpus_store.py [--docs 3000] [--words 400]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
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
    """Seconds for `Corpus.upsert_many` of every document, `batch` documents per call (and transaction)."""
    began = time.perf_counter()
    with Corpus.open(path, create=True) as db:
        for i in range(0, len(docs), batch):
            db.upsert_many(docs[i:i + batch])
    return time.perf_counter() - began


def corpus_upsert_each(path: Path, docs: list[Document], batch: int = 200) -> float:
    """Seconds for one `Corpus.upsert` call per document (each a bulk of one), `batch` per transaction."""
    began = time.perf_counter()
    with Corpus.open(path, create=True) as db:
        for i in range(0, len(docs), batch):
            with db.transaction():
                for doc in docs[i:i + batch]:
                    db.upsert(doc)
    return time.perf_counter() - began


def grow(path: Path, docs: list[Document], times: int, batch: int = 500) -> None:
    """Add `times - 1` more copies of `docs` to the corpus (other URLs, texts one word apart)."""
    with Corpus.open(path) as db:
        for k in range(1, times):
            copies = [replace(d, url=f"{d.url}/copy-{k}", text=f"{d.text} copy{k}") for d in docs]
            for i in range(0, len(copies), batch):
                db.upsert_many(copies[i:i + batch])


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM where /proc has it (`ru_maxrss` of a process started by a large
    one counts the parent's memory at the fork), else `ru_maxrss`."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def export_peak(path: Path, fmt: str) -> dict:
    """`framewatch export` of the corpus in a fresh process: seconds, bytes written, its peak RSS (MB) and the
    peak after its imports (before exporting)."""
    code = ("import json, tempfile, time; from pathlib import Path; from benchmarks.corpus_store import peak_rss_mb; "
            "from corpus.cli import main; from corpus.exporters import export; start = peak_rss_mb(); "
            "began = time.perf_counter(); "
            "out = Path(tempfile.mkdtemp()) / 'out'; "
            f"rc = main(['export', '--db', {str(path)!r}, '--format', {fmt!r}, '--out', str(out)]); "
            "took = time.perf_counter() - began; size = out.stat().st_size; out.unlink(); "
            "print(json.dumps({'rc': rc, 'seconds': round(took, 2), 'bytes': size, 'peak_rss_mb': peak_rss_mb(), "
            "'imports_rss_mb': start}))")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=str(root)))
    if done.returncode != 0:
        raise RuntimeError(f"export of {path} as {fmt} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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
        with Corpus.open(db) as corpus:
            per_doc = corpus.size() / args.docs
        text_bytes = sum(len(d.text.encode("utf-8")) for d in docs[: args.docs]) / args.docs
        streamed, loaded = peak_memory(db, streaming=True), peak_memory(db, streaming=False)
        corpus_insert(db, docs[args.docs:])
        streamed2, loaded2 = peak_memory(db, streaming=True), peak_memory(db, streaming=False)
    print(f"documents: {args.docs} of {args.words} words")
    print(f"write  bare sqlite insert: {base:.2f} s ({args.docs / base:,.0f} docs/s)")
    print(f"write  Corpus.upsert_many: {store:.2f} s ({args.docs / store:,.0f} docs/s)  ratio {store / base:.1f}x")
    print(f"size   {per_doc:,.0f} bytes per document, {per_doc / text_bytes:.2f}x its text ({text_bytes:,.0f} bytes)")
    print(f"memory stream():   {streamed / 1e6:.1f} MB -> {streamed2 / 1e6:.1f} MB peak when the corpus doubles, "
          f"growth {streamed2 / streamed:.2f}x (target <= 1.2x)")
    print(f"memory to_frame(): {loaded / 1e6:.1f} MB -> {loaded2 / 1e6:.1f} MB peak, growth {loaded2 / loaded:.2f}x")


if __name__ == "__main__":
    main()
