"""Property tests: any bytes or text given to the extractors end in an Extraction or a ScrapeError."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.errors import ScrapeError
from scrapers.extract import extract
from scrapers.extraction import Extraction
from scrapers.pdf import extract_pdf

TAGS = st.sampled_from(["<html>", "<body>", "<p>", "</p>", "<article>", "<div>", "</div>", "<script>",
                        "<title>", "<meta charset='utf-16'>", "<h1>", "<time datetime='2019-13-40'>",
                        '<script type="application/ld+json">{"@graph": [', "<!--", "<![CDATA[", "&#0;",
                        "\x00", "\ufeff"])
HTMLISH = st.lists(st.one_of(TAGS, st.text(max_size=40)), max_size=40).map("".join)


def check(call) -> None:
    try:
        result = call()
    except ScrapeError as err:
        assert err.reason and isinstance(err.reason, str)
        return
    assert isinstance(result, Extraction)
    assert isinstance(result.text, str) and result.text.strip()
    assert result.date_source == "none" or result.date is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000), HTMLISH,
                 HTMLISH.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_extract_never_raises_anything_else(data):
    check(lambda: extract(data, url="https://example.org/2019/11/18/x"))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=1000).map(lambda b: b"%PDF-1.4\n" + b))
def test_extract_pdf_never_raises_anything_else(data):
    check(lambda: extract_pdf(data))
