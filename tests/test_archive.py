"""WARC archiving keeps raw responses for re-extraction but never an API key or cookie."""
from __future__ import annotations

import gzip
from pathlib import Path

from corpus.archive import WarcArchive, iter_responses, warc_files
from scrapers.http import Fetcher


def test_credentials_in_request_headers_are_redacted(tmp_path: Path, web) -> None:
    web.route("/api", body=b'{"stories": []}', content_type="application/json")
    archive = WarcArchive(tmp_path / "warc" / "run-1")
    fetcher = Fetcher(min_delay=0, allow_loopback=True, obey_robots=False, on_response=archive)
    fetcher.session.headers["Authorization"] = "Token very-secret-key"
    fetcher.session.headers["Cookie"] = "session=also-secret"
    fetcher.get(web.url("/api"))
    archive.close()
    raw = b"".join(gzip.decompress(p.read_bytes()) for p in warc_files(tmp_path))
    assert b"very-secret-key" not in raw and b"also-secret" not in raw
    assert b"Authorization: [redacted]" in raw
    responses = [r for p in warc_files(tmp_path) for r in iter_responses(p)]
    assert [r.content for r in responses] == [b'{"stories": []}']
