"""RSS, Atom and JSON Feed parsing and discovery, on recorded-style feeds served by the local web server."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, build_source
from scrapers.sources.feeds import parse_feed

DATA = Path(__file__).parent / "data" / "sources"
RSS = (DATA / "rss.xml").read_bytes()
FEED_URL = "https://harbourview.example/feed/"


@pytest.fixture
def fetcher():
    from scrapers.http import Fetcher

    return Fetcher(min_delay=0, allow_loopback=True, obey_robots=False)


def by_url(cands: list[Candidate]) -> dict[str, Candidate]:
    return {c.url: c for c in cands}


def test_rss_items_become_candidates_with_feed_dates():
    cands = by_url(parse_feed(RSS, FEED_URL, "harbourview"))
    assert len(cands) == 4  # the item without a link is skipped
    council = cands["https://harbourview.example/news/2024/03/council-keeps-site-open/"]
    assert council.title.startswith("Council votes to keep supervised consumption site")
    assert council.date == dt.date(2024, 3, 12)  # as written at -05:00, not the UTC day (13th)
    assert council.date_source == "feed"
    assert council.outlet == "Harbourview Daily"
    assert council.language == "en"
    assert council.source == "harbourview"
    # a relative link is resolved against the feed's URL
    assert "https://harbourview.example/news/2024/02/province-reviews-funding/" in cands


def test_atom_uses_published_then_updated():
    cands = by_url(parse_feed((DATA / "atom.xml").read_bytes(), "https://veilleur.example/atom", "v"))
    site = cands["https://veilleur.example/articles/salle-conso-prolongee"]
    assert site.date == dt.date(2024, 3, 14) and site.extra["date_kind"] == "published"
    market = cands["https://veilleur.example/articles/marche"]
    assert market.date == dt.date(2024, 3, 10) and market.extra["date_kind"] == "updated"
    assert site.language == "fr" and site.outlet == "Le Veilleur du Quartier"


def test_json_feed_1_1():
    cands = parse_feed((DATA / "jsonfeed.json").read_bytes(), "https://riverside-notes.example/feed.json", "rn")
    assert [c.url for c in cands] == [
        "https://riverside-notes.example/2024/01/overdose-prevention-center-bill",
        "https://other-paper.example/2024/02/treatment-beds",  # external_url when there is no url
    ]
    assert cands[0].date == dt.date(2024, 1, 30) and cands[0].date_source == "feed"
    assert cands[0].language == "en" and cands[0].outlet == "Riverside Policy Notes"
    assert cands[1].extra["summary"].startswith("Waiting lists")


def test_json_that_is_not_a_json_feed_is_a_parse_error():
    with pytest.raises(ScrapeError) as err:
        parse_feed(b'{"items": []}', "https://a.example/feed.json")
    assert err.value.reason == "parse_error" and err.value.url == "https://a.example/feed.json"


def test_broken_feed_is_a_named_parse_error():
    with pytest.raises(ScrapeError) as err:
        parse_feed((DATA / "broken_feed.xml").read_bytes(), "https://a.example/feed")
    assert err.value.reason == "parse_error"
    assert "feed" in err.value.message


def test_empty_feed_body():
    with pytest.raises(ScrapeError) as err:
        parse_feed(b"  \n", "https://a.example/feed")
    assert err.value.reason == "empty"


@pytest.mark.parametrize("name", ["billion_laughs_feed.xml", "external_entity_feed.xml"])
def test_entity_attacks_are_refused(name):
    with pytest.raises(ScrapeError) as err:
        parse_feed((DATA / name).read_bytes(), "https://bomb.example/feed")
    assert err.value.reason == "xml_unsafe"


def test_entity_bomb_in_malformed_or_utf16_feed_is_refused():
    bomb = (DATA / "billion_laughs_feed.xml").read_bytes()
    for data in (bomb[: len(bomb) - 40], bomb.decode().replace('version="1.0"', 'version="1.0" encoding="utf-16"').encode("utf-16")):
        with pytest.raises(ScrapeError) as err:
            parse_feed(data, "https://bomb.example/feed")
        assert err.value.reason == "xml_unsafe"


def test_truncated_feed_keeps_the_entries_before_the_cut():
    cut = RSS[: RSS.index(b"<title>Province reviews")]
    cands = parse_feed(cut, FEED_URL)
    assert [c.url for c in cands][:2] == [
        "https://harbourview.example/news/2024/03/council-keeps-site-open/",
        "https://harbourview.example/news/2024/03/ferry-schedule/",
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_candidates_or_scrape_error(data):
    try:
        cands = parse_feed(data, "https://fuzz.example/feed")
    except ScrapeError as err:
        assert err.reason in {"parse_error", "xml_unsafe", "empty"}
        return
    assert all(isinstance(c, Candidate) and c.url.startswith(("http://", "https://")) for c in cands)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(RSS)), st.binary(max_size=40), st.integers(0, 200))
def test_damaged_real_feeds_give_candidates_or_scrape_error(pos, junk, drop):
    data = RSS[:pos] + junk + RSS[pos + drop:]
    try:
        cands = parse_feed(data, FEED_URL)
    except ScrapeError as err:
        assert err.reason in {"parse_error", "xml_unsafe", "empty"}
        return
    assert all(isinstance(c, Candidate) for c in cands)


# ------------------------------------------------------------------ discovery over HTTP

def test_discover_filters_by_date_and_query(web, fetcher):
    web.route("/feed.xml", body=RSS, content_type="application/rss+xml")
    web.route("/feed.json", body=(DATA / "jsonfeed.json").read_bytes(), content_type="application/feed+json")
    source = build_source("rss", "local", {
        "url": [web.url("/feed.xml"), web.url("/feed.json")],
        "query": ['"supervised consumption"', '"overdose prevention"', '"harm reduction"'],
    }, fetcher)
    got = [c.url for c in source.discover(dt.date(2024, 1, 1), dt.date(2024, 3, 31))]
    assert got == [
        "https://harbourview.example/news/2024/03/council-keeps-site-open/",
        # relative link resolved against the served feed URL; matched on the title
        web.url("/news/2024/02/province-reviews-funding/"),
        "https://riverside-notes.example/2024/01/overdose-prevention-center-bill",
    ]  # ferry (no term), 2023 anniversary (out of range) and treatment beds (no term) are left out


def test_one_broken_feed_does_not_lose_the_others(web, fetcher):
    web.route("/broken.xml", body=(DATA / "broken_feed.xml").read_bytes(), content_type="text/html")
    web.route("/bomb.xml", body=(DATA / "billion_laughs_feed.xml").read_bytes(), content_type="application/rss+xml")
    web.route("/feed.xml", body=RSS, content_type="application/rss+xml")
    source = build_source("rss", "mixed", {"url": [web.url("/broken.xml"), web.url("/bomb.xml"), web.url("/feed.xml")]},
                          fetcher)
    got: list[str] = []
    with pytest.raises(ScrapeError) as err:
        for cand in source.discover():
            got.append(cand.url)
    assert len(got) == 4  # every entry of the good feed came out before the error
    assert err.value.reason == "parse_error" and err.value.url == web.url("/broken.xml")
    assert "'mixed'" in err.value.message and "1 more" in err.value.message
    assert [e.reason for e in source.errors] == ["parse_error", "xml_unsafe"]


def test_fetch_passes_the_feed_date_to_extraction(web, fetcher):
    body = "<p>" + "The city council debated the supervised consumption site again tonight. " * 12 + "</p>"
    web.route("/news/story", body=f"<html><head><title>Council debate</title></head><body><article>{body}"
                                  "</article></body></html>")
    source = build_source("rss", "local", {"url": web.url("/feed.xml")}, fetcher)
    cand = Candidate(web.url("/news/story"), "local", title="Council debate", date=dt.date(2024, 3, 12),
                     date_source="feed", outlet="Harbourview Daily")
    doc = source.fetch(cand)
    assert "supervised consumption site" in doc.text
    assert doc.date == dt.date(2024, 3, 12) and doc.date_source == "feed"
    assert doc.outlet == "Harbourview Daily"
