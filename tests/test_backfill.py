"""`framewatch backfill`: WARC files through a real Dask LocalCluster into SQLite, one writer, resumable."""
from __future__ import annotations

import importlib
import io
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

distributed = pytest.importorskip("dask.distributed")

from corpus.cli import main  # noqa: E402
from corpus.importers import import_paths  # noqa: E402
from corpus.store import Corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
B = importlib.import_module("corpus.backfill")  # the module (corpus.backfill is also the function)
_WORDS = ("council budget street neighbour meeting evening winter report families clinic nurses volunteers "
          "housing shelter outreach mayor province funding review hearing residents downtown parking survey "
          "library transit school harbour market bakery weather festival garden bridge river station").split()
IN_SCOPE = ("The overdose prevention site on {street} Street opened its doors this week, and nurses there "
            "reversed several overdoses while staff offered referrals to treatment and recovery programs.")
OFF_TOPIC = "The bakery on {street} Street won a prize for its rye bread at the regional fair."


def _article(i: int, lead: str) -> str:
    rng = random.Random(i)
    filler = [" ".join(rng.choice(_WORDS) for _ in range(14)).capitalize() + "." for _ in range(8)]
    body = "".join(f"<p>{s}</p>" for s in [lead.format(street=f"Elm{i}"), *filler])
    return (f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>{body}"
            "</article></body></html>")


