"""One update at a time: an exclusive `fcntl.flock` on a lock file in the data folder.

The kernel drops the lock when its holder dies, even by `kill -9`, so a stale lock file never blocks a
later run; the file keeps the holder's pid only to name it in the refusal message.

    with RunLock(data_dir):
        ...  # a second `framewatch update` on the same data folder now refuses with LockHeld
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "framewatch.lock"


class LockHeld(RuntimeError):
    """Another process holds the update lock; `pid` is the holder's process id when it could be read."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        holder = f"pid {pid}" if pid else "another process"
        super().__init__(
            f"another framewatch update is already running ({holder} holds {path}); "
            "wait for it to finish, or stop that process first"
        )


class RunLock:
    """An exclusive, non-blocking lock on `<data_dir>/framewatch.lock`; a context manager."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock or raise `LockHeld` naming the holder's pid; never waits."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise LockHeld(self.path, pid) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Drop the lock (the file stays; its content no longer matters)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
