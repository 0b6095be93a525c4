"""The monthly update: collect what is new from every configured source into the corpus, safely.

Per source: discover candidates → canonicalise their URLs → skip URLs already stored → fetch → extract →
content hash (an exact copy only adds its URL and outlet to the stored document) → near-duplicate story
(MinHash) → scope score → store. One document is one transaction (the document, its URLs and its story),
so a run killed at any moment leaves only whole documents, and a re-run skips what is stored and collects
the rest: the corpus ends exactly as one uninterrupted run would leave it.

Each source remembers the day it was complete up to (table `source_state`); the next run starts there,
minus `overlap_days` for late-indexed articles. `since`/`until` override that; a backfill is the same call
with a range. A document that fails is kept in the retry queue (`corpus.retry`): each run first retries
the due ones, and a source's mark never moves past a document still waiting (only past what was stored or
given up on after `retry_attempts`). Raw responses go to WARC files under ``<data_dir>/warc/<run_id>/``;
a lock on the corpus file (`corpus.lock`) stops a second concurrent writer; the run log records counts,
failures (with URL and reason, credentials redacted) and durations.

    summary = run_update(load_config("framewatch.toml"))
    print(summary)
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from tqdm import tqdm

from corpus.archive import WarcArchive
from corpus.config import Config, SourceConfig, load_config, require_contact
from corpus.dedup import NearDuplicateIndex
from corpus.ingest import Ingest, document_from_extraction
from corpus.lock import CorpusLock
from corpus.retry import RetryQueue
from corpus.runlog import RunLog, failures_frame, run_sources_frame
from corpus.store import Corpus
from corpus.urls import canonical_url

if TYPE_CHECKING:
    from scrapers.extraction import Extraction
    from scrapers.http import Fetcher, FetchResult
    from scrapers.sources.base import Candidate

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What one run did: its id and status, one row of counts per source, and every failure."""

    run_id: str
    status: str
    db_path: Path
    warc_dir: Path
    sources: pd.DataFrame
    failures: pd.DataFrame
    duration_s: float
    interrupted_runs: list[str] = field(default_factory=list)
    skipped_sources: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    def total(self, count: str) -> int:
        """One count (`new`, `fetched`, `failed` …) summed over the sources."""
        return int(self.sources[count].sum()) if len(self.sources) else 0

    def __str__(self) -> str:
        lines = [f"run {self.run_id}: {self.status} in {self.duration_s:.1f}s (corpus {self.db_path})"]
        if self.message:
            lines.append(f"  {self.message}")
        for run_id in self.interrupted_runs:
            lines.append(f"  note: run {run_id} had been interrupted; this run picked up where it stopped")
        for row in self.sources.itertuples(index=False):
            lines.append(
                f"  {row.source:<24} {row.status:<9} discovered {row.discovered}, known {row.known}, "
                f"fetched {row.fetched}, new {row.new}, duplicate {row.duplicate}, near-duplicate "
                f"{row.near_duplicate}, out of scope {row.out_of_scope}, failed {row.failed}"
                + (f", retried {row.retried}" if row.retried else "")
                + (f", given up {row.given_up}" if row.given_up else "")
                + (f" — {row.error}" if isinstance(row.error, str) and row.error else ""))
        for name, reason in self.skipped_sources.items():
            lines.append(f"  {name:<24} skipped   ({reason})")
        if len(self.failures):
            by_reason = self.failures.groupby(["source", "reason"]).size()
            lines.append("  failures: " + "; ".join(f"{s} {r} ×{n}" for (s, r), n in by_reason.items()))
        lines.append(f"  WARC archive: {self.warc_dir}")
        return "\n".join(lines)


def _make_fetcher(config: Config, on_response: Callable[[FetchResult], None]) -> Fetcher:
    """A Fetcher configured from `[project]`/`[http]`, archiving every response through `on_response`."""
    from scrapers.http import Fetcher

    return Fetcher(user_agent=config.user_agent, contact=config.contact, min_delay=config.min_delay,
                   allow_loopback=config.allow_loopback, timeout=config.timeout, max_retries=config.max_retries,
                   backoff=config.backoff, on_response=on_response)


