"""The run log: each `framewatch update` run, per-source counts, every failure, and how far each source got.

Stored in the corpus file (tables of migration 0002) through a connection of its own, so the log keeps
being written one event at a time while documents commit in their own small transactions.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pandas as pd

from scrapers.redact import redact_text, redact_url

COUNTS = ("discovered", "known", "fetched", "new", "duplicate", "near_duplicate", "out_of_scope", "failed",
          "retried", "given_up")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_run_id(now: dt.datetime | None = None) -> str:
    """A run id that sorts by start time and names the process: ``20260123T101500.123456Z-4242``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{os.getpid()}"


class RunLog:
    """Writes one run's log: `start_source`, `add`, `failure`, `finish_source`, `finish`; reads source state."""

    def __init__(self, db_path: str | os.PathLike[str], run_id: str | None = None) -> None:
        self.db_path = Path(db_path)
        self.run_id = run_id or new_run_id()
        self._conn = sqlite3.connect(str(self.db_path), timeout=30.0, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._started: dict[str, dt.datetime] = {}

    def close(self) -> None:
        """Close the log's connection."""
        self._conn.close()

    # --- runs ------------------------------------------------------------------------------------
    def start(self, since: dt.date | None, until: dt.date | None, config_path: str | None,
              warc_dir: str | None) -> list[str]:
        """Record the start of this run; runs left `running` by a dead process become `interrupted`.

        Call only while holding the update lock (so no other run can be live). Returns the ids of the
        runs marked interrupted.
        """
        stale = [r[0] for r in self._conn.execute("SELECT id FROM runs WHERE status = 'running'")]
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(
                "UPDATE runs SET status = 'interrupted', message = 'the process stopped before finishing' "
                "WHERE status = 'running'")
            self._conn.execute("UPDATE run_sources SET status = 'interrupted' WHERE status = 'running'")
            self._conn.execute(
                "INSERT INTO runs (id, started_at, status, pid, since, until, config_path, warc_dir) "
                "VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
                (self.run_id, _now(), os.getpid(), since.isoformat() if since else None,
                 until.isoformat() if until else None, config_path, warc_dir))
        return stale

    def finish(self, status: str, message: str | None = None) -> None:
        """Record the end of the run: `finished` or `failed`, with an optional message."""
        self._conn.execute("UPDATE runs SET status = ?, finished_at = ?, message = ? WHERE id = ?",
                           (status, _now(), redact_text(message) if message else message, self.run_id))

    # --- sources ---------------------------------------------------------------------------------
    def start_source(self, source: str, kind: str, since: dt.date | None, until: dt.date | None) -> None:
        """Open this run's row for one source."""
        self._started[source] = dt.datetime.now(dt.timezone.utc)
        self._conn.execute(
            "INSERT OR REPLACE INTO run_sources (run_id, source, kind, since, until, status, started_at) "
            "VALUES (?, ?, ?, ?, ?, 'running', ?)",
            (self.run_id, source, kind, since.isoformat() if since else None,
             until.isoformat() if until else None, _now()))

    def add(self, source: str, **counts: int) -> None:
        """Add to this run's counts for a source, e.g. ``add("feed", discovered=1)``."""
        bad = set(counts) - set(COUNTS)
        if bad:
            raise ValueError(f"unknown run count {sorted(bad)[0]!r} (known: {', '.join(COUNTS)})")
        sets = ", ".join(f"{k} = {k} + ?" for k in counts)
        self._conn.execute(f"UPDATE run_sources SET {sets} WHERE run_id = ? AND source = ?",
                           (*counts.values(), self.run_id, source))

    def failure(self, source: str, url: str | None, reason: str, message: str | None = None) -> None:
        """Record one failure (a document, or the whole source when `url` is None) and count it.

        The URL and message are stored with credentials redacted."""
        url = redact_url(url) if url is not None else None
        message = redact_text(message) if message is not None else None
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(
                "INSERT INTO failures (run_id, source, url, reason, message, at) VALUES (?, ?, ?, ?, ?, ?)",
                (self.run_id, source, url, reason, message, _now()))
            if url is not None:
                self._conn.execute("UPDATE run_sources SET failed = failed + 1 WHERE run_id = ? AND source = ?",
                                   (self.run_id, source))

    def finish_source(self, source: str, status: str, error: str | None = None) -> None:
        """Close a source's row: `finished` or `failed` (with the error), and how long it took."""
        started = self._started.get(source)
        duration = (dt.datetime.now(dt.timezone.utc) - started).total_seconds() if started else None
        self._conn.execute(
            "UPDATE run_sources SET status = ?, error = ?, finished_at = ?, duration_s = ? "
            "WHERE run_id = ? AND source = ?",
            (status, redact_text(error) if error else error, _now(), duration, self.run_id, source))

    def source_statuses(self) -> dict[str, str]:
        """Each source of this run and its status (running, finished, failed)."""
        return dict(self._conn.execute("SELECT source, status FROM run_sources WHERE run_id = ?", (self.run_id,)))

    def counts(self, source: str) -> dict[str, int]:
        """This run's counts for one source so far."""
        row = self._conn.execute(f"SELECT {', '.join(COUNTS)} FROM run_sources WHERE run_id = ? AND source = ?",
                                 (self.run_id, source)).fetchone()
        return dict(zip(COUNTS, row)) if row else dict.fromkeys(COUNTS, 0)

    def totals(self) -> dict[str, int]:
        """This run's counts summed over its sources."""
        row = self._conn.execute(f"SELECT {', '.join(f'COALESCE(SUM({c}), 0)' for c in COUNTS)} FROM run_sources "
                                 "WHERE run_id = ?", (self.run_id,)).fetchone()
        return dict(zip(COUNTS, row))

    # --- how far each source got -----------------------------------------------------------------
    def source_state(self, source: str) -> dt.date | None:
        """The day up to which `source` was collected completely by an earlier run, or None."""
        row = self._conn.execute("SELECT last_until FROM source_state WHERE source = ?", (source,)).fetchone()
        return dt.date.fromisoformat(row[0]) if row else None

    def set_source_state(self, source: str, last_until: dt.date) -> None:
        """Remember that `source` is complete up to `last_until` (never moves backwards)."""
        self._conn.execute(
            "INSERT INTO source_state (source, last_until, last_run_id, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET last_until = max(last_until, excluded.last_until), "
            "last_run_id = excluded.last_run_id, updated_at = excluded.updated_at",
            (source, last_until.isoformat(), self.run_id, _now()))


# --- reading the log -------------------------------------------------------------------------------
def _read(db_path: str | os.PathLike[str], query: str, params: tuple = ()) -> pd.DataFrame:
    from corpus.store import Corpus

    with Corpus.open(db_path, create=False) as db:
        return db.sql(query, params)


def runs_frame(db_path: str | os.PathLike[str]) -> pd.DataFrame:
    """One row per run, newest first, with totals over its sources and its duration in seconds."""
    totals = ", ".join(f"COALESCE(SUM(s.{c}), 0) AS {c}" for c in COUNTS)
    frame = _read(db_path,
                  f"SELECT r.id AS run_id, r.started_at, r.finished_at, r.status, r.since, r.until, r.message, "
                  f"COUNT(s.source) AS sources, {totals} FROM runs r LEFT JOIN run_sources s ON s.run_id = r.id "
                  "GROUP BY r.id ORDER BY r.started_at DESC, r.id DESC")
    start = pd.to_datetime(frame["started_at"], utc=True)
    end = pd.to_datetime(frame["finished_at"], utc=True)
    frame["duration_s"] = (end - start).dt.total_seconds()
    return frame


def run_sources_frame(db_path: str | os.PathLike[str], run_id: str | None = None) -> pd.DataFrame:
    """Per-source rows of one run (or all runs), with counts, status, error and duration."""
    where, params = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
    return _read(db_path, f"SELECT run_id, source, kind, since, until, status, {', '.join(COUNTS)}, "
                          f"duration_s, error FROM run_sources {where} ORDER BY run_id DESC, started_at, source",
                 params)


def failures_frame(db_path: str | os.PathLike[str], run_id: str | None = None) -> pd.DataFrame:
    """Every recorded failure (run, source, URL, reason, message, time) of one run or of all runs."""
    where, params = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
    frame = _read(db_path, f"SELECT run_id, source, url, reason, message, at FROM failures {where} ORDER BY id",
                  params)
    frame["url"] = frame["url"].map(lambda u: redact_url(u) if isinstance(u, str) else u)  # older corpora
    frame["message"] = frame["message"].map(lambda m: redact_text(m) if isinstance(m, str) else m)
    return frame


def failure_reasons(db_path: str | os.PathLike[str], run_id: str) -> dict[str, dict[str, int]]:
    """Failures of one run counted by source and reason: ``{"feed": {"http_500": 2}}``."""
    frame = _read(db_path, "SELECT source, reason, COUNT(*) AS n FROM failures WHERE run_id = ? "
                           "GROUP BY source, reason ORDER BY source, reason", (run_id,))
    out: dict[str, dict[str, int]] = {}
    for source, reason, n in frame.itertuples(index=False):
        out.setdefault(source, {})[reason] = int(n)
    return out
