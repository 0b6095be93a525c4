"""Nothing lost silently: failed documents are queued, retried by the next run, and given up on visibly.

Every site here is served by the real local server (tests/localweb.py). The news pages are generated
from a small invented vocabulary, so each has its own text.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import threading
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from corpus.cli import main
from corpus.retry import retry_frame
from corpus.runlog import failure_reasons
from corpus.store import Corpus
from tests.test_update import Article, page, run

WORDS = ("council harbour clinic nurse ferry budget library tram bridge market river school permit winter "
         "garden station orchard bakery museum tunnel ward depot quarry pier meadow lantern chapel").split()


def invented_article(i: int, day: dt.date) -> Article:
    rng = random.Random(i)
    paragraphs = [" ".join(rng.choice(WORDS) for _ in range(28)).capitalize() + "." for _ in range(3)]
    return Article(f"item-{i:03d}", "herald", day, f"Notice {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                   paragraphs)


def serve_news_sitemap(web, articles: list[Article], prefix: str = "/news") -> str:
    """Pages under `prefix` and a news sitemap listing them; returns the sitemap URL."""
    urls = []
    for a in articles:
        path = f"{prefix}/{a.slug}.html"
        web.route(path, body=page(a))
        urls.append(f"<url><loc>{web.url(path)}</loc><news:news><news:publication><news:name>Northgate Herald"
                    f"</news:name><news:language>en</news:language></news:publication><news:publication_date>"
                    f"{a.date.isoformat()}</news:publication_date><news:title>{escape(a.title)}</news:title>"
                    f"</news:news></url>")
    web.route("/sitemap.xml", content_type="application/xml",
              body="<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/"
                   "sitemap/0.9' xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
                   + "".join(urls) + "</urlset>")
    return web.url("/sitemap.xml")


def config_file(tmp_path: Path, sources: str, retry: str = "retry_hours = 0", timeout: float = 10) -> Path:
    path = tmp_path / "framewatch.toml"
    path.write_text(f"""
[project]
data_dir = "data"
contact = "tests@example.org"

[http]
min_delay = 0
timeout = {timeout}
allow_loopback = true
max_retries = 0
backoff = 0

[update]
start_date = 2023-01-01
{retry}
{sources}
""", encoding="utf-8")
    return path


def framewatch(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def source_mark(db_path: Path, source: str) -> dt.date | None:
    with Corpus.open(db_path) as db:
        rows = db.sql("SELECT last_until FROM source_state WHERE source = ?", (source,))
    return dt.date.fromisoformat(rows["last_until"].iloc[0]) if len(rows) else None


def test_pages_refused_by_robots_are_queued_and_collected_once_allowed(tmp_path: Path, web, capsys) -> None:
    articles = [invented_article(i, dt.date(2023, 2, 1) + dt.timedelta(days=i)) for i in range(120)]
    sitemap = serve_news_sitemap(web, articles)
    web.route("/robots.txt", body="User-agent: *\nDisallow: /news/\n", content_type="text/plain")
    config = config_file(tmp_path, f'[sources.herald]\nkind = "sitemap"\nurl = "{sitemap}"\n')
    db_path = tmp_path / "data" / "corpus.sqlite"

    code, out, err = framewatch(capsys, "update", "--config", str(config), "-q")
    assert code == 4, (out, err)                       # nothing succeeded: failed, not finished
    assert "failed" in out.splitlines()[0] and "120 document(s) failed" in out
    with Corpus.open(db_path) as db:
        assert len(db) == 0
        status = db.sql("SELECT status FROM runs")["status"].tolist()
    assert status == ["failed"]
    queue = retry_frame(db_path)
    assert len(queue) == 120 and set(queue["status"]) == {"pending"} and set(queue["last_reason"]) == {
        "robots_disallowed"}
    assert source_mark(db_path, "herald") < dt.date(2023, 2, 1)   # not complete past a queued page

    web.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
    code, out, err = framewatch(capsys, "update", "--config", str(config), "-q")
    assert code == 0, (out, err)
    with Corpus.open(db_path) as db:
        assert len(db) == 120
        row = db.sql("SELECT retried, new, failed FROM run_sources ORDER BY run_id DESC LIMIT 1").iloc[0]
    assert (row["retried"], row["new"], row["failed"]) == (120, 120, 0)
    assert retry_frame(db_path).empty
    assert source_mark(db_path, "herald") == dt.date.today()


class Flaky:
    """Answers 429, 503 or stalls past the client's timeout until `heal()`; then serves the page."""

    def __init__(self, web, path: str, body: str, kind: str) -> None:
        self.body = body.encode()
        self.kind = kind
        self.healthy = threading.Event()
        web.route(path, handler=self.handle)

    def heal(self) -> None:
        self.healthy.set()

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        status = 200
        if not self.healthy.is_set():
            if self.kind == "timeout":
                self.healthy.wait(10)       # outlasts the client's 0.5 s timeout; released at teardown
            else:
                status = {"429": 429, "503": 503}[self.kind]
        body = self.body if status == 200 else b"try later"
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


@pytest.fixture
def flaky_site(web):
    articles = [invented_article(i, dt.date(2023, 3, 1) + dt.timedelta(days=i)) for i in range(5)]
    sitemap = serve_news_sitemap(web, articles)
    flaky = [Flaky(web, f"/news/{a.slug}.html", page(a), kind)
             for a, kind in zip(articles, ("429", "503", "timeout"))]
    yield web, sitemap, flaky
    for f in flaky:
        f.heal()


