"""`framewatch import` / `export` / `info`: round trips, idempotent re-imports, bad records, every format."""
from __future__ import annotations

import csv
import gzip
import io
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from corpus.cli import main
from corpus.importers import import_paths
from corpus.store import Corpus

RECORDS = [
    {"id": "lx-001", "url": "https://www.example-daily.ca/news/2019/site-opens?utm_source=feed",
     "title": "Überdosis-Prävention: a site opens — «enfin»", "date": "2019-06-14",
     "text": "The overdose prevention site on Main Street opened its doors today. Staff said: “we need both "
             "harm reduction and treatment.” 🚑\nA second paragraph with ünïcödé and 中文 characters.",
     "section": "Local", "wordcount": 312, "tags": ["harm reduction", "treatment"],
     "metadata": {"lexis": {"doc": 17, "pages": [3, 4]}}},
    {"id": "lx-002", "url": "https://example-daily.ca/news/undated-piece", "title": "An undated piece",
     "date": None, "text": "Nobody knows when this text about a consumption room was written.",
     "scope_score": 0.87, "scope_label": "core", "framing_label": "single", "story_id": "lx-002"},
    {"id": "lx-003", "title": "No address at all", "date": "2024-01-02T09:30:00Z", "outlet": "Policy Quarterly",
     "language": "en", "text": "A policy brief on recovery housing, with no web address.",
     "urls": [], "fetched_at": "2024-01-03T10:00:00+00:00", "date_source": "pdf", "date_confidence": 0.6},
]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_jsonl(path: Path, records: list[dict], bad_line_after: int | None = None) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    if bad_line_after is not None:
        lines.insert(bad_line_after, '{"id": "broken", "text": "unterminated')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table_rows(db: Path) -> tuple[list, list]:
    conn = sqlite3.connect(db)
    docs = conn.execute("SELECT * FROM documents ORDER BY id").fetchall()
    urls = conn.execute("SELECT * FROM document_urls ORDER BY url").fetchall()
    conn.close()
    return docs, urls


def test_jsonl_import_then_export_round_trips_every_field(tmp_path: Path, capsys) -> None:
    source = write_jsonl(tmp_path / "records.jsonl", RECORDS)
    db = str(tmp_path / "c.sqlite")
    code, out, _ = cli(capsys, "import", str(source), "--db", db)
    assert code == 0 and "3 new" in out
    code, exported, _ = cli(capsys, "export", "--db", db, "--format", "jsonl")
    assert code == 0
    docs = {d["id"]: d for d in map(json.loads, exported.splitlines())}
    first, second, third = docs["lx-001"], docs["lx-002"], docs["lx-003"]
    assert first["title"] == RECORDS[0]["title"] and first["text"] == RECORDS[0]["text"]
    assert first["url"] == "https://example-daily.ca/news/2019/site-opens"
    assert first["urls"] == [RECORDS[0]["url"]]
    assert first["date"] == "2019-06-14" and first["date_source"] == "import" and first["date_confidence"] == 1.0
    assert first["metadata"] == {"section": "Local", "wordcount": 312, "tags": ["harm reduction", "treatment"],
                                 "lexis": {"doc": 17, "pages": [3, 4]}}
    assert second["date"] is None and second["date_source"] == "none"
    assert (second["scope_score"], second["scope_label"], second["framing_label"], second["story_id"]) == (
        0.87, "core", "single", "lx-002")
    assert third["url"] is None and third["urls"] == [] and third["date"] == "2024-01-02"
    assert (third["date_source"], third["date_confidence"], third["outlet"], third["language"]) == (
        "pdf", 0.6, "Policy Quarterly", "en")
    assert third["fetched_at"] == "2024-01-03T10:00:00+00:00"
    # the export itself imports back into an empty corpus unchanged, field for field
    again = tmp_path / "export.jsonl"
    again.write_text(exported, encoding="utf-8")
    db2 = str(tmp_path / "c2.sqlite")
    assert cli(capsys, "import", str(again), "--db", db2)[0] == 0
    assert cli(capsys, "export", "--db", db2, "--format", "jsonl")[1] == exported


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path, capsys) -> None:
    source = write_jsonl(tmp_path / "records.jsonl", RECORDS)
    db = tmp_path / "c.sqlite"
    cli(capsys, "import", str(source), "--db", str(db))
    first_export = cli(capsys, "export", "--db", str(db), "--format", "csv")[1]
    before = table_rows(db)
    code, out, _ = cli(capsys, "import", str(source), "--db", str(db))
    assert code == 0 and "0 new, 0 updated, 3 unchanged" in out
    assert table_rows(db) == before  # same rows, same values, even the bookkeeping times
    assert cli(capsys, "export", "--db", str(db), "--format", "csv")[1] == first_export