def write_warc(path: Path, pages: list[tuple[str, int, str, bytes]], gz: bool = True) -> list[int]:
    """(url, status, content type, payload) responses after a warcinfo record; returns each response's offset."""
    starts = []
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for url, status, ctype, payload in pages:
            starts.append(handle.tell())
            reason = {200: "OK", 404: "Not Found"}[status]
            headers = StatusAndHeaders(f"{status} {reason}", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(payload), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-03-01T08:00:00Z"}))
    return starts


def make_files(folder: Path, files: int = 2, per_file: int = 12) -> list[Path]:
    """WARC files of in-scope and off-topic pages, a 404, an image, and the same story at a second URL."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for f in range(files):
        pages = []
        for j in range(per_file):
            i = f * 100 + j
            lead = IN_SCOPE if j % 3 else OFF_TOPIC
            pages.append((f"https://news{f}.example/story/{i}", 200, "text/html; charset=utf-8",
                          _article(i, lead).encode()))
        pages.append((f"https://news{f}.example/gone", 404, "text/html", b"<html>gone</html>"))
        pages.append((f"https://news{f}.example/logo.png", 200, "image/png", b"\x89PNG....."))
        pages.append((f"https://mirror{f}.example/copy/1", 200, "text/html; charset=utf-8", pages[1][3]))
        path = folder / f"cc-news-{f}.warc.gz"
        write_warc(path, pages)
        out.append(path)
    return out


def tables(db: Path) -> dict[str, list[tuple]]:
    """The corpus and the backfill's own tables, without the columns that hold the time of writing."""
    conn = sqlite3.connect(db)
    try:
        queries = {
            "documents": "SELECT id, url, title, text, outlet, source, date, content_hash, scope_score, scope_label, "
                         "story_id, metadata, fetched_at FROM documents ORDER BY id",
            "document_urls": "SELECT url, canonical, doc_id, outlet, source FROM document_urls ORDER BY url",
            "backfill_files": "SELECT path, size, status, resume_at, records, new, updated, unchanged, out_of_scope, "
                              "skipped, failed FROM backfill_files ORDER BY path",
            "backfill_errors": "SELECT path, offset, message FROM backfill_errors ORDER BY path, offset",
        }
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as c:
        yield c


def run(db: Path, patterns: list, client, **kwargs) -> B.BackfillReport:
    with Corpus.open(db, create=True) as corpus:
        return B.backfill(corpus, [str(p) for p in patterns], client=client, progress=False, segment=4, **kwargs)


def test_backfill_keeps_what_is_in_scope_deduplicated(tmp_path: Path, client) -> None:
    files = make_files(tmp_path / "warc")
    report = run(tmp_path / "c.sqlite", [tmp_path / "warc" / "*.warc.gz"], client)
    assert report.files == 2 and report.records == 2 * 15
    assert (report.new, report.updated, report.out_of_scope, report.skipped, report.failed) == (16, 2, 8, 4, 0)
    got = tables(tmp_path / "c.sqlite")
    assert {r[9] for r in got["documents"]} == {"core"}
    copy = [r for r in got["document_urls"] if "mirror" in r[0]]
    assert len(copy) == 2 and all(r[2] in {d[0] for d in got["documents"]} for r in copy)  # merged, not duplicated
    assert [r[2] for r in got["backfill_files"]] == ["done", "done"]
    # a second run reads nothing again and changes nothing
    again = run(tmp_path / "c.sqlite", [tmp_path / "warc" / "*.warc.gz"], client)
    assert again.resumed == 2 and tables(tmp_path / "c.sqlite") == got
    assert files


def test_keep_all_stores_what_import_stores(tmp_path: Path, client) -> None:
    files = make_files(tmp_path / "warc", files=1)
    run(tmp_path / "b.sqlite", files, client, keep=None, source="import")
    with Corpus.open(tmp_path / "i.sqlite", create=True) as corpus:
        import_paths(corpus, files, progress=False)
    ours, theirs = tables(tmp_path / "b.sqlite"), tables(tmp_path / "i.sqlite")
    assert ours["documents"] == theirs["documents"] and ours["document_urls"] == theirs["document_urls"]


def test_a_crash_after_the_first_batch_then_a_rerun_equals_one_clean_run(tmp_path: Path, client, monkeypatch) -> None:
    make_files(tmp_path / "warc", files=3)
    pattern = [tmp_path / "warc" / "*.warc.gz"]
    run(tmp_path / "clean.sqlite", pattern, client)
    real, calls = B._Writer.segment, []

    def crash_on_second(self, path, outcomes, resume_at):
        calls.append(path)
        if len(calls) == 2:
            raise RuntimeError("injected crash")
        return real(self, path, outcomes, resume_at)

    monkeypatch.setattr(B._Writer, "segment", crash_on_second)
    with pytest.raises(RuntimeError, match="injected"):
        run(tmp_path / "crashed.sqlite", pattern, client)
    partial = tables(tmp_path / "crashed.sqlite")
    assert 0 < len(partial["documents"]) < len(tables(tmp_path / "clean.sqlite")["documents"])
    monkeypatch.setattr(B._Writer, "segment", real)
    report = run(tmp_path / "crashed.sqlite", pattern, client)
    assert report.resumed == 1
    assert tables(tmp_path / "crashed.sqlite") == tables(tmp_path / "clean.sqlite")


def test_a_killed_process_mid_transaction_then_a_rerun_equals_one_clean_run(tmp_path: Path, client) -> None:
    make_files(tmp_path / "warc", files=2)
    pattern = str(tmp_path / "warc" / "*.warc.gz")
    run(tmp_path / "clean.sqlite", [pattern], client)
    script = textwrap.dedent(f"""
        import os
        from dask.distributed import Client
        import importlib
        B = importlib.import_module('corpus.backfill')
        from corpus.store import Corpus
        real, calls = B._Writer.segment, []
        def die(self, path, outcomes, resume_at):
            calls.append(path)
            if len(calls) == 3:  # inside the third batch's transaction, half of it stored: no cleanup at all
                with self.corpus.transaction():
                    self.ingest.store(next(o.doc for o in outcomes if o.doc))
                    os._exit(9)
            real(self, path, outcomes, resume_at)
        B._Writer.segment = die
        with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0") as client, \\
                Corpus.open({str(tmp_path / "killed.sqlite")!r}, create=True) as corpus:
            B.backfill(corpus, [{pattern!r}], client=client, progress=False, segment=4)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 9, done.stderr[-2000:]
    killed = tables(tmp_path / "killed.sqlite")
    assert killed["backfill_files"][0][3] > 0 and killed["backfill_files"][0][2] == "running"
    run(tmp_path / "killed.sqlite", [pattern], client)
    assert tables(tmp_path / "killed.sqlite") == tables(tmp_path / "clean.sqlite")


def test_bad_input_is_named_with_its_offset_and_the_rest_is_kept(tmp_path: Path, client) -> None:
    folder = tmp_path / "warc"
    make_files(folder, files=1)
    pages = [(f"https://bad.example/{i}", 200, "text/html; charset=utf-8", _article(500 + i, IN_SCOPE).encode())
             for i in range(4)]
    damaged = folder / "damaged.warc"
    starts = write_warc(damaged, pages, gz=False)
    data = bytearray(damaged.read_bytes())
    data[starts[1]: starts[1] + 8] = b"GARBAGE!"
    damaged.write_bytes(bytes(data))
    cut = folder / "cut.warc.gz"
    starts_cut = write_warc(cut, pages, gz=True)
    whole = cut.read_bytes()
    cut.write_bytes(whole[: starts_cut[3] + (len(whole) - starts_cut[3]) // 2])
    (folder / "notes.warc").write_text("this is not a WARC file\n", encoding="utf-8")
    report = run(tmp_path / "c.sqlite", [folder / "*", tmp_path / "nothing-*.warc"], client)
    messages = [str(e) for e in report.errors]
    assert f"{damaged} (record at byte {starts[1]}): damaged WARC record skipped" in "\n".join(messages)
    assert any(str(folder / "notes.warc") in m and "not a WARC" in m for m in messages)
    assert any("nothing-*.warc" in m and "no WARC file matches" in m for m in messages)
    assert [str(e) for e in report.truncated] == [
        f"{cut} (record at byte {starts_cut[3]}): " + tables(tmp_path / "c.sqlite")["backfill_errors"][0][2]]
    assert report.exit_code == 4
    got = tables(tmp_path / "c.sqlite")
    urls = {r[0] for r in got["document_urls"]}
    # the damaged file's 3 whole records and the cut file's 3 whole records are stored, with the good file's
    assert {f"https://bad.example/{i}" for i in (0, 2, 3)} <= urls and "https://bad.example/1" in urls
    status = {Path(r[0]).name: r[2] for r in got["backfill_files"]}
    assert status == {"cc-news-0.warc.gz": "done", "cut.warc.gz": "truncated", "damaged.warc": "done",
                      "notes.warc": "failed"}


def test_the_cli_runs_on_a_local_cluster_and_refuses_a_held_lock(tmp_path: Path, capsys) -> None:
    make_files(tmp_path / "warc", files=1, per_file=4)
    db = tmp_path / "c.sqlite"
    from corpus.lock import CorpusLock

    argv = ["backfill", "--warc", str(tmp_path / "warc" / "*.warc.gz"), "--db", str(db), "--workers", "1"]
    with CorpusLock(db, "update"):
        assert main(argv) == 3
    assert "in use by framewatch update" in capsys.readouterr().err
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0
    assert "1 file (0 resumed), 7 records: 2 new, 1 updated, 0 unchanged, 2 out of scope, 2 skipped, 0 failed, 7 read in" in out


def test_any_running_scheduler_is_used_by_its_address(tmp_path: Path, client) -> None:
    files = make_files(tmp_path / "warc", files=1, per_file=3)
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = B.backfill(corpus, files, scheduler=client.scheduler.address, progress=False)
    assert (report.records, report.new, report.failed) == (6, 2, 0)


def test_a_file_that_changed_is_read_again_from_the_start(tmp_path: Path, client) -> None:
    folder = tmp_path / "warc"
    folder.mkdir()
    pages = [(f"https://grow.example/{i}", 200, "text/html; charset=utf-8", _article(700 + i, IN_SCOPE).encode())
             for i in range(3)]
    path = folder / "growing.warc"
    starts = write_warc(path, pages, gz=False)
    whole = path.read_bytes()
    path.write_bytes(whole[: starts[2] + 40])  # the crawler was still writing the third record
    first = run(tmp_path / "c.sqlite", [path], client)
    assert (first.new, len(first.truncated)) == (2, 1)
    path.write_bytes(whole)  # now complete: another size, so another file
    second = run(tmp_path / "c.sqlite", [path], client)
    assert (second.records, second.new, second.unchanged, second.truncated, second.errors) == (3, 1, 2, [], [])
    assert tables(tmp_path / "c.sqlite")["backfill_errors"] == []