def source_range(runlog: RunLog, config: Config, source: str, since: dt.date | None,
                 until: dt.date | None, today: dt.date) -> tuple[dt.date | None, dt.date]:
    """The [since, until] one source is asked for: the override, else where it stopped minus the overlap,
    else the configured start date (None: everything the source offers)."""
    end = until or today
    if since is not None:
        return since, end
    last = runlog.source_state(source)
    if last is not None:
        return last - dt.timedelta(days=config.overlap_days), end
    return config.start_date, end


class _SourceRun:
    """Collects one source into the corpus, recording counts and failures as it goes."""

    def __init__(self, db: Corpus, runlog: RunLog, queue: RetryQueue, ingest: Ingest,
                 spec: SourceConfig, fetcher: Fetcher, progress: bool) -> None:
        self.db, self.runlog, self.queue, self.ingest = db, runlog, queue, ingest
        self.since: dt.date | None = None
        self.spec = spec
        self.fetcher = fetcher
        self.progress = progress

    def run(self, since: dt.date | None, until: dt.date) -> None:
        """Retry the source's due queued documents, then collect what it discovers in [since, until]."""
        from scrapers.errors import ScrapeError
        from scrapers.sources.base import build_source

        name = self.spec.name
        self.since = since
        self.runlog.start_source(name, self.spec.kind, since, until)
        seen: set[str] = set()
        bar = tqdm(desc=f"{name}", unit="doc", disable=not self.progress, leave=False)
        try:
            source = build_source(self.spec.kind, name, self.spec.options, self.fetcher)
            for candidate in self.queue.due(name):
                bar.update(1)
                self.runlog.add(name, retried=1)
                self.collect(source, candidate, seen)
            for candidate in source.discover(since, until):
                bar.update(1)
                self.runlog.add(name, discovered=1)
                self.collect(source, candidate, seen)
        except ScrapeError as exc:
            self.runlog.failure(name, None, exc.reason, exc.message or str(exc))
            self.runlog.finish_source(name, "failed", f"{exc.reason}: {exc.message or exc}")
            return
        except Exception as exc:  # a broken source is recorded; the other sources still run
            log.debug("source %s failed", name, exc_info=True)
            self.runlog.failure(name, None, "error", f"{type(exc).__name__}: {exc}")
            self.runlog.finish_source(name, "failed", f"{type(exc).__name__}: {exc}")
            return
        finally:
            bar.close()
        self.runlog.finish_source(name, "finished")
        mark = self.queue.hold_mark(name, until)  # never past a document still waiting for a retry
        if mark is not None:
            self.runlog.set_source_state(name, mark)

    def collect(self, source: Any, candidate: Candidate, seen: set[str]) -> None:
        """Fetch and store one candidate unless it is stored already or backing off; queue it if it fails."""
        from scrapers.errors import ScrapeError

        name = self.spec.name
        try:
            canonical = canonical_url(candidate.url)
        except ValueError as exc:  # not a URL at all: nothing a retry could fix
            self.runlog.failure(name, candidate.url, "bad_url", str(exc))
            return
        if canonical in seen:
            return
        seen.add(canonical)
        if self.db.get_by_url(canonical) is not None:
            self.queue.done(name, canonical)
            self.runlog.add(name, known=1)
            return
        if self.queue.waiting(name, canonical):  # failed before: its next try has not come (or given up)
            return
        try:
            extraction = source.fetch(candidate)
        except ScrapeError as exc:
            self.fail(candidate, canonical, exc.reason, exc.message or str(exc))
            return
        except Exception as exc:  # one bad page must not stop an unattended run
            log.debug("fetching %s failed", candidate.url, exc_info=True)
            self.fail(candidate, canonical, "error", f"{type(exc).__name__}: {exc}")
            return
        self.runlog.add(name, fetched=1)
        try:
            self.store(candidate, extraction)
        except ValueError as exc:
            self.fail(candidate, canonical, "bad_document", str(exc))
            return
        self.queue.done(name, canonical)

    def fail(self, candidate: Candidate, canonical: str, reason: str, message: str) -> None:
        """Record a failed document and keep it in the retry queue (or give up on it after N attempts)."""
        name = self.spec.name
        self.runlog.failure(name, candidate.url, reason, message)
        if self.queue.failed(name, canonical, candidate, reason, message, self.since) == "given_up":
            self.runlog.add(name, given_up=1)

    def store(self, candidate: Candidate, extraction: Extraction) -> None:
        """Score and store one extracted document with its story, in one transaction; count the result."""
        name = self.spec.name
        urls = [candidate.url]
        final = getattr(extraction, "url", None)
        if final and final != candidate.url:
            urls.append(final)
        metadata: dict[str, Any] = {}
        if getattr(extraction, "canonical_url", None):
            metadata["page_canonical_url"] = extraction.canonical_url
        doc = document_from_extraction(
            extraction, urls=urls, source=name, title=candidate.title, outlet=candidate.outlet,
            language=candidate.language, fetched_at=dt.datetime.now(dt.timezone.utc), metadata=metadata,
        )
        stored = self.ingest.store(doc)
        if stored.status == "new":
            counts = {"new": 1}
            if stored.story != stored.doc.id:
                counts["near_duplicate"] = 1
            if stored.doc.scope_label == "out":
                counts["out_of_scope"] = 1
        else:
            counts = {"duplicate": 1}
        self.runlog.add(name, **counts)


