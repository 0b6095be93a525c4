"""One WARC reader (scrapers.warc) for the WARC source, the run archive and import: whole records only,
the same answer on ARC files, resource records and a cut file everywhere."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus.archive import iter_responses
from corpus.importers import import_paths
from corpus.store import Corpus
from scrapers.errors import ScrapeError
from scrapers.sources.base import build_source
from scrapers.warc import WarcDamage, WarcTruncated, read_warc

PAGE = ("<html><head><title>Page {i}</title></head><body><article><p>Archived page {i} on the consumption "
        "room, where nurses reverse overdoses and staff refer people to treatment and recovery.</p>"
        "</article></body></html>")


def write(path: Path, gz: bool, n: int = 3) -> list[int]:
    """n HTML responses; returns the offset where each record starts."""
    starts = []
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gz)
        for i in range(n):
            starts.append(handle.tell())
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://archive.example/{i}", "response", payload=io.BytesIO(PAGE.format(i=i).encode()),
                http_headers=headers, warc_headers_dict={"WARC-Date": "2024-01-15T10:00:00Z"}))
    return starts


@pytest.mark.parametrize("gz", [False, True])
def test_a_cut_file_gives_the_whole_records_then_names_the_cut(tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    starts = write(path, gz)
    data = path.read_bytes()
    path.write_bytes(data[: starts[2] + (len(data) - starts[2]) // 2])  # half of the third record
    got = []
    with pytest.raises(WarcTruncated) as cut:
        for record in read_warc(str(path)):
            got.append(record.url)
    assert got == ["https://archive.example/0", "https://archive.example/1"]
    assert cut.value.offset == starts[2]
    # the WARC source sees the same two pages and says the file is cut (before: a third, partial page)
    source = build_source("warc", "cc", {"path": str(path)}, None)
    found = []
    with pytest.raises(ScrapeError) as err:
        for candidate in source.discover():
            found.append(candidate.url)
    assert found == got and err.value.reason == "truncated"
    # the run archive reads the same two responses and stops quietly (a killed run's last file)
    assert [r.final_url for r in iter_responses(path)] == got


def test_arc_files_only_when_asked_and_resource_records_everywhere(tmp_path: Path) -> None:
    body = (b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE.format(i=9).encode())
    desc = b"1 0 Framewatch\nURL IP-address Archive-date Content-type Archive-length\n"
    arc = tmp_path / "old.arc"
    arc.write_bytes(b"filedesc://old.arc 0.0.0.0 20240101000000 text/plain %d\n" % len(desc) + desc + b"\n"
                    + b"https://archive.example/9 127.0.0.1 20240102030405 text/html %d\n" % len(body) + body + b"\n")
    assert [r.url for r in read_warc(str(arc), allow_arc=True)] == ["https://archive.example/9"]
    with pytest.raises(ScrapeError, match="not a WARC file"):
        list(read_warc(str(arc)))
    as_warc = tmp_path / "old.warc"
    as_warc.write_bytes(arc.read_bytes())
    resource = tmp_path / "notes.warc"
    with open(resource, "wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        writer.write_record(writer.create_warc_record(
            "https://notes.example/1", "resource", warc_content_type="text/plain; charset=utf-8",
            payload=io.BytesIO("A note on the recovery hub and the consumption room.".encode())))
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [arc, as_warc, resource], progress=False)
        assert report.new == 2 and report.failed == 1
        assert str(report.errors[0]) == f"{as_warc}: not a WARC file (found an arc record)"
        assert "Archived page 9" in corpus.get_by_url("https://archive.example/9").text
        assert corpus.get_by_url("https://notes.example/1").text.startswith("A note on the recovery hub")


def test_a_damaged_record_in_the_middle_costs_only_itself_on_import(tmp_path: Path) -> None:
    path = tmp_path / "mid.warc"
    starts = write(path, gz=False, n=4)
    data = bytearray(path.read_bytes())
    data[starts[1]: starts[1] + 8] = b"GARBAGE!"  # the second record's "WARC/1.0" line
    path.write_bytes(bytes(data))
    records = list(read_warc(str(path), resync=True))
    assert [type(r).__name__ for r in records] == ["WarcRecord", "WarcDamage", "WarcRecord", "WarcRecord"]
    assert isinstance(records[1], WarcDamage) and records[1].offset == starts[1]
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [path], progress=False)
        assert (report.new, report.failed, report.truncated) == (3, 1, [])
        assert str(report.errors[0]).startswith(f"{path} (record at byte {starts[1]}): damaged WARC record skipped")
