"""`kill -9` at any moment, then a re-run: the corpus equals the one a single uninterrupted run leaves.

The test server itself counts the requests it receives and, at the N-th, sends SIGKILL to the
`framewatch update` process (before answering, or right after answering so the process dies while it
extracts and stores). No sleeps: the kill point is fixed by the request count.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from corpus.archive import iter_responses, warc_files
from corpus.cli import main
from corpus.runlog import runs_frame
from tests.localweb import LocalWeb
from tests.test_update import REPO, UpdateSite, canonical_export, run, write_config


class KillSwitch:
    """Wraps every route of a LocalWeb so that the `at`-th request kills `pid` with SIGKILL."""

    def __init__(self, web: LocalWeb) -> None:
        self.count = 0
        self.at: int | None = None
        self.after_response = False
        self.pid: int | None = None
        self.fired = False
        self._lock = threading.Lock()
        for route in web.routes.values():
            route.handler = self._wrap(route)

    def arm(self, pid: int, at: int, after_response: bool) -> None:
        with self._lock:
            self.count, self.at, self.after_response, self.pid, self.fired = 0, at, after_response, pid, False

    def disarm(self) -> None:
        with self._lock:
            self.at = None

    def _wrap(self, route):
        def handler(h: BaseHTTPRequestHandler) -> None:
            with self._lock:
                self.count += 1
                fire = self.at is not None and self.count == self.at and self.pid is not None
            if fire and not self.after_response:
                self._kill()
            h.send_response(route.status)
            h.send_header("Content-Type", route.content_type)
            h.send_header("Content-Length", str(len(route.body)))
            h.end_headers()
            h.wfile.write(route.body)
            h.wfile.flush()
            if fire and self.after_response:
                self._kill()
        return handler

    def _kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.fired = True


def update_process(config: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "corpus", "update", "--config", str(config), "--quiet"],
                            cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def killed_at(switch: KillSwitch, config: Path, at: int, after_response: bool) -> None:
    proc = update_process(config)
    switch.arm(proc.pid, at, after_response)
    _, err = proc.communicate(timeout=120)
    switch.disarm()
    assert switch.fired and proc.returncode == -signal.SIGKILL, (proc.returncode, err.decode())


def assert_whole(db_path: Path) -> None:
    """No half-written rows: the file is intact, every document has its URLs, every story exists."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT COUNT(*) FROM documents d WHERE NOT EXISTS "
                            "(SELECT 1 FROM document_urls u WHERE u.doc_id = d.id)").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM documents WHERE story_id IS NULL OR story_id NOT IN "
                            "(SELECT id FROM documents)").fetchone()[0] == 0
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served():
    """One server for the module (so URLs, and the ids derived from them, match the clean run's)."""
    web = LocalWeb().start()
    UpdateSite(web)
    web.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
    switch = KillSwitch(web)
    yield web, switch
    web.stop()


@pytest.fixture(scope="module")
def clean(served, tmp_path_factory) -> list[dict]:
    web, _ = served
    tmp = tmp_path_factory.mktemp("clean")
    summary = run(write_config(tmp, web))
    assert summary.status == "finished" and summary.total("new") == 12
    return canonical_export(tmp / "data" / "corpus.sqlite")