def test_malformed_line_is_reported_with_file_and_line_and_the_rest_imported(tmp_path: Path, capsys) -> None:
    source = write_jsonl(tmp_path / "records.jsonl", RECORDS, bad_line_after=1)
    bad_fields = tmp_path / "more.jsonl"
    bad_fields.write_text('{"id": "x1", "text": "fine", "date": "sometime in spring"}\n["not", "an object"]\n'
                          '{"title": "nothing to identify it"}\n{"id": "x2", "url": "file:///etc/passwd"}\n',
                          encoding="utf-8")
    db = str(tmp_path / "c.sqlite")
    code, out, err = cli(capsys, "import", str(source), str(bad_fields), str(tmp_path / "missing.csv"), "--db", db)
    assert code == 1
    assert "3 new" in out and "6 failed" in out
    assert f"{source}:2: invalid JSON" in err
    assert f"{bad_fields}:1: date 'sometime in spring' is not an ISO date" in err
    assert f"{bad_fields}:2: a record must be a JSON object" in err
    assert f"{bad_fields}:3: record has no id, url or text" in err
    assert f"{bad_fields}:4: url 'file:///etc/passwd' is not an http(s) URL" in err
    assert "missing.csv: no such file or folder" in err
    with Corpus.open(db, create=True) as corpus:
        assert sorted(d.id for d in corpus.stream()) == ["lx-001", "lx-002", "lx-003"]


def test_csv_import_keeps_extra_columns_and_reports_bad_rows_by_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "lexis.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "url", "title", "date", "text", "publication", "byline"])
        writer.writerow(["1", "https://paper.example/a", "First", "2020-02-03",
                         "A text that spans\ntwo lines about safe supply.", "The Paper", "J. Doe"])
        writer.writerow(["2", "", "Second", "03/02/2020", "Bad date here.", "The Paper", ""])
        writer.writerow(["3", "", "Third", "", "No date, no url, still fine.", "", ""])
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [path], progress=False)
        assert (report.new, report.failed) == (2, 1)
        assert str(report.errors[0]).startswith(f"{path}:4: date '03/02/2020'")  # rows 1-2 span lines 2-3
        first = corpus.get("1")
        assert first.text == "A text that spans\ntwo lines about safe supply."
        assert first.metadata == {"byline": "J. Doe"} and first.outlet == "The Paper"  # `publication` is the outlet
        assert corpus.get("3").date is None and corpus.get("3").metadata == {}
        # a CSV export imports back to the same documents
        out = tmp_path / "export.csv"
        main(["export", "--db", str(corpus.path), "--format", "csv", "--out", str(out)])
    with Corpus.open(tmp_path / "c2.sqlite", create=True) as copy:
        assert import_paths(copy, [out], progress=False).new == 2
        with Corpus.open(tmp_path / "c.sqlite", create=True) as original:
            assert [d.to_record() for d in copy.stream()] == [d.to_record() for d in original.stream()]


def _pdf(path: Path, title: str, lines: list[str]) -> None:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), pagesize=letter)
    page.setTitle(title)
    y = 720
    for line in lines:
        page.drawString(72, y, line)
        y -= 18
    page.save()


