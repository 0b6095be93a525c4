"""No credential in a URL is written down: WARC files, corpus tables, `framewatch runs`, verbose logs."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from scrapers.redact import redact_text, redact_url
from tests.test_update import REPO, ARTICLES, page

SECRETS = ("SECRETPW", "SECRETKEY", "SECRETTOK", "SECRETFEED", "SECRETDOWN", "SECRETSIG", "SECRETAPI")


@pytest.mark.parametrize("url, expected", [
    ("https://ann:pw@example.org/a", "https://REDACTED@example.org/a"),
    ("https://example.org/a?api_key=1&page=2", "https://example.org/a?api_key=REDACTED&page=2"),
    ("https://example.org/a?Access-Token=1", "https://example.org/a?Access-Token=REDACTED"),
    ("https://example.org/a?apikey=1&sig=2&secret=3&password=4&key=5&token=6",
     "https://example.org/a?apikey=REDACTED&sig=REDACTED&secret=REDACTED&password=REDACTED&key=REDACTED"
     "&token=REDACTED"),
    ("https://example.org/a?keyword=drugs&monkey=1", "https://example.org/a?keyword=drugs&monkey=1"),
    ("http://[broken/a?token=1", "http://[broken/a?token=REDACTED"),
])
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_covers_urls_and_request_lines() -> None:
    line = 'GET http://u:p@h.org/x?key=abc then "GET /feed?token=xyz HTTP/1.1" 200'
    assert redact_text(line) == 'GET http://REDACTED@h.org/x?key=REDACTED then "GET /feed?token=REDACTED HTTP/1.1" 200'


def everything_written(tmp_path: Path) -> str:
    """What framewatch wrote down: every file (WARC files as their record and HTTP headers: the archived
    bodies are the sites' own bytes, which may quote any URL) and every row of the corpus."""
    parts = []
    for path in tmp_path.rglob("*"):
        if not path.is_file() or path.name == "framewatch.toml":
            continue
        if path.name.endswith(".warc.gz"):
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    parts.append(record.rec_headers.to_str())
                    if record.http_headers is not None:
                        parts.append(record.http_headers.to_str())
            assert "WARC-Target-URI" in parts[-2] or "WARC-Target-URI" in parts[-1]
            continue
        parts.append(path.read_bytes().decode("utf-8", "replace"))
    db = tmp_path / "data" / "corpus.sqlite"
    conn = sqlite3.connect(db)
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in conn.execute(f"SELECT * FROM {table}"):
            parts.append(" ".join(str(v) for v in row))
    conn.close()
    return "\n".join(parts)


def test_credentials_in_urls_are_never_stored_or_printed(tmp_path: Path, web) -> None:
    host = web.url("").split("://", 1)[1]
    gone = f"http://ann:SECRETPW@{host}/leaky/gone.html?api_key=SECRETKEY"
    kept = web.url("/leaky/story.html?access_token=SECRETTOK&sig=SECRETSIG&apikey=SECRETAPI")
    web.route("/leaky/feed.xml", content_type="application/rss+xml",
              body=f"<?xml version='1.0'?><rss version='2.0'><channel><title>Leaky</title>"
                   f"<item><title>Gone</title><link>{gone.replace('&', '&amp;')}</link></item>"
                   f"<item><title>Kept</title><link>{kept.replace('&', '&amp;')}</link></item></channel></rss>")
    web.route("/leaky/story.html", body=page(ARTICLES[0]))
    web.route("/down/feed.xml", status=500, body="no", content_type="text/plain")
    config = tmp_path / "framewatch.toml"
    config.write_text(f"""
[project]
data_dir = "data"
contact = "tests@example.org"
[http]
min_delay = 0
allow_loopback = true
max_retries = 0
backoff = 0
[sources.leaky]
kind = "rss"
url = "{web.url('/leaky/feed.xml?token=SECRETFEED')}"
[sources.down]
kind = "rss"
url = "{web.url('/down/feed.xml?key=SECRETDOWN')}"
""", encoding="utf-8")

    def framewatch(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "corpus", "-v", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})

    update = framewatch("update", "--config", str(config), "-q")
    assert update.returncode == 1, update.stderr               # partial: one source and one page failed
    assert "DEBUG" in update.stderr and "/leaky/feed.xml" in update.stderr   # the verbose log did run
    runs_text = framewatch("runs", "--config", str(config), "--failures")
    runs_json = framewatch("runs", "--config", str(config), "--json")
    assert "gone.html" in runs_text.stdout and "REDACTED" in runs_json.stdout
    printed = "\n".join(p.stdout + p.stderr for p in (update, runs_text, runs_json))
    written = everything_written(tmp_path)
    assert "story.html" in written and "gone.html" in written and "leaky/feed.xml" in written
    for secret in SECRETS:
        assert secret not in printed, secret
        assert secret not in written, secret
    # the requests really carried the credentials: only what was written down lost them
    assert any("SECRETTOK" in path for _, path, _ in web.requests)
