"""`framewatch backfill`: WARC files (Common Crawl News, an archive's crawl) into the corpus, in parallel on Dask.

Dask workers do the pure work: they find the records of each file (`scan_file`) and read, extract and
score a segment of records at a time (`process_segment`), with the project's one WARC reader
(`scrapers.warc`) and the same record-to-document step as `framewatch import`. They never touch SQLite.
The caller's process is the single writer: it stores the kept documents through `corpus.ingest.Ingest`
(exact and near-duplicate de-duplication, stories) one segment per transaction, in file and record order,
and records in the same transaction how far each file got (table `backfill_files`). A run killed at any
point and started again skips what was committed and ends with the corpus one clean run gives.

    with Corpus.open("corpus.sqlite", create=True) as db:
        report = backfill(db, ["cc-news/*.warc.gz"], workers=2)          # a LocalCluster of 2 processes
        report = backfill(db, ["/shared/cc/*.warc.gz"], scheduler="tcp://scheduler:8786")

Dask (the `scale` extra) is imported only when a backfill runs.
"""
from __future__ import annotations

import datetime as dt
import glob
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from corpus.documents import Document
from corpus.importers import ImportReport, RecordError, _warc_document
from corpus.ingest import Ingest
from corpus.scope import ScopeScorer
from corpus.store import Corpus

KEEP = ("core", "adjacent")  # scope labels stored by default: Common Crawl News is mostly about other things
SEGMENT = 50                 # records per worker task (and per commit)
MAX_PAYLOAD = 10 * 1024 * 1024
TYPES = ("response", "resource")


@dataclass
class FileScan:
    """What a worker found in one WARC file: record offsets, damaged records stepped over, and how it ended."""

    path: str
    size: int
    offsets: list[int] = field(default_factory=list)
    damage: list[tuple[int, str]] = field(default_factory=list)
    cut: tuple[int, str] | None = None      # truncated: where, and why
    refused: str | None = None              # not a WARC file at all


@dataclass
class Outcome:
    """One record after a worker: `doc` to store, or `kind` skipped / out / error (with `message`)."""

    offset: int
    kind: str                               # doc, skipped, out, error
    doc: Document | None = None
    message: str = ""


