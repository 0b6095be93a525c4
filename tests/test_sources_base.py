"""The shared source interface: option checking, the registry, query-term matching and date parsing."""
from __future__ import annotations

import datetime as dt

import pytest

from scrapers.dates import parse_date
from scrapers.sources.base import Candidate, QueryMatcher, build_source, in_range

ALL_KINDS_MINIMAL = {
    "rss": {"url": "https://feeds.example/rss"},
    "sitemap": {"url": "https://site.example/sitemap.xml"},
    "gdelt": {"query": ['"supervised consumption"']},
    "mediacloud": {"query": ['"supervised consumption"']},
    "federal_register": {"query": ['"overdose prevention"']},
    "crawl": {"url": "https://site.example/topics/harm-reduction"},
    "warc": {"path": "/nonexistent/*.warc.gz"},
}


@pytest.mark.parametrize("kind", sorted(ALL_KINDS_MINIMAL))
def test_every_kind_builds_from_a_minimal_table(kind):
    source = build_source(kind, f"my_{kind}", ALL_KINDS_MINIMAL[kind], None)
    assert source.name == f"my_{kind}"
    assert source.kind == kind


def test_unknown_kind_names_the_source():
    with pytest.raises(ValueError, match=r"'city'.*unknown kind 'atom'"):
        build_source("atom", "city", {}, None)


def test_unknown_option_names_source_and_key():
    with pytest.raises(ValueError, match=r"source 'city' \(kind rss\): unknown option 'urls'"):
        build_source("rss", "city", {"urls": ["https://a.example/feed"]}, None)


def test_missing_required_option_names_source_and_key():
    with pytest.raises(ValueError, match=r"source 'maps' \(kind sitemap\): option 'url' is required"):
        build_source("sitemap", "maps", {}, None)


@pytest.mark.parametrize(
    ("kind", "options", "key"),
    [
        ("crawl", {"url": "https://a.example/", "max_pages": "10"}, "max_pages"),
        ("crawl", {"url": "https://a.example/", "max_depth": True}, "max_depth"),
        ("rss", {"url": ["https://a.example/feed", 3]}, "url"),
        ("gdelt", {"query": "x", "slice_days": "week"}, "slice_days"),
        ("mediacloud", {"query": "x", "collections": ["34412234"]}, "collections"),
    ],
)
def test_wrong_type_names_the_key(kind, options, key):
    with pytest.raises(ValueError, match=rf"source 'src' \(kind {kind}\): option '{key}' must be"):
        build_source(kind, "src", options, None)


def test_api_sources_require_query_terms():
    for kind in ("gdelt", "mediacloud", "federal_register"):
        with pytest.raises(ValueError, match="'query' is required"):
            build_source(kind, "api", {}, None)


def test_bad_crawl_regex_is_named():
    with pytest.raises(ValueError, match=r"option 'include' has a bad regex '\(news'"):
        build_source("crawl", "c", {"url": "https://a.example/", "include": ["(news"]}, None)


def test_query_matcher_phrases_words_and_slugs():
    m = QueryMatcher(['"supervised consumption"', '"safe injection" site', "overdose prevention"])
    assert m.matches("Council backs Supervised Consumption plan")
    assert m.matches(None, "/news/2024/supervised-consumption-site-opens")
    assert not m.matches("Supervised children's consumption of sugar")  # phrase, not two words
    assert m.matches("A safe injection facility near the site")  # phrase + word
    assert not m.matches("Safe injection practices for insulin")  # the word 'site' is missing
    assert m.matches("Prevention of overdose deaths")  # bare words: all present, any order
    assert QueryMatcher([]).matches("anything")
    assert not QueryMatcher([]) and QueryMatcher(["x"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 12 Mar 2024 23:30:00 -0500", dt.date(2024, 3, 12)),
        ("2024-03-14T00:30:00+01:00", dt.date(2024, 3, 14)),
        ("2024-02-01 14:05:00", dt.date(2024, 2, 1)),
        ("20240131T120000Z", dt.date(2024, 1, 31)),
        ("20240131", dt.date(2024, 1, 31)),
        ("2024-02-30", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_in_range_keeps_undated_and_bounds_inclusive():
    since, until = dt.date(2024, 1, 1), dt.date(2024, 1, 31)
    assert in_range(None, since, until)
    assert in_range(since, since, until) and in_range(until, since, until)
    assert not in_range(dt.date(2023, 12, 31), since, until)
    assert in_range(dt.date(2024, 2, 1), since, None)  # open upper bound


def test_candidate_hints_carry_only_known_evidence():
    c = Candidate("https://a.example/x", "src", title="T", date=dt.date(2024, 1, 2), date_source="feed")
    assert c.hints() == {"title": "T", "date": dt.date(2024, 1, 2), "date_source": "feed"}
    assert Candidate("https://a.example/y", "src").hints() == {}
