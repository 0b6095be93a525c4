"""The bounded same-site crawl (over the local web server) and WARC files written with warcio."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scrapers.errors import ScrapeError
from scrapers.sources.base import build_source
from scrapers.sources.crawl import extract_links

ARTICLE = "<p>" + "The supervised consumption site on Birch Street reopened after a long review. " * 10 + "</p>"


@pytest.fixture
def fetcher():
    from scrapers.http import Fetcher

    return Fetcher(min_delay=0, allow_loopback=True, obey_robots=False)


def page(*links: tuple[str, str], body: str = "") -> str:
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return f"<html><head><title>Section</title></head><body><ul>{anchors}</ul>{body}</body></html>"


def serve_section(web) -> None:
    web.route("/section/harm-reduction", body=page(
        ("/news/2024/site-reopens", "Consumption site reopens"),
        ("news/2024/funding-vote", "Funding vote delayed"),  # relative to the section path
        ("/section/harm-reduction?page=2", "Older stories"),
        ("https://other-paper.example/news/2024/elsewhere", "Elsewhere"),
        ("/login", "Sign in"),
        ("mailto:tips@paper.example", "Send a tip"),
        ("/news/2024/site-reopens#comments", "Comments"),
    ))
    web.route("/section/news/2024/funding-vote", body=page(body=ARTICLE))
    web.route("/news/2024/site-reopens", body=page(("/news/2024/related-story", "Related: a second site"),
                                                  body=ARTICLE))
    web.route("/section/harm-reduction?page=2", body=page(
        ("/news/2023/old-story", "An older consumption site story"),
        ("/section/harm-reduction?page=3", "Even older"),
    ))
    web.route("/section/harm-reduction?page=3", body=page(("/news/2022/too-deep", "Too deep")))


def test_extract_links_resolves_and_skips_non_http():
    html = '<html><head><base href="https://a.example/dir/"></head><body><a href="x">X</a>' \
           '<a href="javascript:void(0)">J</a><a href="/y#frag"> Y  text </a><a>none</a></body></html>'
    assert extract_links(html, "https://a.example/start") == [
        ("https://a.example/dir/x", "X"), ("https://a.example/y", "Y text")]
    assert extract_links(b"", "https://a.example/") == []
    assert extract_links(b"\x00\xff<<<", "https://a.example/") == []


def test_crawl_stays_on_site_within_depth(web, fetcher):
    serve_section(web)
    source = build_source("crawl", "paper", {"url": web.url("/section/harm-reduction"),
                                             "include": [r"/news/\d{4}/"], "exclude": ["/login"],
                                             "max_depth": 2}, fetcher)
    got = [c.url for c in source.discover()]
    assert got == [web.url(p) for p in (
        "/news/2024/site-reopens", "/section/news/2024/funding-vote",  # depth 1, from the section page
        "/news/2024/related-story",  # depth 2, from the first article (breadth-first order)
        "/news/2023/old-story",  # depth 2, from page 2
    )]
    assert web.hits("/login") == 0 and web.hits("/news/2022/too-deep") == 0
    assert web.hits("/section/harm-reduction?page=3") == 0  # depth 2 pages are listed, not fetched
    assert web.hits("/news/2024/related-story") == 0
    assert source.errors == []


def test_crawl_page_budget_and_query(web, fetcher):
    serve_section(web)
    source = build_source("crawl", "paper", {"url": web.url("/section/harm-reduction"), "max_pages": 1,
                                             "include": [r"/news/"], "query": ['"consumption site"']}, fetcher)
    got = [c for c in source.discover()]
    assert [c.url for c in got] == [web.url("/news/2024/site-reopens")]  # anchor text matched
    assert got[0].extra["anchor_text"] == "Consumption site reopens" and got[0].title is None
    assert source.pages_fetched == 1


def test_crawl_dead_links_are_recorded_and_dead_start_raises(web, fetcher):
    serve_section(web)
    web.route("/news/2024/site-reopens", status=500, body="oops", content_type="text/plain")
    fast = type(fetcher)(min_delay=0, allow_loopback=True, obey_robots=False, max_retries=0)
    source = build_source("crawl", "paper", {"url": web.url("/section/harm-reduction"),
                                             "include": [r"/news/"], "exclude": ["/login"]}, fast)
    got = [c.url for c in source.discover()]
    assert web.url("/news/2024/site-reopens") in got  # still a candidate; only its own links are lost
    assert web.url("/news/2023/old-story") in got and web.url("/news/2024/related-story") not in got
    assert [e.reason for e in source.errors] == ["http_500"]
    dead = build_source("crawl", "paper", {"url": web.url("/nowhere")}, fast)
    with pytest.raises(ScrapeError) as err:
        list(dead.discover())
    assert err.value.reason == "http_404" and "'paper'" in err.value.message


def test_crawl_fetch_extracts_the_article(web, fetcher):
    serve_section(web)
    source = build_source("crawl", "paper", {"url": web.url("/section/harm-reduction"), "include": [r"/news/"],
                                             "outlet": "Birch Street Bugle"}, fetcher)
    cand = next(iter(source.discover()))
    doc = source.fetch(cand)
    assert "Birch Street reopened" in doc.text and doc.outlet == "Birch Street Bugle"


# ------------------------------------------------------------------ WARC

def write_warc(path: Path, records: list[tuple[str, str, bytes, str, int]], gz: bool = True) -> None:
    """Write response records (url, warc date, body, content type, status) plus a request record."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for url, date, body, ctype, status in records:
            http = StatusAndHeaders(f"{status} X", [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                            warc_headers_dict={"WARC-Date": date})
            writer.write_record(rec)
            req = writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            writer.write_record(req)


def news_html(title: str, text: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><article><p>{text}</p></article></body></html>".encode()


@pytest.fixture
def warc_files(tmp_path: Path) -> Path:
    write_warc(tmp_path / "CC-NEWS-20240115.warc.gz", [
        ("https://gazette.example/2024/01/15/site", "2024-01-15T10:00:00Z",
         news_html("Site review", "The overdose prevention site passed its review. " * 20), "text/html; charset=utf-8", 200),
        ("https://gazette.example/2024/01/15/weather", "2024-01-15T11:00:00Z",
         news_html("Weather", "Snow again. " * 20), "text/html", 200),
        ("https://gazette.example/logo.png", "2024-01-15T11:00:00Z", b"\x89PNG....", "image/png", 200),
        ("https://gazette.example/missing", "2024-01-15T11:00:00Z", b"gone", "text/html", 404),
        ("https://gazette.example/2024/01/16/cafe", "2024-01-16T09:00:00Z",
         "<html><head><title>Café</title></head><body><p>".encode() +
         ("Le café près du site de prévention des surdoses ferme. Overdose prevention site staff react. " * 10)
         .encode("cp1252") + b"</p></body></html>", "text/html; charset=windows-1252", 200),
    ])
    write_warc(tmp_path / "CC-NEWS-20231201.warc", [
        ("https://gazette.example/2023/12/01/old", "2023-12-01T10:00:00Z",
         news_html("Old", "An overdose prevention site story from December. " * 20), "text/html", 200),
    ], gz=False)
    return tmp_path


def test_warc_discover_filters_by_query_and_capture_date(warc_files):
    source = build_source("warc", "ccnews", {"path": str(warc_files / "CC-NEWS-*.warc*"),
                                             "query": ['"overdose prevention"']}, None)
    got = list(source.discover(dt.date(2024, 1, 1), dt.date(2024, 1, 31)))
    assert [c.url for c in got] == ["https://gazette.example/2024/01/15/site", "https://gazette.example/2024/01/16/cafe"]
    assert got[0].extra["warc_date"] == "2024-01-15" and got[0].date is None  # capture date is not publication date
    everything = [c.url for c in source.discover()]
    assert everything[0] == "https://gazette.example/2023/12/01/old" and len(everything) == 3  # sorted files


def test_warc_fetch_reads_the_stored_payload_with_its_charset(warc_files):
    source = build_source("warc", "ccnews", {"path": [str(warc_files / "CC-NEWS-20240115.warc.gz"),
                                                      str(warc_files / "CC-NEWS-20231201.warc")]}, None)
    cands = {c.url: c for c in source.discover()}
    doc = source.fetch(cands["https://gazette.example/2024/01/16/cafe"])
    assert "Le café près du site" in doc.text
    doc = source.fetch(cands["https://gazette.example/2023/12/01/old"])  # uncompressed WARC, by offset
    assert "story from December" in doc.text and doc.url == "https://gazette.example/2023/12/01/old"


def test_unreadable_warc_is_named_after_the_others(warc_files):
    (warc_files / "CC-NEWS-20240101.warc.gz").write_bytes(b"this is not a warc file at all")
    source = build_source("warc", "ccnews", {"path": str(warc_files / "CC-NEWS-*.warc*")}, None)
    got = []
    with pytest.raises(ScrapeError) as err:
        for cand in source.discover():
            got.append(cand.url)
    assert len(got) == 4 and err.value.reason == "parse_error"
    assert err.value.url.endswith("CC-NEWS-20240101.warc.gz")
    missing = build_source("warc", "w", {"path": str(warc_files / "nope.warc.gz")}, None)
    with pytest.raises(ScrapeError) as err:
        list(missing.discover())
    assert err.value.url.endswith("nope.warc.gz")
