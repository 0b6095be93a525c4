"""`framewatch import` keeps every good record and says what it could not read (issues 9 and 12).

News-database column names, `--field`, Parquet, refusing a table without text, scope and stories on
import; and the inputs that used to lose good rows silently: a cut WARC, an open quote, a stray byte, a
deeply nested line, a cut gzip, a failing store, NaN and Infinity, numbers given as dates.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from corpus.cli import main
from corpus.importers import import_paths, read_documents
from corpus.ingest import Ingest
from corpus.store import Corpus

SITE_TEXT = ("The city council voted to fund an overdose prevention site on Harbour Street, where nurses will "
             "supervise people who use drugs and offer naloxone and referrals to treatment. Article {i}.")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def good_lines(n: int, start: int = 0) -> list[str]:
    return [json.dumps({"id": f"g{i}", "text": f"Good record number {i} about a harm reduction programme."})
            for i in range(start, start + n)]


def ids(db: Path) -> list[str]:
    with Corpus.open(db, create=True) as corpus:
        return sorted(d.id for d in corpus.stream())


def lexis_csv(path: Path, header: list[str]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(["Harbour Street site approved", SITE_TEXT.format(i=1), "June 14, 2019 Friday",
                         "By A. Writer", "Harbour Gazette", "https://gazette.example/2019/site"])
        writer.writerow(["Budget notes", "The parks budget grew by two percent this year.", "2020-01-05",
                         "", "Harbour Gazette", "https://gazette.example/2020/budget"])
    return path


# --- issue 9: one way in --------------------------------------------------------------------------
def test_news_database_columns_are_mapped_and_documents_scored_and_grouped(tmp_path: Path, capsys) -> None:
    path = lexis_csv(tmp_path / "export.csv", ["HEADLINE", "Body", "Date", "Byline", "Publication", "Link"])
    db = tmp_path / "c.sqlite"
    code, out, err = cli(capsys, "import", str(path), "--db", str(db))
    assert code == 0 and "2 new" in out, err
    with Corpus.open(db, create=True) as corpus:
        doc = corpus.get_by_url("https://gazette.example/2019/site")
        assert doc.title == "Harbour Street site approved" and doc.text.startswith("The city council")
        assert doc.date.isoformat() == "2019-06-14" and doc.date_source == "import"
        assert doc.outlet == "Harbour Gazette" and doc.metadata == {"byline": "By A. Writer"}
        # scored and put in a story like a collected document
        assert doc.scope_label == "core" and doc.scope_score > 0.5 and doc.story_id == doc.id
        other = corpus.get_by_url("https://gazette.example/2020/budget")
        assert other.scope_label == "out" and other.story_id == other.id


def test_field_option_maps_other_columns_and_a_table_without_text_is_refused(tmp_path: Path, capsys) -> None:
    path = lexis_csv(tmp_path / "odd.csv", ["Titel", "Volltext", "Datum", "Autor", "Quelle", "Adresse"])
    db = tmp_path / "c.sqlite"
    code, out, err = cli(capsys, "import", str(path), "--db", str(db))
    assert code != 0 and "0 new" in out
    lines = [line for line in err.splitlines() if line]
    assert lines == [f"error: {path}: no text column (columns: 'Titel', 'Volltext', 'Datum', 'Autor', "
                     "'Quelle', 'Adresse'); name one with --field text=COLUMN"]
    code, out, err = cli(capsys, "import", str(path), "--db", str(db), "--field", "text=Volltext",
                         "--field", "title=Titel", "--field", "date=Datum", "--field", "url=adresse")
    assert code == 0 and "2 new" in out, err
    with Corpus.open(db, create=True) as corpus:
        doc = corpus.get_by_url("https://gazette.example/2019/site")
        assert doc.title == "Harbour Street site approved" and doc.date.isoformat() == "2019-06-14"
        assert doc.metadata == {"Autor": "By A. Writer", "Quelle": "Harbour Gazette"}
    code, _, err = cli(capsys, "import", str(path), "--db", str(db), "--field", "text")
    assert code == 2 and "expected FIELD=COLUMN" in err


def test_parquet_imports_like_csv(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mine.parquet"
    pd.DataFrame({"Headline": ["Site opens", "Other"], "Body": [SITE_TEXT.format(i=2), "Not about it."],
                  "Date": [pd.Timestamp("2021-03-04"), None], "score": [1.5, float("nan")]}).to_parquet(path)
    db = tmp_path / "c.sqlite"
    code, out, err = cli(capsys, "import", str(path), "--db", str(db))
    assert code == 0 and "2 new" in out, err
    with Corpus.open(db, create=True) as corpus:
        docs = {d.title: d for d in corpus.stream()}
    assert docs["Site opens"].date.isoformat() == "2021-03-04" and docs["Site opens"].scope_label == "core"
    assert docs["Site opens"].metadata == {"score": 1.5} and docs["Other"].metadata == {}  # NaN = missing
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    code, _, err = cli(capsys, "import", str(bad), "--db", str(db))
    assert code == 1 and f"{bad}: not a readable Parquet file" in err


def test_read_documents_reads_csv_for_other_commands(tmp_path: Path) -> None:
    path = lexis_csv(tmp_path / "export.csv", ["Headline", "Body", "Date", "Byline", "Source", "URL"])
    docs, errors = read_documents(path)
    assert errors == [] and [d.title for d in docs] == ["Harbour Street site approved", "Budget notes"]
    docs, errors = read_documents(lexis_csv(tmp_path / "none.csv", ["a", "b", "c", "d", "e", "f"]))
    assert docs == [] and "no text column" in str(errors[0])


# --- issue 12: nothing lost without saying so --------------------------------------------------------
def _warc(path: Path, n: int) -> list[int]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    ends = []
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i in range(n):
            body = f"Plain text record {i} about a consumption room and recovery. ".encode() * 20
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/plain; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://texts.example/{i}", "response",
                                                          payload=io.BytesIO(body), http_headers=headers))
            ends.append(handle.tell())
    return ends


def test_a_warc_cut_in_half_keeps_the_whole_records_and_says_truncated(tmp_path: Path, capsys) -> None:
    path = tmp_path / "crawl.warc.gz"
    ends = _warc(path, 10)
    data = path.read_bytes()
    path.write_bytes(data[: (ends[4] + ends[5]) // 2])  # cut in the middle of the sixth record
    whole = 5
    db = tmp_path / "c.sqlite"
    code, out, err = cli(capsys, "import", str(path), "--db", str(db))
    assert code == 4 and f"{whole} new" in out and "1 truncated" in out, (out, err, whole)
    assert f"{path} (record at byte {ends[whole - 1]}): truncated" in err
    assert len(ids(db)) == whole


def test_an_unterminated_quote_fails_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    rows = ["id,text"] + [f"a{i},Row {i} is fine." for i in range(3)] + ['bad,"this quote never closes'] \
        + [f"b{i},Row {i} after the bad one." for i in range(4)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [path], progress=False)
        assert (report.new, report.failed, report.truncated) == (7, 1, [])
        assert str(report.errors[0]).startswith(f"{path}:5: unterminated quote")
        assert corpus.get("b3").text == "Row 3 after the bad one."


def test_an_invalid_utf8_byte_fails_its_row_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    lines = [b"id,text"] + [f"r{i},Good row {i}.".encode() for i in range(5)] + [b"x,caf\xe9 au lait"] \
        + [f"s{i},Good row {i} after.".encode() for i in range(5)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    jsonl = tmp_path / "latin.jsonl"
    jsonl.write_bytes(b"\n".join([*(line.encode() for line in good_lines(5)),
                                  b'{"id": "x", "text": "caf\xe9"}', *(line.encode() for line in good_lines(5, 5))]))
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [path, jsonl], progress=False)
        assert (report.new, report.failed) == (20, 2)
        assert [str(e) for e in report.errors] == [
            f"{path}:7: invalid UTF-8 byte 0xe9 (is the file in another encoding? save it as UTF-8)",
            f"{jsonl}:6: invalid UTF-8 byte 0xe9 at column 25"]


def test_a_deeply_nested_line_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    lines = good_lines(150) + ['{"id": "deep", "text": "x", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}"] \
        + good_lines(149, 150) + ['{"id": "deep2", "text": "y", "metadata": {"a": ' + "[" * 60 + "]" * 60 + "}}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [path], progress=False)
        assert (report.new, report.failed) == (299, 2)
        assert "nested too deeply" in report.errors[0].message and report.errors[0].line == 151
        assert "nests deeper than 50 levels" in report.errors[1].message and report.errors[1].line == 301


def test_a_cut_gzip_keeps_the_lines_before_the_cut_and_says_truncated(tmp_path: Path, capsys) -> None:
    path = tmp_path / "records.jsonl.gz"
    data = gzip.compress(("\n".join(good_lines(300)) + "\n").encode())
    path.write_bytes(data[: len(data) * 2 // 3])
    db = tmp_path / "c.sqlite"
    code, out, err = cli(capsys, "import", str(path), "--db", str(db))
    kept = ids(db)
    assert code == 4 and "1 truncated" in out and 0 < len(kept) < 300
    assert f"{path}:{len(kept) + 1}: truncated: the gzip stream ends early" in err
    plain = gzip.decompress(data).splitlines()
    assert kept == sorted(json.loads(line)["id"] for line in plain[: len(kept)])


def test_a_record_that_fails_to_store_costs_only_itself(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(good_lines(450)) + "\n", encoding="utf-8")
    store = Ingest.store

    def flaky(self, doc):
        if doc.id == "g210":
            raise RuntimeError("disk hiccup")
        return store(self, doc)

    monkeypatch.setattr(Ingest, "store", flaky)
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [path], progress=False)
        assert (report.new, report.failed) == (449, 1) and len(corpus) == 449
        assert str(report.errors[0]) == f"{path}:211: RuntimeError: disk hiccup"


def test_nan_and_infinity_never_enter_the_corpus(tmp_path: Path, capsys) -> None:
    path = tmp_path / "nan.jsonl"
    path.write_text("\n".join(good_lines(2) + [
        '{"id": "n1", "text": "a", "metadata": {"x": NaN}}',
        '{"id": "n2", "text": "b", "scope_score": Infinity}',
        '{"id": "n3", "text": "c", "weight": -Infinity}',
    ]) + "\n", encoding="utf-8")
    csv_path = tmp_path / "inf.csv"
    csv_path.write_text("id,text,scope_score,date_confidence\nc1,fine,,\nc2,bad,inf,\nc3,bad,,NaN\n",
                        encoding="utf-8")
    db = tmp_path / "c.sqlite"
    code, out, err = cli(capsys, "import", str(path), str(csv_path), "--db", str(db))
    assert code == 1 and "4 new" in out and "4 failed" in out  # a NaN cell in CSV is an empty cell
    assert f"{path}:3: invalid JSON: NaN is not a number JSON allows" in err
    assert f"{csv_path}:3: scope_score 'inf' is not a finite number" in err
    with Corpus.open(db, create=True) as corpus:
        assert corpus.get("c3").date_confidence is None
    out_file = tmp_path / "out.jsonl"
    assert cli(capsys, "export", "--db", str(db), "--format", "jsonl", "--out", str(out_file))[0] == 0
    for line in out_file.read_text(encoding="utf-8").splitlines():
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in the export"))


def test_numbers_are_not_read_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "epoch.jsonl"
    path.write_text("\n".join([
        '{"id": "e1", "text": "a", "date": 1614816000}', '{"id": "e2", "text": "b", "date": "1614816000"}',
        '{"id": "e3", "text": "c", "date": 0}', '{"id": "e4", "text": "d", "date": "20210304"}',
    ]) + "\n", encoding="utf-8")
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        report = import_paths(corpus, [path], progress=False)
        assert (report.new, report.failed) == (1, 3)
        assert all("is a number, not a date" in e.message for e in report.errors)
        assert corpus.get("e4").date.isoformat() == "2021-03-04"
        assert corpus.sql("SELECT COUNT(*) AS n FROM documents WHERE date < '1971-01-01'")["n"].iloc[0] == 0


def test_relations_reads_csv_documents_or_refuses_in_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FRAMEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "mine.csv"
    pd.DataFrame({"ID": ["a", "b"], "Body": ["The county funds rehab instead of safe supply.",
                                             "The weather was fine."]}).to_csv(path, index=False)
    code, out, err = cli(capsys, "relations", str(path))
    assert code == 0 and "skipped" not in err, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["doc_id"] for line in lines] == ["a", "b"]
    assert lines[0]["pairs"] == {"HARM_REDUCTION+TREATMENT": "opposition"}
    lexis_csv(tmp_path / "none.csv", ["a", "b", "c", "d", "e", "f"])
    code, out, err = cli(capsys, "relations", str(tmp_path / "none.csv"))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{tmp_path / 'none.csv'}: skipped: no text column (columns: 'a', 'b', 'c', 'd', 'e', 'f'); "
        "name one with --field text=COLUMN",
        f"framewatch relations: no documents with text in {tmp_path / 'none.csv'}"]


def test_no_way_in_stores_nan_or_infinity(tmp_path: Path) -> None:
    from corpus.documents import Document

    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        with pytest.raises(ValueError, match="NaN or Infinity"):
            corpus.upsert(Document(id="a", text="t", metadata={"x": float("inf")}))
        with pytest.raises(ValueError, match="scope_score inf is not a finite number"):
            Document(id="b", text="t", scope_score=float("inf"))
        assert len(corpus) == 0