def run_status(runlog: RunLog) -> tuple[str, str | None]:
    """The run's status and message from its sources: `finished` (nothing failed), `partial` (a source or
    some documents failed, something else succeeded) or `failed` (every source failed, or nothing
    succeeded while something failed)."""
    statuses = runlog.source_statuses()
    failed_sources = [n for n, st in statuses.items() if st == "failed"]
    totals = runlog.totals()
    succeeded = totals["new"] + totals["duplicate"] + totals["known"]
    notes = []
    if failed_sources:
        notes.append(f"failed sources: {', '.join(failed_sources)}")
    if totals["failed"]:
        notes.append(f"{totals['failed']} document(s) failed ({totals['given_up']} given up, the rest queued "
                     "for retry)")
    if statuses and len(failed_sources) == len(statuses):
        return "failed", "; ".join(notes)
    if notes:
        return ("partial" if succeeded else "failed"), "; ".join(notes)
    return "finished", None


def run_update(config: Config | str | os.PathLike[str], db_path: str | os.PathLike[str] | None = None,
               since: dt.date | None = None, until: dt.date | None = None,
               progress: bool = True) -> RunSummary:
    """Run the update for every enabled source of `config` (a `Config` or a TOML path); see module doc.

    Raises `corpus.config.ConfigError` for a bad configuration (the placeholder contact address of
    `framewatch init` included) and `corpus.lock.LockHeld` when another writer holds the corpus file,
    both before anything is fetched or written.
    """
    if not isinstance(config, Config):
        config = load_config(config)
    require_contact(config)
    if since is not None and until is not None and since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    db = Path(db_path) if db_path is not None else config.db_path
    started = time.monotonic()
    today = dt.date.today()
    with CorpusLock(db, "update"):
        with Corpus.open(db, create=True) as corpus:
            runlog = RunLog(db)
            queue = RetryQueue(db, runlog.run_id, max_attempts=config.retry_attempts,
                               retry_hours=config.retry_hours)
            try:
                warc_dir = config.data_dir / "warc" / runlog.run_id
                stale = runlog.start(since, until, str(config.path) if config.path else None, str(warc_dir))
                with WarcArchive(warc_dir, prefix=f"framewatch-{runlog.run_id}") as archive:
                    fetcher = _make_fetcher(config, archive)
                    ingest = Ingest(corpus, index=NearDuplicateIndex.from_corpus(corpus, progress=progress))
                    try:
                        for spec in config.enabled_sources():
                            begin, end = source_range(runlog, config, spec.name, since, until, today)
                            _SourceRun(corpus, runlog, queue, ingest, spec, fetcher, progress).run(begin, end)
                    except KeyboardInterrupt:
                        runlog.finish("interrupted", "stopped by the user")
                        raise
                    except Exception as exc:  # e.g. the disk is full: say so in the log, then stop
                        runlog.finish("failed", f"{type(exc).__name__}: {exc}")
                        raise
                status, message = run_status(runlog)
                runlog.finish(status, message)
                run_id = runlog.run_id
            finally:
                queue.close()
                runlog.close()
    return RunSummary(
        run_id=run_id, status=status, db_path=db, warc_dir=warc_dir,
        sources=run_sources_frame(db, run_id), failures=failures_frame(db, run_id),
        duration_s=time.monotonic() - started, interrupted_runs=stale, message=message,
        skipped_sources={s.name: s.disabled_reason or "disabled" for s in config.sources.values() if not s.enabled},
    )
