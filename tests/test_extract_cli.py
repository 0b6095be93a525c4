"""`framewatch extract FILE|URL [--json]`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.cli import main

DATA = Path(__file__).parent / "data" / "extract"


def test_extract_file_as_json(capsys):
    code = main(["extract", str(DATA / "jsonld.html"), "--json", "--url", "https://ledger.example.org/n/s"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["date"] == "2021-03-04"
    assert out["date_source"] == "jsonld"
    assert out["outlet"] == "The Riverside Ledger"
    assert out["url"] == "https://ledger.example.org/n/s"
    assert "Maple Street" in out["text"]


def test_extract_file_plain_output(capsys):
    assert main(["extract", str(DATA / "opengraph.html")]) == 0
    out = capsys.readouterr().out
    assert "date: 2020-07-15" in out
    assert "Maple Street" in out


def test_extract_missing_file_and_empty_file(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nope.html")]) == 2
    assert "no such file" in capsys.readouterr().err
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    assert main(["extract", str(empty)]) == 1
    assert "empty" in capsys.readouterr().err


def test_extract_url(web, capsys):
    pytest.importorskip("scrapers.http")
    web.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
    web.route("/2018/09/27/story", body=(DATA / "url_date.html").read_bytes(),
              content_type="text/html; charset=utf-8")
    code = main(["extract", web.url("/2018/09/27/story"), "--json", "--allow-loopback", "--min-delay", "0",
                 "--contact", "tests@example.org"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["date"], out["date_source"]) == ("2018-09-27", "url")
