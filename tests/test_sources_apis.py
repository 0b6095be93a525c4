"""News and policy APIs on recorded-style responses: GDELT DOC 2.0, Media Cloud v4, the Federal Register."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scrapers.errors import ScrapeError
from scrapers.sources.base import build_source
from scrapers.sources.gdelt import gdelt_query, parse_artlist

DATA = Path(__file__).parent / "data" / "sources"


@pytest.fixture
def fetcher():
    from scrapers.http import Fetcher

    return Fetcher(min_delay=0, allow_loopback=True, obey_robots=False)


def reply(h, body: bytes, status: int = 200, content_type: str = "application/json") -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def params(h) -> dict[str, list[str]]:
    return parse_qs(urlsplit(h.path).query)


# ------------------------------------------------------------------ GDELT

def gdelt_server(web, universe: list[dict], log: list[tuple[str, str, int]]) -> None:
    """Answer ArtList like GDELT: articles seen in [START, END], oldest first, at most 250."""
    def handler(h):
        p = params(h)
        assert p["mode"] == ["ArtList"] and p["format"] == ["json"] and p["maxrecords"] == ["250"]
        start, end = p["STARTDATETIME"][0], p["ENDDATETIME"][0]
        hits = [a for a in universe if start <= a["seendate"].replace("T", "").rstrip("Z") <= end][:250]
        log.append((start, end, len(hits)))
        reply(h, json.dumps({"articles": hits} if hits else {}).encode())
    web.route("/api/v2/doc/doc", handler=handler)


def article(i: int, when: dt.datetime) -> dict:
    return {"url": f"https://paper{i % 7}.example/story/{i}", "url_mobile": "", "title": f"Consumption site story {i}",
            "seendate": when.strftime("%Y%m%dT%H%M%SZ"), "socialimage": "", "domain": f"paper{i % 7}.example",
            "language": "English", "sourcecountry": "Canada"}


def test_gdelt_query_syntax():
    assert gdelt_query(['"supervised consumption"']) == '"supervised consumption"'
    assert gdelt_query(['"a b"', "c"], "sourcelang:english") == '("a b" OR c) sourcelang:english'


def test_gdelt_recorded_response_fields():
    cands = [c for c in (__import__("scrapers.sources.gdelt", fromlist=["x"]).article_candidate(a, "g")
                         for a in parse_artlist((DATA / "gdelt_artlist.json").read_bytes(), "u"))]
    first = cands[0]
    assert first.url == "https://northgate-herald.example/news/2024/01/31/supervised-consumption-site-report"
    assert (first.date, first.date_source, first.outlet, first.language) == (
        dt.date(2024, 1, 31), "api", "northgate-herald.example", "en")
    assert first.extra["sourcecountry"] == "Canada" and cands[1].language == "es"


def test_gdelt_plain_text_answer_is_an_api_error():
    with pytest.raises(ScrapeError) as err:
        parse_artlist(b"Please limit requests to one every 5 seconds.", "https://api.example/doc")
    assert err.value.reason == "api_error" and "one every 5 seconds" in err.value.message
    assert parse_artlist(b"{}", "u") == [] and parse_artlist(b"", "u") == []


def test_gdelt_full_slices_are_halved_until_nothing_is_cut(web, fetcher):
    day = dt.datetime(2024, 1, 3)
    universe = [article(i, day + dt.timedelta(minutes=i)) for i in range(420)]  # a dense burst on Jan 3
    universe += [article(1000 + i, dt.datetime(2024, 1, 1 + i % 6, 9)) for i in range(60)]  # spread out
    universe += [article(2000, dt.datetime(2023, 12, 31, 23, 59, 59))]  # before the range
    universe.sort(key=lambda a: a["seendate"])
    log: list[tuple[str, str, int]] = []
    gdelt_server(web, universe, log)
    source = build_source("gdelt", "gdelt_sites", {
        "query": ['"supervised consumption"', '"safe injection"'], "filters": "sourcelang:english",
        "base_url": web.url("/api/v2/doc/doc"), "slice_days": 7, "min_interval": 0}, fetcher)
    got = list(source.discover(dt.date(2024, 1, 1), dt.date(2024, 1, 7)))
    expected = {a["url"] for a in universe if a["seendate"] >= "20240101"}
    assert len(got) == len(expected) == 480 and {c.url for c in got} == expected
    full = [entry for entry in log if entry[2] == 250]
    assert full, "the burst must have filled at least one slice"
    # every full slice was split into two halves that tile it exactly
    def stamp(text: str) -> dt.datetime:
        return dt.datetime.strptime(text, "%Y%m%d%H%M%S")

    for start, end, _ in full:
        firsts = {stamp(e[1]) for e in log if e[0] == start and e[1] < end}
        seconds = {stamp(e[0]) - dt.timedelta(seconds=1) for e in log if e[1] == end and e[0] > start}
        assert len(firsts & seconds) == 1  # halves meet with no gap and no overlap
    leaves = [e for e in log if e[2] < 250]
    assert sum(e[2] for e in leaves) == 480
    assert log[0][:2] == ("20240101000000", "20240107235959")
    query = parse_qs(urlsplit(source.slice_url(day, day)).query)["query"][0]
    assert query == '("supervised consumption" OR "safe injection") sourcelang:english'


def test_gdelt_slice_that_cannot_shrink_is_recorded(web, fetcher):
    burst = dt.datetime(2024, 1, 3, 12)
    universe = [article(i, burst) for i in range(300)]  # 300 articles seen in the same second
    log: list[tuple[str, str, int]] = []
    gdelt_server(web, universe, log)
    source = build_source("gdelt", "g", {"query": ["x"], "base_url": web.url("/api/v2/doc/doc"),
                                         "min_slice_minutes": 30, "min_interval": 0}, fetcher)
    got = []
    with pytest.raises(ScrapeError) as err:
        for cand in source.discover(dt.date(2024, 1, 3), dt.date(2024, 1, 3)):
            got.append(cand)
    assert err.value.reason == "limit_reached" and len(got) == 250
    assert len(log) < 20  # halving stopped at the 30-minute floor


def test_gdelt_keeps_five_seconds_between_requests(web, fetcher):
    log: list[tuple[str, str, int]] = []
    gdelt_server(web, [article(1, dt.datetime(2024, 1, 2, 8))], log)
    source = build_source("gdelt", "g", {"query": ["x"], "base_url": web.url("/api/v2/doc/doc"),
                                         "slice_days": 1}, fetcher)
    now = [100.0]
    waits: list[float] = []
    source.clock = lambda: now[0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    source.sleep = sleep
    got = list(source.discover(dt.date(2024, 1, 1), dt.date(2024, 1, 3)))
    assert [c.url for c in got] == ["https://paper1.example/story/1"]
    assert len(log) == 3 and waits == [5.0, 5.0]  # one request per day-slice, 5 s apart
    # a Fetcher whose own per-host delay is already 5 s does the pacing itself
    from scrapers.http import Fetcher

    paced = build_source("gdelt", "g", {"query": ["x"]}, Fetcher(min_delay=5.0))
    paced.sleep = sleep
    paced._pace()
    paced._pace()
    assert waits == [5.0, 5.0]


# ------------------------------------------------------------------ Media Cloud

def mediacloud_server(web, seen: list[dict]) -> None:
    def handler(h):
        if h.headers.get("Authorization") != "Token test-key-123":
            reply(h, b'{"detail": "Invalid token."}', status=403)
            return
        p = params(h)
        seen.append(p)
        page = "mediacloud_page2.json" if p.get("pagination_token") == ["eyJwYWdlIjogMn0"] else "mediacloud_page1.json"
        reply(h, (DATA / page).read_bytes())
    web.route("/api/search/story-list", handler=handler)


def test_mediacloud_paginates_with_token(web, fetcher, monkeypatch):
    monkeypatch.setenv("MC_TEST_KEY", "test-key-123")
    seen: list[dict] = []
    mediacloud_server(web, seen)
    source = build_source("mediacloud", "mc", {"query": ['"supervised consumption"', '"overdose prevention"'],
                                               "collections": [34412234], "api_key_env": "MC_TEST_KEY",
                                               "base_url": web.url("")}, fetcher)
    got = list(source.discover(dt.date(2024, 2, 1), dt.date(2024, 2, 29)))
    assert [c.url for c in got] == [
        "https://valleyvoice.example/2024/02/01/safe-consumption-site-opens",
        "https://metro-dispatch.example/city/mayor-backs-opc-plan",
        "https://coastal-times.example/news/injection-site-split",  # page 2; its repeat of page 1 is dropped
    ]
    assert (got[0].date, got[0].date_source, got[0].outlet, got[0].language) == (
        dt.date(2024, 2, 1), "api", "valleyvoice.example", "en")
    assert len(seen) == 2 and "pagination_token" not in seen[0]
    assert seen[0]["q"] == ['("supervised consumption") OR ("overdose prevention")']
    assert seen[0]["start"] == ["2024-02-01"] and seen[0]["end"] == ["2024-02-29"]
    assert seen[0]["platform"] == ["onlinenews-mediacloud"] and seen[0]["cs"] == ["34412234"]


def test_mediacloud_without_key_says_which_variable(web, fetcher, monkeypatch):
    monkeypatch.delenv("MEDIACLOUD_API_KEY", raising=False)
    source = build_source("mediacloud", "mc", {"query": ["x"], "base_url": web.url("")}, fetcher)
    with pytest.raises(ScrapeError) as err:
        list(source.discover(dt.date(2024, 2, 1), dt.date(2024, 2, 2)))
    assert err.value.reason == "missing_api_key" and "MEDIACLOUD_API_KEY" in err.value.message
    assert web.requests == []  # nothing was sent without a key


def test_mediacloud_wrong_key_is_a_named_http_error(web, fetcher, monkeypatch):
    monkeypatch.setenv("MEDIACLOUD_API_KEY", "wrong")
    mediacloud_server(web, [])
    source = build_source("mediacloud", "mc", {"query": ["x"], "base_url": web.url("")}, fetcher)
    with pytest.raises(ScrapeError) as err:
        list(source.discover(dt.date(2024, 2, 1), dt.date(2024, 2, 2)))
    assert err.value.reason == "http_403"


# ------------------------------------------------------------------ Federal Register

def federal_register_server(web, seen: list[dict]) -> None:
    base = web.url("")

    def handler(h):
        p = params(h)
        seen.append(p)
        name = "federal_register_page2.json" if p.get("page") == ["2"] else "federal_register_page1.json"
        reply(h, (DATA / name).read_text().replace("{BASE}", base).encode())
    web.route("/api/v1/documents.json", handler=handler)


def test_federal_register_follows_next_page(web, fetcher):
    seen: list[dict] = []
    federal_register_server(web, seen)
    source = build_source("federal_register", "fr", {
        "query": ['"supervised consumption"', '"overdose prevention"'], "base_url": web.url("/api/v1"),
        "document_types": ["NOTICE", "RULE"]}, fetcher)
    got = list(source.discover(dt.date(2023, 1, 1), dt.date(2024, 3, 31)))
    assert [c.extra["document_number"] for c in got] == ["2024-01234", "2023-28765", "2023-15501"]
    first = got[0]
    assert (first.date, first.date_source, first.outlet, first.language) == (dt.date(2024, 1, 22), "api",
                                                                             "Federal Register", "en")
    assert first.extra["agencies"] == ["Health and Human Services Department"] and first.extra["type"] == "Notice"
    q = seen[0]
    assert q["conditions[term]"] == ['"supervised consumption" | "overdose prevention"']
    assert q["conditions[publication_date][gte]"] == ["2023-01-01"]
    assert q["conditions[publication_date][lte]"] == ["2024-03-31"]
    assert q["per_page"] == ["100"] and q["order"] == ["newest"]
    assert q["conditions[type][]"] == ["NOTICE", "RULE"]
    assert {"raw_text_url", "body_html_url", "pdf_url", "agencies"} <= set(q["fields[]"])
    assert seen[1]["page"] == ["2"]


def test_federal_register_fetch_prefers_text_then_falls_back(web, fetcher):
    federal_register_server(web, [])
    body = "Section 1. This notice announces grants for community harm reduction programs. " * 10
    web.route("/fr/2024-01234.txt", body=body, content_type="text/plain; charset=utf-8")
    web.route("/fr/2023-15501/body", body=f"<html><body><div><p>{body}</p><p>{body}</p></div></body></html>")
    source = build_source("federal_register", "fr", {"query": ["x"], "base_url": web.url("/api/v1")}, fetcher)
    cands = {c.extra["document_number"]: c for c in source.discover(dt.date(2023, 1, 1), None)}
    doc = source.fetch(cands["2024-01234"])
    assert "harm reduction programs" in doc.text and doc.extractor == "plain"
    assert doc.date == dt.date(2024, 1, 22) and doc.date_source == "api"
    assert doc.url == cands["2024-01234"].url and web.hits("/fr/2024-01234/body") == 0
    # no raw text for this one: the body HTML is used
    doc = source.fetch(cands["2023-15501"])
    assert "harm reduction programs" in doc.text and doc.title.startswith("Overdose Prevention Strategy")
    # every form missing: the last error is raised, named
    with pytest.raises(ScrapeError) as err:
        source.fetch(cands["2023-28765"])
    assert err.value.reason == "http_404" and err.value.url.endswith("2023-28765.pdf")


def test_mediacloud_key_goes_to_the_api_host_only(web, fetcher, monkeypatch):
    from scrapers.sources.mediacloud import token_auth

    web.route("/elsewhere", body="<html><body>other</body></html>")
    with token_auth(fetcher, "api.mediacloud.example", "secret"):
        fetcher.get(web.url("/elsewhere"))
    assert "Authorization" not in web.requests[-1][2]
    assert fetcher.session.auth is None  # restored afterwards


def test_gdelt_unreachable_api_stops_after_the_first_slice():
    import socket

    from scrapers.http import Fetcher

    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    fetcher = Fetcher(min_delay=0, allow_loopback=True, obey_robots=False, max_retries=0)
    source = build_source("gdelt", "g", {"query": ["x"], "base_url": f"http://127.0.0.1:{closed}/api",
                                         "slice_days": 1, "min_interval": 0}, fetcher)
    with pytest.raises(ScrapeError) as err:
        list(source.discover(dt.date(2024, 1, 1), dt.date(2024, 1, 31)))
    assert err.value.reason == "connection_error"
    assert "source 'g'" not in str(err.value)  # raised at once, not re-raised after 31 doomed slices
