"""The retry queue: every document a run failed to collect, tried again by later runs until stored or given up.

A failed candidate (robots.txt refusal, 429, 5xx, timeout, a page that would not extract …) is kept in the
corpus table `retry_queue` (migration 0003) with its attempts, last reason and next try. The next try
backs off exponentially: ``retry_hours · 2^(attempts-1)`` after the last attempt (computed with the
current `retry_hours`, so lowering it takes effect for documents already queued). After `max_attempts`
attempts the document is given up on (status ``given_up``, listed by ``framewatch runs``). A stored
document leaves the queue.

While a source has pending documents, its "complete up to" mark stays before the earliest of them (see
`hold_mark`), so a document is never silently skipped by a later run's date range either.

URLs are kept with credentials redacted (`scrapers.redact_url`); a document whose URL carried credentials
cannot be fetched from the queue and is retried only when its source lists it again.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from scrapers.redact import has_credentials, redact_text, redact_url

if TYPE_CHECKING:
    from scrapers.sources.base import Candidate

#: default number of attempts before a document is given up on
MAX_ATTEMPTS = 5
#: default hours before the first retry (doubling with each further attempt)
RETRY_HOURS = 6.0


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _json_safe(extra: dict[str, Any]) -> str:
    safe = {}
    for key, value in (extra or {}).items():
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        if isinstance(value, str):
            value = redact_url(value)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            continue
        safe[str(key)] = value
    return json.dumps(safe, ensure_ascii=False, sort_keys=True)


class RetryQueue:
    """The queue of one corpus file, written through a connection of its own (like the run log)."""

    def __init__(self, db_path: str | os.PathLike[str], run_id: str, max_attempts: int = MAX_ATTEMPTS,
                 retry_hours: float = RETRY_HOURS) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be 1 or more, got {max_attempts}")
        self.run_id = run_id
        self.max_attempts = max_attempts
        self.retry_hours = retry_hours
        self._conn = sqlite3.connect(str(Path(db_path)), timeout=30.0, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout=30000")

    def close(self) -> None:
        """Close the queue's connection."""
        self._conn.close()

    def due(self, source: str, now: dt.datetime | None = None) -> list[Candidate]:
        """The pending documents of `source` whose next try has come, oldest failure first, as Candidates
        (documents whose URL carried credentials are left for rediscovery)."""
        from scrapers.sources.base import Candidate

        now = now or dt.datetime.now(dt.timezone.utc)
        rows = self._conn.execute(
            "SELECT url, title, date, date_source, outlet, language, extra, attempts, last_tried FROM retry_queue "
            "WHERE source = ? AND status = 'pending' AND has_secret = 0 ORDER BY first_failed, canonical",
            (source,)).fetchall()
        return [Candidate(url=url, source=source, title=title, date=dt.date.fromisoformat(day) if day else None,
                          date_source=date_source, outlet=outlet, language=language, extra=json.loads(extra))
                for url, title, day, date_source, outlet, language, extra, attempts, last_tried in rows
                if self.next_try(attempts, last_tried) <= now]

    def next_try(self, attempts: int, last_tried: str | dt.datetime) -> dt.datetime:
        """When a document tried `attempts` times, last at `last_tried`, is due again under this queue's
        back-off (so a changed `retry_hours` applies to documents already queued)."""
        if isinstance(last_tried, str):
            last_tried = dt.datetime.fromisoformat(last_tried)
        return last_tried + dt.timedelta(hours=self.retry_hours * 2 ** max(attempts - 1, 0))

    def waiting(self, source: str, canonical: str, now: dt.datetime | None = None) -> bool:
        """True when `canonical` is queued for `source` but backing off (or given up): do not fetch it now."""
        row = self._conn.execute("SELECT status, attempts, last_tried FROM retry_queue WHERE source = ? AND "
                                 "canonical = ?", (source, canonical)).fetchone()
        if row is None:
            return False
        status, attempts, last_tried = row
        return status != "pending" or self.next_try(attempts, last_tried) > (now or dt.datetime.now(dt.timezone.utc))

    def failed(self, source: str, canonical: str, candidate: Candidate, reason: str, message: str | None,
               window_since: dt.date | None, now: dt.datetime | None = None) -> str:
        """Record a failed attempt; returns the document's status afterwards (`pending` or `given_up`)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        row = self._conn.execute("SELECT attempts FROM retry_queue WHERE source = ? AND canonical = ?",
                                 (source, canonical)).fetchone()
        attempts = (row[0] if row else 0) + 1
        status = "given_up" if attempts >= self.max_attempts else "pending"
        next_try = None if status == "given_up" else _iso(self.next_try(attempts, now))
        message = redact_text(message) if message else message
        if row is None:
            self._conn.execute(
                "INSERT INTO retry_queue (source, canonical, url, has_secret, title, date, date_source, outlet, "
                "language, extra, window_since, status, attempts, last_reason, last_message, first_failed, "
                "last_tried, next_try, first_run_id, last_run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (source, canonical, redact_url(candidate.url), int(has_credentials(candidate.url)), candidate.title,
                 candidate.date.isoformat() if candidate.date else None, candidate.date_source, candidate.outlet,
                 candidate.language, _json_safe(candidate.extra),
                 window_since.isoformat() if window_since else None, status, attempts, reason, message,
                 _iso(now), _iso(now), next_try, self.run_id, self.run_id))
        else:
            self._conn.execute(
                "UPDATE retry_queue SET status = ?, attempts = ?, last_reason = ?, last_message = ?, last_tried = ?, "
                "next_try = ?, last_run_id = ? WHERE source = ? AND canonical = ?",
                (status, attempts, reason, message, _iso(now), next_try, self.run_id, source, canonical))
        return status

    def done(self, source: str, canonical: str) -> bool:
        """The document is stored (or was already): drop it from the queue; True if it was queued."""
        cursor = self._conn.execute("DELETE FROM retry_queue WHERE source = ? AND canonical = ?", (source, canonical))
        return cursor.rowcount > 0

    def hold_mark(self, source: str, until: dt.date) -> dt.date | None:
        """How far `source` may be marked complete: `until`, held before its earliest pending document
        (the day before its date, else the start of the range it was found in); None: do not move the mark."""
        mark: dt.date | None = until
        for day, since in self._conn.execute(
                "SELECT date, window_since FROM retry_queue WHERE source = ? AND status = 'pending'", (source,)):
            if day:  # never before the range it was found in: a stray old date must not reopen years
                held = dt.date.fromisoformat(day) - dt.timedelta(days=1)
                if since:
                    held = max(held, dt.date.fromisoformat(since))
            elif since:
                held = dt.date.fromisoformat(since)
            else:
                return None
            mark = min(mark, held) if mark is not None else held
        return mark


def retry_frame(db_path: str | os.PathLike[str], status: str | None = None) -> pd.DataFrame:
    """The retry queue (or only its `pending` / `given_up` rows), oldest failure first."""
    from corpus.store import Corpus

    where, params = ("WHERE status = ?", (status,)) if status else ("", ())
    with Corpus.open(db_path, create=False) as db:
        frame = db.sql("SELECT source, url, status, attempts, last_reason, last_message, first_failed, "
                       f"last_tried, next_try, first_run_id, last_run_id FROM retry_queue {where} "
                       "ORDER BY first_failed, source, url", params)
    frame["url"] = frame["url"].map(redact_url)
    return frame
