"""Fuzzing `import` with generated malformed inputs (issue 12): JSON Lines, CSV, gzip, WARC and PDF.

For every input the import must end normally: each bad record reported (with its line or byte offset)
and counted as failed, a cut file reported as truncated, and the good records kept exactly: the ids
stored are the ids of the good records given. Hypothesis runs derandomized, so CI sees the same inputs
every time; `EXAMPLES` adds up to more than 2,000 inputs.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.importers import ImportReport, import_paths
from corpus.store import Corpus

EXAMPLES = {"jsonl": 650, "csv": 550, "gzip": 350, "warc": 300, "pdf": 160}


def fuzz(name: str) -> settings:
    return settings(max_examples=EXAMPLES[name], derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    with Corpus.open(folder / "c.sqlite", create=True) as db:
        db.folder = folder  # type: ignore[attr-defined]
        yield db


def run(db: Corpus, name: str, data: bytes) -> tuple[ImportReport, set[str]]:
    """Import one generated file into the emptied corpus; the ids stored afterwards."""
    db._conn.execute("DELETE FROM document_urls")
    db._conn.execute("DELETE FROM documents")
    path = db.folder / name  # type: ignore[attr-defined]
    path.write_bytes(data)
    report = import_paths(db, [path], progress=False)
    for error in [*report.errors, *report.truncated]:
        assert error.line is not None or error.offset is not None or error.path == str(path), error
        assert error.message and "\n" not in error.message
    return report, {d.id for d in db.stream()}


# --- records ---------------------------------------------------------------------------------------
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
dates = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))


@st.composite
def good_records(draw, n_max: int = 6) -> list[dict]:
    n = draw(st.integers(0, n_max))
    return [{"id": f"good-{i}", "text": f"Good record {i}: {draw(words)}", "date": draw(dates),
             **({"title": draw(words)} if draw(st.booleans()) else {})} for i in range(n)]


def _bad_json(kind: str, draw) -> bytes:
    if kind == "garbage":
        return b"\xff" + draw(st.binary(max_size=60)).replace(b"\n", b" ")
    if kind == "broken":
        return ("{" + draw(words).replace("\n", " ") + ",]").encode()
    if kind == "not_object":
        return json.dumps(draw(st.one_of(st.integers(), st.lists(st.integers(), max_size=3), words))).encode()
    if kind == "constant":
        return ('{"id": "bad", "text": "t", "v": %s}' % draw(st.sampled_from(["NaN", "Infinity", "-Infinity",
                                                                                 "1e400"]))).encode()
    if kind == "deep":
        depth = draw(st.integers(60, 40_000))
        return ('{"id": "bad", "text": "t", "metadata": {"a": ' + "[" * depth + "]" * depth + "}}").encode()
    if kind == "date":
        value = draw(st.one_of(st.integers(-10**12, 10**12), st.sampled_from(["1614816000", "03/02/2020", "soon"])))
        return json.dumps({"id": "bad", "text": "t", "date": value}).encode()
    if kind == "url":
        return json.dumps({"id": "bad", "text": "t", "url": draw(st.sampled_from(
            ["ftp://x.example/a", "javascript:alert(1)", "file:///etc/passwd", "http://"]))}).encode()
    if kind == "utf8":
        return b'{"id": "bad", "text": "caf' + draw(st.sampled_from([b"\xe9", b"\xc3", b"\xed\xa0\x80", b"\xff"])) + b'"}'
    if kind == "types":
        return json.dumps(draw(st.sampled_from([
            {"id": "bad", "text": 5}, {"id": "bad", "text": "t", "metadata": [1]}, {"id": ["x"], "text": "t"},
            {"id": "bad", "text": "t", "date_confidence": 5}, {"id": "bad", "text": "t", "scope_label": "maybe"},
            {"title": "nothing to identify"}, {"id": "bad", "text": "t", "urls": {"a": 1}}]))).encode()
    raise AssertionError(kind)


BAD_JSON = ["garbage", "broken", "not_object", "constant", "deep", "date", "url", "utf8", "types"]


@st.composite
def jsonl_files(draw) -> tuple[bytes, dict[str, bytes], int]:
    """(file bytes, {good id: its line}, number of bad lines): good and bad lines interleaved, blank lines
    among them."""
    good = draw(good_records())
    bad = [_bad_json(kind, draw) for kind in draw(st.lists(st.sampled_from(BAD_JSON), max_size=4))]
    lines = [json.dumps(r, ensure_ascii=draw(st.booleans())).encode() for r in good] + bad
    order = draw(st.permutations(range(len(lines))))
    body = [lines[i] for i in order]
    if draw(st.booleans()):
        body.insert(draw(st.integers(0, len(body))), b"   ")
    return b"\n".join(body) + b"\n", {r["id"]: lines[i] + b"\n" for i, r in enumerate(good)}, len(bad)


@given(jsonl_files())
@fuzz("jsonl")
def test_fuzz_jsonl(corpus, case) -> None:
    data, good, n_bad = case
    report, kept = run(corpus, "f.jsonl", data)
    assert kept == set(good) and report.new == len(good)
    assert report.failed == n_bad and not report.truncated


# --- CSV ---------------------------------------------------------------------------------------------
csv_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters=',"\n'),
                   max_size=40)


def _bad_row(kind: str, draw) -> bytes:
    if kind == "cells":
        return b"bad," + b",".join(b"x" for _ in range(draw(st.sampled_from([0, 2, 3]))))
    if kind == "open_quote":
        return b'bad,"this quote never closes ' + draw(words).replace("\n", " ").replace('"', "").encode()
    if kind == "utf8":
        return b"bad,caf" + draw(st.sampled_from([b"\xe9", b"\xff", b"\xc3("])) + b",2020-01-01"
    if kind == "date":
        return b"bad,t," + draw(st.sampled_from([b"1614816000", b"03/02/2020", b"0", b"soon"]))
    if kind == "stray_quote":
        return b'bad,"closed"junk,2020-01-01'
    raise AssertionError(kind)


BAD_CSV = ["cells", "open_quote", "utf8", "date", "stray_quote"]


@st.composite
def csv_files(draw) -> tuple[bytes, dict[str, bytes], int]:
    n = draw(st.integers(0, 6))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    rows = []
    for i in range(n):
        out.seek(0)
        out.truncate()
        writer.writerow([f"good-{i}", f"Good row {i}: {draw(csv_text)}", draw(dates) or ""])
        rows.append(out.getvalue().encode())
    bad = [_bad_row(kind, draw) + b"\n" for kind in draw(st.lists(st.sampled_from(BAD_CSV), max_size=3))]
    lines = rows + bad
    order = draw(st.permutations(range(len(lines))))
    header = draw(st.sampled_from([b"id,text,date\n", b"\xef\xbb\xbfID,Body,Date\n", b"id,Text,Load-Date\r\n"]))
    return header + b"".join(lines[i] for i in order), {f"good-{i}": rows[i] for i in range(n)}, len(bad)


@given(csv_files())
@fuzz("csv")
def test_fuzz_csv(corpus, case) -> None:
    data, good, n_bad = case
    report, kept = run(corpus, "f.csv", data)
    assert kept == set(good) and report.new == len(good)
    assert report.failed == n_bad and not report.truncated


# --- gzip: cut anywhere ------------------------------------------------------------------------------
def _decompressible(data: bytes) -> tuple[bytes, bool]:
    """What a careful reader can decompress from a cut gzip file, and whether it ends at the end of a
    whole member (the reference: zlib directly)."""
    out, rest = b"", data
    while rest:
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            out += d.decompress(rest)
        except zlib.error:
            return out, False
        if not d.eof:
            return out, False
        rest = d.unused_data
    return out, True


@given(st.one_of(jsonl_files(), csv_files()), st.booleans(), st.floats(0, 1), st.integers(1, 3))
@fuzz("gzip")
def test_fuzz_gzip_cut_anywhere(corpus, case, cut_it, where, members) -> None:
    """Gzip files of one or more members (each a run of whole lines), cut at any byte."""
    data, good, n_bad = case
    is_csv = data.startswith((b"id,", b"\xef\xbb\xbf"))
    lines = data.splitlines(keepends=True)
    step = max(1, -(-len(lines) // members))
    packed = b"".join(gzip.compress(b"".join(lines[i:i + step]), mtime=0) for i in range(0, len(lines), step))
    cut = int(len(packed) * where) if cut_it else len(packed)
    report, kept = run(corpus, "f.csv.gz" if is_csv else "f.jsonl.gz", packed[:cut])
    plain, whole = _decompressible(packed[:cut])
    expected = {g for g, line in good.items() if b"\n" + line in b"\n" + plain
                # a CSV row cut between the CR and LF of its CRLF is whole: its CR ends it
                or is_csv and line.endswith(b"\r\n") and plain.endswith(line[:-1])
                and b"\n" + line[:-1] in b"\n" + plain}
    assert kept == expected and report.new == len(expected)
    if not whole or cut == 0:
        assert report.truncated, "a cut gzip file is reported as truncated"
    if cut == len(packed):
        assert report.failed == n_bad and not report.truncated


# --- WARC: text records, bad records, cut anywhere ----------------------------------------------------
@st.composite
def warc_files(draw) -> tuple[bytes, dict[str, bytes], bool]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    gz = draw(st.booleans())
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    good: dict[str, bytes] = {}
    for i in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["good", "good", "resource", "status", "no_uri", "empty", "image", "request"]))
        url = f"https://texts.example/{i}"
        body = f"Text record {i} about recovery and treatment: {draw(words)}".encode()
        content_type = "text/plain; charset=utf-8"
        if kind == "empty":
            body = b"   "
        if kind == "image":
            content_type = "image/png"
        if kind == "request":
            record = writer.create_warc_record(url, kind, payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
        elif kind == "resource":
            record = writer.create_warc_record(url, kind, payload=io.BytesIO(body),
                                               warc_content_type=content_type)
        else:
            headers = StatusAndHeaders("404 Not Found" if kind == "status" else "200 OK",
                                       [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record("" if kind == "no_uri" else url, "response",
                                               payload=io.BytesIO(body), http_headers=headers)
        writer.write_record(record)
        if kind in ("good", "resource"):
            good[url] = body
    return buf.getvalue(), good, gz


@given(warc_files(), st.floats(0, 1), st.sampled_from(["whole", "cut", "garbage"]))
@fuzz("warc")
def test_fuzz_warc(corpus, case, where, damage) -> None:
    from corpus.hashing import doc_id
    from corpus.urls import canonical_url

    data, good, gz = case
    if damage == "cut":
        data = data[: int(len(data) * where)]
    elif damage == "garbage":
        data += b"\x00garbage that is not a record\r\n\r\n"
    report, kept = run(corpus, "f.warc.gz" if gz else "f.warc", data)
    plain = _decompressible(data)[0] if gz else data
    expected = {doc_id(canonical_url(url), None) for url, body in good.items() if body in plain}
    stored_urls = {u for d in corpus.stream() for u in d.urls}
    assert {url for url, body in good.items() if body in plain} == stored_urls
    assert len(kept) == len(expected) == report.new
    if damage == "garbage" and data.strip():
        assert report.truncated or report.failed


# --- PDF: a real file, damaged ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setTitle("Review of the consumption room pilot")
    for i, line in enumerate(["The review panel looked at the overdose prevention site.",
                              "It recommends linking harm reduction with treatment and recovery."]):
        page.drawString(72, 720 - 18 * i, line)
    page.save()
    return out.getvalue()


@given(st.data())
@fuzz("pdf")
def test_fuzz_pdf(corpus, pdf_bytes, data) -> None:
    damage = data.draw(st.sampled_from(["cut", "flip", "insert", "header"]))
    pdf = bytearray(pdf_bytes)
    at = data.draw(st.integers(0, len(pdf) - 1))
    if damage == "cut":
        pdf = pdf[:at]
    elif damage == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            pdf[data.draw(st.integers(0, len(pdf) - 1))] = data.draw(st.integers(0, 255))
    elif damage == "insert":
        pdf[at:at] = data.draw(st.binary(min_size=1, max_size=50))
    else:
        pdf = b"%PDF-1.4\n" + data.draw(st.binary(max_size=200))
    folder = corpus.folder / "pdfs"  # type: ignore[attr-defined]
    folder.mkdir(exist_ok=True)
    (folder / "a.pdf").write_bytes(bytes(pdf))
    (folder / "b.txt").write_text("A good plain text file about supervised consumption.", encoding="utf-8")
    corpus._conn.execute("DELETE FROM document_urls")
    corpus._conn.execute("DELETE FROM documents")
    report = import_paths(corpus, [folder], progress=False)
    texts = [d.text for d in corpus.stream()]
    assert "A good plain text file about supervised consumption." in texts
    assert report.new + report.failed == 2 and len(texts) == report.new
    assert all(e.path.endswith("a.pdf") for e in report.errors)


def test_a_csv_row_cut_between_its_cr_and_lf_is_whole(corpus) -> None:
    """The cut falls after the row's CR: the row is whole and imported, and the file is reported truncated."""
    whole = gzip.compress(b"id,text,date\nrow-1,A site opened downtown,2024-05-01\r\nrow-2,Another,\r\n", mtime=0)
    plain = zlib.decompressobj(zlib.MAX_WBITS | 16)
    cut = next(n for n in range(len(whole)) if plain.copy().decompress(whole[:n]).endswith(b"2024-05-01\r"))
    report, kept = run(corpus, "cut.csv.gz", whole[:cut])
    assert kept == {"row-1"} and report.truncated