@dataclass
class BackfillReport(ImportReport):
    """What a backfill did, over every file (committed counts, so a resumed run reports the clean run's):
    an import's counts, errors and exit code, plus what only a backfill knows."""

    resumed: int = 0                        # files already done (or partly done) by an earlier run
    records: int = 0
    read: int = 0                           # records read by this run (the others by earlier runs)
    out_of_scope: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: `3 files, 120 records: 14 new, 0 updated, 2 unchanged, 90 out of scope, ...`."""
        rate = f", {self.read} read in {self.seconds:.1f} s ({self.read / self.seconds:.1f} records/s)" \
            if self.seconds and self.read else ""
        return (f"{self.files} file{'s' if self.files != 1 else ''} ({self.resumed} resumed), {self.records} "
                f"records: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.out_of_scope} out of scope, {self.skipped} skipped, {self.failed} failed"
                + (f", {len(self.truncated)} truncated" if self.truncated else "") + rate)


# --- worker side: pure functions of a file --------------------------------------------------------
def scan_file(path: str) -> FileScan:
    """The offsets of the response/resource records of `path`, the damaged records, and any cut at the end."""
    from scrapers.errors import ScrapeError
    from scrapers.warc import WarcDamage, WarcTruncated, read_warc

    scan = FileScan(path, os.path.getsize(path))
    try:
        for record in read_warc(path, types=TYPES, allow_arc=_is_arc(path), max_payload=MAX_PAYLOAD, resync=True):
            if isinstance(record, WarcDamage):
                scan.damage.append((record.offset, f"damaged WARC record skipped: {record.message}"))
            else:
                scan.offsets.append(record.offset)
    except WarcTruncated as cut:
        scan.cut = (cut.offset, f"truncated: unreadable WARC record ({cut.message}); the records before it were read")
    except ScrapeError as error:
        scan.refused = error.message
    except OSError as error:
        scan.refused = f"cannot read: {error}"
    return scan


def process_segment(path: str, offsets: list[int], source: str | None, keep: tuple[str, ...] | None) -> list[Outcome]:
    """Read, extract and scope-score the records of `path` at `offsets` (consecutive, from a `FileScan`)."""
    from scrapers.warc import WarcRecord, WarcTruncated, read_warc

    wanted, out, scorer, name = set(offsets), {}, ScopeScorer(), Path(path).name
    try:
        for record in read_warc(path, types=TYPES, allow_arc=_is_arc(path), max_payload=MAX_PAYLOAD,
                                offset=offsets[0], limit=len(offsets), resync=True):
            if isinstance(record, WarcRecord) and record.offset in wanted:
                out[record.offset] = _outcome(record, name, source, keep, scorer)
    except WarcTruncated as cut:
        message = f"unreadable WARC record ({cut.message})"
        out.update({o: Outcome(o, "error", message=message) for o in offsets if o not in out})
    return [out.get(o) or Outcome(o, "error", message="record not found again at this offset") for o in offsets]


def _outcome(record: Any, name: str, source: str | None, keep: tuple[str, ...] | None,
             scorer: ScopeScorer) -> Outcome:
    if record.oversized:
        return Outcome(record.offset, "error", message=f"payload larger than {MAX_PAYLOAD:,} bytes, skipped")
    item = _warc_document(record, name, source)
    if item is None:
        return Outcome(record.offset, "skipped")
    if isinstance(item, Exception):
        return Outcome(record.offset, "error", message=str(item))
    item.scope_score, item.scope_label = scorer.score(item.title, item.text)
    if keep is not None and item.scope_label not in keep:
        return Outcome(record.offset, "out")
    return Outcome(record.offset, "doc", doc=item)


def _is_arc(path: str) -> bool:
    return path.lower().endswith((".arc", ".arc.gz"))


# --- client side: one writer ------------------------------------------------------------------------
def warc_files(patterns: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[str]]:
    """(absolute paths of the files the globs name, sorted, without repeats; patterns that name none)."""
    files: list[str] = []
    missing: list[str] = []
    for pattern in patterns:
        text = os.path.expanduser(str(pattern))
        found = sorted(glob.glob(text)) if glob.has_magic(text) else ([text] if os.path.isfile(text) else [])
        found = [os.path.abspath(f) for f in found if os.path.isfile(f)]
        if not found:
            missing.append(str(pattern))
        files += [f for f in found if f not in files]
    return files, missing


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class _Writer:
    """The single writer: stores each segment's documents and the file's progress in one transaction."""

    def __init__(self, corpus: Corpus, report: BackfillReport) -> None:
        self.corpus = corpus
        self.ingest = Ingest(corpus)
        self.report = report
        self.conn = corpus._conn

    def progress(self, path: str, size: int) -> tuple[str, int] | None:
        """(status, resume_at) recorded for `path`, or None when never started or when it was another file."""
        row = self.conn.execute("SELECT status, resume_at, size FROM backfill_files WHERE path = ?", (path,)).fetchone()
        if row is None or row[2] != size:
            return None
        return row[0], row[1]

    def start(self, scan: FileScan) -> None:
        """Create the file's row (or start it over, errors too, when its size changed) and record its damaged
        records."""
        with self.corpus.transaction():
            self.conn.execute("DELETE FROM backfill_errors WHERE path = ? AND EXISTS (SELECT 1 FROM backfill_files "
                              "WHERE path = ? AND size != ?)", (scan.path, scan.path, scan.size))
            self.conn.execute(
                "INSERT INTO backfill_files (path, size, started_at) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE "
                "SET size = excluded.size, status = 'running', resume_at = 0, records = 0, new = 0, updated = 0, "
                "unchanged = 0, out_of_scope = 0, skipped = 0, failed = 0, started_at = excluded.started_at, "
                "finished_at = NULL WHERE backfill_files.size != excluded.size",
                (scan.path, scan.size, _now()))
            for offset, message in scan.damage:
                self._error(scan.path, offset, message)

    def segment(self, path: str, outcomes: list[Outcome], resume_at: int) -> None:
        """Store one segment's kept documents, count every record, and move the file's `resume_at` on."""
        counts = dict.fromkeys(("new", "updated", "unchanged", "out_of_scope", "skipped", "failed"), 0)
        with self.corpus.transaction():
            for item in outcomes:
                if item.kind == "doc":
                    try:
                        counts[self.ingest.store(item.doc).status] += 1
                    except Exception as error:  # the record's problem; its savepoint undid its writes only
                        counts["failed"] += 1
                        self._error(path, item.offset, f"{type(error).__name__}: {error}")
                elif item.kind == "error":
                    counts["failed"] += 1
                    self._error(path, item.offset, item.message)
                else:
                    counts["out_of_scope" if item.kind == "out" else "skipped"] += 1
            sets = ", ".join(f"{k} = {k} + ?" for k in counts)
            self.conn.execute(f"UPDATE backfill_files SET records = records + ?, {sets}, resume_at = ? WHERE path = ?",
                              (len(outcomes), *counts.values(), resume_at, path))

    def finish(self, scan: FileScan) -> None:
        """Mark the file done, truncated (recording where) or failed (not WARC: recorded with offset -1)."""
        with self.corpus.transaction():
            if scan.refused is not None:
                self._error(scan.path, -1, scan.refused)
                self.conn.execute("UPDATE backfill_files SET failed = 1 WHERE path = ?", (scan.path,))
            elif scan.cut is not None:
                self._error(scan.path, *scan.cut)
            status = "failed" if scan.refused is not None else "truncated" if scan.cut is not None else "done"
            self.conn.execute("UPDATE backfill_files SET status = ?, finished_at = ? WHERE path = ?",
                              (status, _now(), scan.path))

    def _error(self, path: str, offset: int, message: str) -> None:
        self.conn.execute("INSERT INTO backfill_errors (path, offset, message, at) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT(path, offset) DO UPDATE SET message = excluded.message",
                          (path, offset, message, _now()))

    def tally(self, path: str) -> None:
        """Add the file's committed counts and errors to the report."""
        row = self.conn.execute("SELECT records, new, updated, unchanged, out_of_scope, skipped, failed, status "
                                "FROM backfill_files WHERE path = ?", (path,)).fetchone()
        if row is None:
            return
        for name, value in zip(("records", "new", "updated", "unchanged", "out_of_scope", "skipped", "failed"), row):
            setattr(self.report, name, getattr(self.report, name) + value)
        for offset, message in self.conn.execute(
                "SELECT offset, message FROM backfill_errors WHERE path = ? ORDER BY offset", (path,)):
            error = RecordError(path, message, offset=None if offset < 0 else offset)
            (self.report.truncated if row[7] == "truncated" and message.startswith("truncated:")
             else self.report.errors).append(error)


