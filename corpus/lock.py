"""One writer at a time per corpus file: a `filelock` lock beside it, taken by every writer.

`framewatch update`, `import`, `reextract` and the report's label writes all take
``CorpusLock(db_path, "update")`` (the purpose names the command). The lock is on ``<corpus>.lock`` next
to the corpus file itself, not on a data folder, so two updates with different configurations but one
``--db`` exclude each other. filelock uses `fcntl.flock` on POSIX and `msvcrt.locking` on Windows; the
operating system drops the lock when its holder dies, even by ``kill -9``, so a stale lock file never
blocks a later run. Who holds it (pid, command, since when) is written to ``<corpus>.lock.holder`` only to
name the holder in the refusal message.

By default a second writer refuses at once (`LockHeld`): an unattended update must not queue up behind an
import, nor an import wait hours for an update. `timeout` > 0 waits that many seconds first.

    with CorpusLock("data/corpus.sqlite", "update"):
        ...  # a second writer on the same corpus file now refuses with LockHeld
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from filelock import FileLock, Timeout


class LockHeld(RuntimeError):
    """Another process is writing to the corpus; `holder` says who (pid, purpose, since) when known."""

    def __init__(self, path: Path, holder: dict | None) -> None:
        self.path = path
        self.holder = holder or {}
        self.pid = self.holder.get("pid")
        who = f"framewatch {self.holder.get('purpose', 'writer')}" if self.holder else "another process"
        pid = f", pid {self.pid}" if self.pid else ""
        since = f", since {self.holder['since']}" if self.holder.get("since") else ""
        super().__init__(
            f"the corpus {path} is in use by {who}{pid}{since} (lock {path}.lock); "
            "wait for it to finish, or stop that process first"
        )


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    """The lock file of a corpus file: ``<corpus>.lock`` in the same folder."""
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


class CorpusLock:
    """An exclusive lock on one corpus file for one writer; a context manager."""

    def __init__(self, db_path: str | os.PathLike[str], purpose: str = "writer", timeout: float = 0.0) -> None:
        self.db_path = Path(db_path)
        self.path = lock_path(self.db_path)
        self.holder_path = self.path.with_name(self.path.name + ".holder")
        self.purpose = purpose
        self.timeout = timeout
        self._lock = FileLock(str(self.path), timeout=timeout, thread_local=False, is_singleton=False,
                              fallback_to_soft=False)  # no OS lock: refuse, never a lock file a crash leaves

    def acquire(self) -> CorpusLock:
        """Take the lock (waiting up to `timeout` seconds) or raise `LockHeld` naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=self.timeout)
        except Timeout:
            raise LockHeld(self.db_path, self._read_holder()) from None
        holder = {"pid": os.getpid(), "purpose": self.purpose,
                  "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        tmp = self.holder_path.with_name(self.holder_path.name + f".{os.getpid()}")
        tmp.write_text(json.dumps(holder), encoding="utf-8")
        os.replace(tmp, self.holder_path)
        return self

    def release(self) -> None:
        """Drop the lock (the holder note is removed first, so it never names a finished process)."""
        if not self._lock.is_locked:
            return
        try:
            self.holder_path.unlink()
        except FileNotFoundError:
            pass
        self._lock.release(force=True)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._lock.is_locked

    def _read_holder(self) -> dict | None:
        try:
            data = json.loads(self.holder_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def __enter__(self) -> CorpusLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