ARTICLE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Council backs consumption room | The Riverside Courier</title>
<meta property="og:title" content="Council backs consumption room">
<meta property="og:site_name" content="The Riverside Courier">
<meta property="article:published_time" content="2022-09-15T08:00:00Z">
<link rel="canonical" href="https://riversidecourier.example/news/2022/council-backs-room">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Council backs consumption room</h1>
<p>Riverside councillors voted eight to three on Wednesday to support a drug consumption room in the old
library annex, ending a debate that had run for most of the summer.</p>
<p>Supporters said the room would keep people alive and connect them with treatment, while opponents asked
for the money to go to recovery housing instead. The health board will now apply for a federal exemption.</p>
<p>The annex needs new ventilation and a separate entrance before any clients can be seen, staff said, and
construction could take until the spring.</p>
</article><footer>Copyright The Riverside Courier</footer></body></html>"""


def test_folder_of_txt_html_and_pdf_files(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "note.txt").write_text("Field notes: the outreach van handed out naloxone kits on Friday.\n",
                                     encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Café owners near the site met the nurses on Thursday morning.".encode("cp1252"))
    (folder / "sub" / "article.html").write_text(ARTICLE_HTML, encoding="utf-8")
    _pdf(folder / "sub" / "brief.pdf", "Policy brief on supervised consumption",
         ["Policy brief: supervised consumption services in the region.",
          "Recommendation one: fund the service for five years.",
          "Recommendation two: link the service with addiction treatment and recovery supports."])
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / ".hidden.txt").write_text("should not be imported", encoding="utf-8")
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [folder], source="own-files", progress=False)
        assert (report.new, report.failed, report.skipped, report.files) == (4, 1, 1, 5)
        assert str(report.errors[0]) == f"{folder / 'empty.txt'}: the file is empty"
        docs = {d.metadata["file"]: d for d in corpus.stream()}
        assert set(docs) == {"note.txt", "latin1.txt", "sub/article.html", "sub/brief.pdf"}
        assert docs["latin1.txt"].text.startswith("Café owners")
        html = docs["sub/article.html"]
        assert html.url == "https://riversidecourier.example/news/2022/council-backs-room"
        assert html.title == "Council backs consumption room" and "eight to three" in html.text
        assert "Copyright" not in html.text and html.date.isoformat() == "2022-09-15"
        assert html.source == "own-files"
        pdf = docs["sub/brief.pdf"]
        assert pdf.title == "Policy brief on supervised consumption" and "five years" in pdf.text
        again = import_paths(corpus, [folder], source="own-files", progress=False)
        assert (again.new, again.updated, again.unchanged) == (0, 0, 4)


def _warc(path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        pages = [
            ("https://riversidecourier.example/news/2022/council-backs-room?utm_medium=rss", "200 OK", "text/html",
             ARTICLE_HTML.encode("utf-8")),
            ("https://riversidecourier.example/missing", "404 Not Found", "text/html", b"<html>gone</html>"),
            ("https://riversidecourier.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n"),
            ("https://riversidecourier.example/news/2022/second",
             "200 OK", "text/html; charset=utf-8",
             ARTICLE_HTML.replace("Council backs consumption room", "Annex works begin")
             .replace("eight to three on Wednesday", "to start building works on Monday")
             .replace("council-backs-room", "second").encode("utf-8")),
        ]
        for url, status, content_type, body in pages:
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            writer.write_record(request)
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                               warc_headers_dict={"WARC-Date": "2023-04-05T06:07:08Z"})
            writer.write_record(record)


def test_warc_import_reads_html_responses_and_reports_a_broken_tail(tmp_path: Path) -> None:
    warc = tmp_path / "crawl.warc.gz"
    _warc(warc)
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [warc], progress=False)
        assert (report.new, report.failed, report.skipped) == (2, 0, 2)
        doc = corpus.get_by_url("https://riversidecourier.example/news/2022/council-backs-room")
        assert doc.urls == ["https://riversidecourier.example/news/2022/council-backs-room?utm_medium=rss"]
        assert doc.fetched_at.isoformat() == "2023-04-05T06:07:08+00:00"
        assert doc.metadata["warc_file"] == "crawl.warc.gz" and doc.metadata["warc_offset"] > 0
        assert "eight to three" in doc.text
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(warc.read_bytes() + gzip.compress(b"<html>not a WARC record</html>\r\n\r\n"))
    with Corpus.open(tmp_path / "c2.sqlite", create=True) as corpus:
        report = import_paths(corpus, [broken], progress=False)
        assert report.new == 2 and report.failed == 0 and report.exit_code == 4  # the tail is a cut, not a record
        assert report.truncated[0].offset == warc.stat().st_size
        assert str(report.truncated[0]).startswith(f"{broken} (record at byte {warc.stat().st_size}): truncated")


def test_parquet_export_reads_back_in_pandas(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "c.sqlite")
    cli(capsys, "import", str(write_jsonl(tmp_path / "r.jsonl", RECORDS)), "--db", db)
    out = tmp_path / "corpus.parquet"
    code, _, err = cli(capsys, "export", "--db", db, "--format", "parquet", "--out", str(out))
    assert code == 0 and "exported 3 documents" in err
    frame = pd.read_parquet(out)
    assert frame["id"].tolist() == ["lx-001", "lx-003", "lx-002"]  # dated by date, then undated
    assert str(frame["date"].iloc[0]) == "2019-06-14" and frame["date"].isna().tolist() == [False, False, True]
    assert list(frame["urls"].iloc[0]) == [RECORDS[0]["url"]]
    assert json.loads(frame["metadata"].iloc[0])["lexis"] == {"doc": 17, "pages": [3, 4]}
    # imported documents are scored like collected ones; a label the file gave is kept
    assert frame["scope_label"].tolist() == ["core", "out", "core"] and frame["scope_score"].notna().all()
    assert cli(capsys, "export", "--db", db, "--format", "parquet")[0] == 2


def test_export_filters_and_refuses_a_missing_corpus(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "c.sqlite")
    cli(capsys, "import", str(write_jsonl(tmp_path / "r.jsonl", RECORDS)), "--db", db)
    out = tmp_path / "core.jsonl"
    assert cli(capsys, "export", "--db", db, "--format", "jsonl", "--scope", "core", "--out", str(out))[0] == 0
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["lx-001", "lx-002"]
    code, _, err = cli(capsys, "export", "--db", str(tmp_path / "none.sqlite"), "--format", "csv")
    assert code == 2 and "no corpus at" in err and not (tmp_path / "none.sqlite").exists()


def test_info_counts_by_source_outlet_scope_and_year(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "c.sqlite")
    cli(capsys, "import", str(write_jsonl(tmp_path / "r.jsonl", RECORDS)), "--db", db, "--source", "lexis")
    code, out, _ = cli(capsys, "info", "--db", db)
    assert code == 0
    assert "documents: 3  undated: 1" in out
    with Corpus.open(db) as corpus:
        size = corpus.size()
    assert size > 0 and f"MB in use, {round(size / 3):,} bytes per document" in out
    sections = {block.split(":", 1)[0]: block for block in out.split("\nby ")[1:]}
    assert sections["source"].split() == ["source:", "source", "documents", "lexis", "3"]
    assert "Policy Quarterly" in sections["outlet"]
    assert "core" in sections["scope"]
    assert "(undated)" in sections["year"] and "2019" in sections["year"] and "2024" in sections["year"]


def test_an_imported_page_keeps_its_date_evidence(tmp_path: Path) -> None:
    # the extraction's date source, confidence and the sources naming the same day reach the corpus
    page = Path(__file__).parent / "data" / "extract" / "jsonld.html"
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        assert import_paths(corpus, [page], progress=False).new == 1
        stored = corpus.to_frame().iloc[0]
    assert stored["date_source"] == "jsonld" and stored["date_confidence"] >= 0.8
    assert stored["date_evidence"].split(",")[:1] == ["jsonld"] and "htmldate" in stored["date_evidence"]


def test_date_evidence_survives_export_and_import(tmp_path: Path) -> None:
    from corpus.documents import Document
    from corpus.exporters import export

    with Corpus.open(tmp_path / "a.sqlite", create=True) as corpus:
        corpus.upsert(Document(url="https://news.example.org/a", title="A", text="Some words here " * 5,
                               date="2021-03-04", date_source="jsonld", date_confidence=0.9,
                               date_evidence="jsonld,htmldate"))
        export(corpus, tmp_path / "out.jsonl", "jsonl")
    with Corpus.open(tmp_path / "b.sqlite", create=True) as copy:
        assert import_paths(copy, [tmp_path / "out.jsonl"], progress=False).new == 1
        assert copy.to_frame().iloc[0]["date_evidence"] == "jsonld,htmldate"


def test_a_streamed_export_equals_the_export_of_everything_at_once(tmp_path: Path) -> None:
    """Chunks of 3 (pages that split days with several documents, and the undated tail) give the bytes
    one chunk holding the whole corpus gives, in every format, and the rows `to_frame()` holds."""
    import datetime as dt

    import pyarrow.parquet as pq

    from corpus.documents import Document
    from corpus.exporters import FORMATS, export

    with Corpus.open(tmp_path / "c.sqlite", create=True) as db:
        db.upsert_many(
            Document(url=f"https://paper.example/{i}", title=f"T{i}", text=f"Text number {i} about a site.",
                     date=dt.date(2021, 1, 1 + i % 4) if i % 5 else None, date_source="feed" if i % 5 else "none",
                     metadata={"n": i, "tags": ["a", str(i)]}, urls=[f"https://mirror.example/{i}?utm_source=x"])
            for i in range(23))
        outputs: dict[str, dict[int, object]] = {f: {} for f in FORMATS}
        for chunk in (3, 1000):
            for fmt in FORMATS:
                out = tmp_path / f"out{chunk}.{fmt}"
                assert export(db, out, fmt, chunk=chunk) == 23
                outputs[fmt][chunk] = pq.read_table(out).to_pylist() if fmt == "parquet" else out.read_bytes()
            assert pq.ParquetFile(tmp_path / f"out{chunk}.parquet").metadata.num_row_groups == -(-23 // chunk)
        frame = db.to_frame()
    for fmt in FORMATS:
        assert outputs[fmt][3] == outputs[fmt][1000], fmt
    ids = [json.loads(line)["id"] for line in outputs["jsonl"][3].decode().splitlines()]
    assert ids == frame["id"].tolist() == [row["id"] for row in outputs["parquet"][3]]
    rows = list(csv.DictReader(io.StringIO(outputs["csv"][3].decode())))
    assert [json.loads(r["metadata"]) for r in rows] == frame["metadata"].tolist()