def test_429_5xx_and_timeouts_are_retried_by_the_next_run(tmp_path: Path, flaky_site, capsys) -> None:
    web, sitemap, flaky = flaky_site
    config = config_file(tmp_path, f'[sources.herald]\nkind = "sitemap"\nurl = "{sitemap}"\n', timeout=0.5)
    db_path = tmp_path / "data" / "corpus.sqlite"
    first = run(config)
    assert first.status == "partial" and first.total("new") == 2
    assert failure_reasons(db_path, first.run_id) == {"herald": {"http_429": 1, "http_503": 1, "timeout": 1}}
    assert set(retry_frame(db_path)["last_reason"]) == {"http_429", "http_503", "timeout"}
    assert source_mark(db_path, "herald") == dt.date(2023, 2, 28)   # the day before the first failed page
    for f in flaky:
        f.heal()
    second = run(config)
    assert second.status == "finished", second
    assert second.total("retried") == 3 and second.total("new") == 3
    with Corpus.open(db_path) as db:
        assert len(db) == 5
    assert retry_frame(db_path).empty


def test_back_off_then_give_up_after_n_attempts_listed_by_runs(tmp_path: Path, web, capsys) -> None:
    good = invented_article(1, dt.date(2023, 4, 1))
    sitemap = serve_news_sitemap(web, [good, invented_article(2, dt.date(2023, 4, 2))])
    web.route("/news/item-002.html", status=404, body="gone", content_type="text/plain")
    sources = f'[sources.herald]\nkind = "sitemap"\nurl = "{sitemap}"\n'
    db_path = tmp_path / "data" / "corpus.sqlite"

    backing_off = config_file(tmp_path, sources, retry="retry_attempts = 2\nretry_hours = 6")
    assert run(backing_off).status == "partial"
    again = run(backing_off)                      # the next try is 6 hours away: not fetched again
    assert web.hits("/news/item-002.html") == 1 and again.total("failed") == 0
    assert retry_frame(db_path)["attempts"].tolist() == [1]
    code, out, _ = framewatch(capsys, "runs", "--db", str(db_path))
    assert "1 failed document(s) wait for a retry by the next run" in out

    eager = config_file(tmp_path, sources, retry="retry_attempts = 2\nretry_hours = 0")
    gave_up = run(eager)
    assert web.hits("/news/item-002.html") == 2 and gave_up.total("given_up") == 1
    queue = retry_frame(db_path)
    assert queue[["status", "attempts", "last_reason"]].values.tolist() == [["given_up", 2, "http_404"]]
    assert source_mark(db_path, "herald") == dt.date.today()   # given up on: the mark moves past it
    after = run(eager)
    assert web.hits("/news/item-002.html") == 2 and after.status == "finished"

    code, out, _ = framewatch(capsys, "runs", "--db", str(db_path))
    assert code == 0
    assert f"given up after 2 attempts: herald {web.url('/news/item-002.html')} — http_404" in out
    code, out, _ = framewatch(capsys, "runs", "--db", str(db_path), "--json")
    listed = [g for r in json.loads(out) for g in r["given_up"]]
    assert [(g["url"], g["attempts"], g["last_reason"]) for g in listed] == [
        (web.url("/news/item-002.html"), 2, "http_404")]


def test_a_run_whose_every_source_failed_is_failed(tmp_path: Path, web, capsys) -> None:
    web.route("/a.xml", status=500, body="no", content_type="text/plain")
    web.route("/b.xml", status=503, body="no", content_type="text/plain")
    config = config_file(tmp_path, f'[sources.a]\nkind = "rss"\nurl = "{web.url("/a.xml")}"\n'
                                   f'[sources.b]\nkind = "sitemap"\nurl = "{web.url("/b.xml")}"\n')
    code, out, _ = framewatch(capsys, "update", "--config", str(config), "-q")
    assert code == 4 and out.startswith("run ") and ": failed in" in out.splitlines()[0]
    assert "failed sources: a, b" in sqlite3.connect(tmp_path / "data" / "corpus.sqlite").execute(
        "SELECT message FROM runs").fetchone()[0]


def test_update_refuses_the_placeholder_contact(tmp_path: Path, web, capsys) -> None:
    config = config_file(tmp_path, f'[sources.a]\nkind = "rss"\nurl = "{web.url("/a.xml")}"\n')
    config.write_text(config.read_text().replace("tests@example.org", "you@example.org"))
    code, _, err = framewatch(capsys, "update", "--config", str(config), "-q")
    assert code == 2 and "project.contact: still the placeholder 'you@example.org'" in err
    assert web.requests == [] and not (tmp_path / "data").exists()


def test_a_self_listing_sitemap_index_ends_with_a_recorded_note(tmp_path: Path, web, capsys) -> None:
    web.route("/index.xml", content_type="application/xml",
              body=f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                   f"<sitemap><loc>{web.url('/index.xml')}</loc></sitemap></sitemapindex>")
    config = config_file(tmp_path, f'[sources.looping]\nkind = "sitemap"\nurl = "{web.url("/index.xml")}"\n')
    code, out, _ = framewatch(capsys, "update", "--config", str(config), "-q")
    assert code == 4 and "sitemap_loop" in out and "finished" not in out
