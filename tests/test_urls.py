"""Canonical URLs, content hashes and document ids."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.hashing import content_hash, doc_id, normalise_text
from corpus.urls import canonical_url

CANONICAL = "https://example.org/news/2021/overdose-site-opens"
VARIANTS = [
    "https://example.org/news/2021/overdose-site-opens",
    "http://example.org/news/2021/overdose-site-opens",
    "https://EXAMPLE.org/news/2021/overdose-site-opens/",
    "https://www.example.org/news/2021/overdose-site-opens",
    "https://m.example.org/news/2021/overdose-site-opens",
    "https://amp.example.org/news/2021/overdose-site-opens",
    "https://example.org/news/2021/overdose-site-opens/amp",
    "https://example.org/news/2021/overdose-site-opens/amp/",
    "https://example.org/amp/news/2021/overdose-site-opens",
    "https://example.org/news/2021/overdose-site-opens?amp=1",
    "https://example.org/news/2021/overdose-site-opens?outputType=amp",
    "https://example.org/news/2021/overdose-site-opens?utm_source=twitter&utm_medium=social&utm_campaign=x",
    "https://example.org/news/2021/overdose-site-opens?fbclid=IwAR0abc",
    "https://example.org/news/2021/overdose-site-opens?gclid=Cj0KCQ",
    "https://example.org/news/2021/overdose-site-opens#comments",
    "https://example.org:443/news/2021/overdose-site-opens",
    "  https://example.org//news/2021/overdose-site-opens  ",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_variants_collapse_to_one_canonical_url(variant: str) -> None:
    assert canonical_url(variant) == CANONICAL


def test_amp_file_names_and_query_order() -> None:
    assert canonical_url("https://example.org/a/story.amp.html") == "https://example.org/a/story.html"
    assert canonical_url("https://example.org/a/story?b=2&a=1") == canonical_url("https://example.org/a/story?a=1&b=2")


def test_distinct_articles_stay_distinct() -> None:
    urls = [
        "https://example.org/news/1", "https://example.org/news/2", "https://example.org/story?p=1",
        "https://example.org/story?p=2", "https://example.org/story?gallery=1", "https://example.org/story?gallery=2",
        "https://other.example.org/news/1", "https://example.net/news/1", "https://example.org/amp",
        "https://example.org:8080/news/1",
    ]
    assert len({canonical_url(u) for u in urls}) == len(urls)


@pytest.mark.parametrize("bad", ["", "   ", "not a url", "ftp://example.org/file", "mailto:a@b.org", "/relative/path"])
def test_non_http_input_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(ValueError) as error:
        canonical_url(bad)
    assert repr(bad) in str(error.value) or "not a URL" in str(error.value)


@settings(max_examples=200, deadline=None)
@given(
    host=st.sampled_from(["example.org", "www.example.org", "m.news.example.co.uk", "127.0.0.1:8765"]),
    path=st.lists(st.text(alphabet="abcxyz-_.~%é0", min_size=1, max_size=6), max_size=4),
    query=st.dictionaries(st.sampled_from(["p", "id", "page", "utm_source", "ref", "q"]),
                          st.text(alphabet="ab1 &=", min_size=1, max_size=4), max_size=3),
)
def test_canonical_url_is_idempotent(host: str, path: list[str], query: dict[str, str]) -> None:
    from urllib.parse import urlencode

    url = f"http://{host}/{'/'.join(path)}" + (f"?{urlencode(query)}" if query else "")
    once = canonical_url(url)
    assert canonical_url(once) == once


def test_content_hash_ignores_spacing_case_and_punctuation_only() -> None:
    a = "The  overdose prevention site, opened in March, saw 40 visits."
    b = "the overdose prevention site opened in march saw 40 visits"
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a.replace("40", "41"))
    assert normalise_text("It’s “safe”—really") == "it s safe really"


def test_doc_id_from_canonical_url_or_text() -> None:
    assert doc_id(VARIANTS[1]) == doc_id(VARIANTS[-3]) == doc_id(CANONICAL)
    assert doc_id(CANONICAL) != doc_id("https://example.org/news/other")
    assert doc_id(text="Same words.") == doc_id(text="same   words")
    assert doc_id(text="Same words.") != doc_id(text="Other words.")
    with pytest.raises(ValueError):
        doc_id(None, "  ")