def _client(stack: ExitStack, client: Any, scheduler: str | None, workers: int | None) -> Any:
    """The Dask client to use: the one given, one connected to `scheduler`, or a LocalCluster of processes."""
    if client is not None:
        return client
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("backfill needs Dask: pip install 'framewatch[scale]'") from exc
    if scheduler:
        return stack.enter_context(Client(scheduler))
    # one thread per process: extraction is pure Python and holds the GIL; Dask's nanny already sets
    # OMP/MKL/OPENBLAS threads to 1 in each worker (distributed.nanny.pre-spawn-environ)
    cluster = stack.enter_context(LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                               processes=True, dashboard_address=":0"))
    return stack.enter_context(Client(cluster))


def backfill(
    corpus: Corpus,
    patterns: Iterable[str | os.PathLike[str]],
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    keep: Iterable[str] | None = KEEP,
    source: str | None = "backfill",
    segment: int = SEGMENT,
    progress: bool | None = None,
) -> BackfillReport:
    """Read the WARC files `patterns` name, keep the records in scope (`keep` labels; None keeps all) and
    store them in `corpus`; returns the counts and every error (file and byte offset).

    Runs on `client` (a dask.distributed Client), else on the scheduler at `scheduler`, else on a new
    LocalCluster of `workers` processes (default: one per core). Resumes files an earlier run left
    unfinished; files it finished are not read again. `progress=None` shows a bar on a terminal only.
    The caller holds the corpus lock (the CLI takes `CorpusLock(db, "backfill")`).
    """
    if segment < 1:
        raise ValueError(f"segment must be at least 1 record, not {segment}")
    kept = tuple(keep) if keep is not None else None
    report = BackfillReport()
    began = time.perf_counter()
    files, missing = warc_files(patterns)
    for pattern in missing:
        report.failed += 1
        report.errors.append(RecordError(pattern, "no WARC file matches this path or pattern"))
    writer = _Writer(corpus, report)
    bar = tqdm(desc="backfill", unit="record", total=0, disable=None if progress is None else not progress)
    with ExitStack() as stack:
        stack.callback(bar.close)
        todo = []
        for path in files:
            status, resume_at = writer.progress(path, os.path.getsize(path)) or ("new", 0)
            if status not in ("new", "running"):
                report.resumed += 1  # finished by an earlier run: not read again
                continue
            report.resumed += resume_at > 0
            todo.append((path, resume_at))
        dask_client = _client(stack, client, scheduler, workers) if todo else None
        # segments in flight beyond the one being written: enough to keep every worker busy, few enough
        # that results waiting for their turn stay small
        width = max(4, 3 * len(dask_client.scheduler_info().get("workers", {}))) if dask_client else 4
        window: deque = deque()
        steps = _steps(dask_client, todo, source, kept, segment, bar)
        for step in steps:
            window.append(step)
            while len(window) > width:
                report.read += _apply(writer, window.popleft(), bar)
        while window:
            report.read += _apply(writer, window.popleft(), bar)
    for path in files:
        writer.tally(path)
    report.files = len(files)
    report.seconds = round(time.perf_counter() - began, 3)
    return report