# 16 requests in a clean run: robots.txt, the feed, 7 Courier pages, the sitemap, 6 Herald pages
@pytest.mark.parametrize("kills", [
    [(2, False)],            # while fetching the feed: nothing stored yet
    [(5, True)],             # right after a page arrived: dies while extracting or storing it
    [(12, True)],            # inside the second source, after the exact reprint's page arrived
    [(8, False), (4, True)],  # killed twice in a row before a run completes
])
def test_kill_then_rerun_equals_a_clean_run(served, clean, tmp_path: Path, kills, capsys) -> None:
    web, switch = served
    config = write_config(tmp_path, web)
    db_path = tmp_path / "data" / "corpus.sqlite"
    for at, after_response in kills:
        killed_at(switch, config, at, after_response)
        if db_path.exists():
            assert_whole(db_path)
    summary = run(config)
    assert summary.status == "finished"
    assert summary.interrupted_runs, "the killed run is recorded as interrupted"
    assert canonical_export(db_path) == clean
    assert_whole(db_path)
    # a finished run re-run adds nothing
    again = run(config)
    assert again.total("new") == 0 and again.total("fetched") == 0
    assert canonical_export(db_path) == clean
    runs = runs_frame(db_path)
    assert (runs["status"] == "interrupted").sum() == len(kills)
    assert main(["runs", "--db", str(db_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in listed].count("interrupted") == len(kills)
    assert all(r["finished_at"] is None for r in listed if r["status"] == "interrupted")
    # the archive of a killed run stays readable up to where it stopped
    for path in warc_files(tmp_path / "data"):
        list(iter_responses(path))


def test_a_warc_cut_anywhere_reads_up_to_the_cut(tmp_path: Path) -> None:
    import datetime as dt
    from types import SimpleNamespace

    from corpus.archive import WarcArchive

    with WarcArchive(tmp_path / "warc" / "run") as archive:
        for i in range(3):
            archive(SimpleNamespace(
                url=f"https://example.org/{i}", final_url=f"https://example.org/{i}", status=200,
                headers={"Content-Type": "text/html"}, content=f"<p>page {i}</p>".encode() * 200,
                fetched_at=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), request_headers={}))
    [path] = warc_files(tmp_path)
    data = path.read_bytes()
    whole = [r.final_url for r in iter_responses(path)]
    assert whole == [f"https://example.org/{i}" for i in range(3)]
    cut = tmp_path / "cut.warc.gz"
    seen = set()
    for end in range(0, len(data) + 1, 37):
        cut.write_bytes(data[:end])
        read = [r.final_url for r in iter_responses(cut)]
        assert read == whole[:len(read)]          # a prefix, never garbage, never an exception
        seen.add(len(read))
    assert seen >= {0, 1, 2}


# --- import and reextract, killed inside their writes -----------------------------------------------
# The child process counts the documents it stores (corpus.ingest.Ingest.store, the one way in) and
# kills itself with SIGKILL before the N-th: a fixed point, no timing involved.
KILLER = """
import os, signal, sys
from corpus.ingest import Ingest
at, calls, real = int(os.environ["FW_KILL_AT"]), [0], Ingest.store
def store(self, doc):
    calls[0] += 1
    if calls[0] == at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, doc)
Ingest.store = store
from corpus.cli import main
sys.exit(main(sys.argv[1:]))
"""


def killed_run(at: int, *argv: str) -> None:
    proc = subprocess.run([sys.executable, "-c", KILLER, *argv], capture_output=True, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "FW_KILL_AT": str(at)})
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr.decode()[-2000:])


def import_records(path: Path) -> Path:
    """450 records: wire copies with small edits (one story), exact reprints (merged), a few bad lines."""
    lines = []
    for i in range(450):
        story = i % 40
        text = (f"Story {story}: the council debated the overdose prevention site on street {story} again, "
                f"with nurses, naloxone and referrals to treatment and recovery discussed at length. "
                + ("Edited by a local desk. " * (i % 3)) + ("" if i % 7 == 0 else f"Copy {i}."))
        lines.append(json.dumps({"id": f"r{i}", "text": text, "date": f"20{19 + i % 6}-0{1 + i % 9}-15",
                                 "url": f"https://paper{i % 5}.example/{story}/{i}"}))
        if i % 97 == 0:
            lines.append('{"id": "broken", "text": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kills", [[1], [250], [201, 5], [449]])
def test_killed_import_rerun_equals_a_clean_import(tmp_path: Path, kills: list[int], capsys) -> None:
    source = import_records(tmp_path / "records.jsonl")
    clean_db = tmp_path / "clean.sqlite"
    assert main(["import", str(source), "--db", str(clean_db)]) == 1  # the broken lines fail
    capsys.readouterr()
    db = tmp_path / "killed.sqlite"
    for at in kills:
        killed_run(at, "import", str(source), "--db", str(db))
        if db.exists():
            assert_whole_import(db)
    assert main(["import", str(source), "--db", str(db)]) == 1
    assert canonical_export(db) == canonical_export(clean_db)
    assert_whole_import(db)


def assert_whole_import(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM documents WHERE scope_label IS NULL OR story_id IS NULL "
                            "OR story_id NOT IN (SELECT id FROM documents)").fetchone()[0] == 0
    finally:
        conn.close()


@pytest.mark.parametrize("kills", [[1], [6], [3, 9]])
def test_killed_reextract_rerun_equals_a_clean_reextract(served, tmp_path: Path, kills: list[int], capsys) -> None:
    import shutil
    from dataclasses import replace

    from corpus.store import Corpus

    web, _ = served
    (tmp_path / "site").mkdir()
    summary = run(write_config(tmp_path / "site", web))
    assert summary.status == "finished"
    data = tmp_path / "site" / "data"
    with Corpus.open(data / "corpus.sqlite") as db:  # texts as an older extractor left them
        for doc in list(db.stream()):
            db.upsert(replace(doc, text=doc.text[:60], scope_label=None, scope_score=None))
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    shutil.copytree(data, clean)
    shutil.copytree(data, killed)
    assert main(["reextract", "--db", str(clean / "corpus.sqlite"), "-q"]) == 0
    assert "12 changed" in capsys.readouterr().out
    for at in kills:
        killed_run(at, "reextract", "--db", str(killed / "corpus.sqlite"), "-q")
        assert_whole(killed / "corpus.sqlite")
    assert main(["reextract", "--db", str(killed / "corpus.sqlite"), "-q"]) == 0
    capsys.readouterr()
    assert canonical_export(killed / "corpus.sqlite") == canonical_export(clean / "corpus.sqlite")