def _steps(client: Any, todo: list[tuple[str, int]], source: str | None, keep: tuple[str, ...] | None,
           segment: int, bar: Any) -> Iterator[tuple]:
    """The work in writing order: ("scan", scan), then ("segment", path, future, resume_at) for each segment,
    then ("finish", scan), file after file. Scans run ahead on the cluster; segments are submitted as the
    writer pulls them, so only a window of results waits in memory."""
    ahead = max(2, len(client.scheduler_info().get("workers", {}))) if client is not None else 2
    scans: deque = deque()
    upcoming = iter(todo)

    def top_up() -> None:
        while len(scans) < ahead:
            nxt = next(upcoming, None)
            if nxt is None:
                return
            scans.append((nxt[1], client.submit(scan_file, nxt[0], pure=False)))

    top_up()
    while scans:
        resume_at, future = scans.popleft()
        top_up()
        scan: FileScan = future.result()
        offsets = [o for o in scan.offsets if o >= resume_at]
        bar.total += len(offsets)
        bar.refresh()
        yield ("scan", scan)
        for i in range(0, len(offsets), segment):
            part = offsets[i:i + segment]
            nxt = offsets[i + segment] if i + segment < len(offsets) else (scan.offsets[-1] + 1 if scan.offsets else 0)
            yield ("segment", scan.path, client.submit(process_segment, scan.path, part, source, keep, pure=False), nxt)
        yield ("finish", scan)


def _apply(writer: _Writer, step: tuple, bar: Any) -> int:
    """Write one step's result; returns the number of records it held."""
    kind = step[0]
    if kind == "scan":
        writer.start(step[1])
    elif kind == "segment":
        _, path, future, resume_at = step
        outcomes = future.result()
        writer.segment(path, outcomes, resume_at)
        bar.update(len(outcomes))
        return len(outcomes)
    else:
        writer.finish(step[1])
    return 0
