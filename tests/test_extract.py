"""HTML extraction: text, metadata, encodings, errors and content-type dispatch."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from scrapers.errors import ScrapeError
from scrapers.extract import extract, extract_response
from scrapers.extraction import Extraction
from scrapers.metadata import detect_language, read_metadata

DATA = Path(__file__).parent / "data" / "extract"
STORY = "https://ledger.example.org/news/story"


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_article_text_excludes_navigation_related_links_and_footer():
    result = extract(page("jsonld.html"), url=STORY)
    assert "overdose prevention site on Maple Street" in result.text
    assert "waiting list for detox beds" in result.text
    for clutter in ("Related stories", "Hospital opens new detox wing", "All rights reserved", "Sports"):
        assert clutter not in result.text
    assert result.extractor == "trafilatura"


def test_metadata_from_jsonld_graph():
    result = extract(page("jsonld.html"), url=STORY)
    assert result.title == "Council keeps overdose prevention site open"
    assert result.text.startswith("City councillors voted")  # the headline is not repeated in the body
    assert result.outlet == "The Riverside Ledger"
    assert result.canonical_url == "https://ledger.example.org/news/council-keeps-site-open"
    assert result.language == "en"
    assert result.url == STORY


def test_outlet_falls_back_to_hint_then_host():
    assert extract(page("no_date.html"), url=STORY).outlet == "ledger.example.org"
    hinted = extract(page("no_date.html"), url=STORY, hints={"outlet": "Riverside Ledger"})
    assert hinted.outlet == "Riverside Ledger"


def test_title_from_html_title_drops_the_outlet_suffix():
    html = ("<html><head><title>Clinic hours extended - Valley Times</title>"
            "<meta property='og:site_name' content='Valley Times'></head><body><article>"
            + "<p>The clinic next to the consumption site will open on Sundays from next month.</p>" * 6
            + "</article></body></html>")
    assert extract(html).title == "Clinic hours extended"


def test_title_without_outlet_or_url_is_the_headline():
    result = extract(page("meta.html"))
    assert result.title == "Council keeps overdose prevention site open"
    assert result.text.startswith("City councillors voted")


def test_language_from_text_when_the_page_declares_none():
    result = extract(page("french.html"), url=STORY)
    assert result.language == "fr"


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Die Stadt hat das Konsumraum-Projekt verlängert, und der Rat wird im Herbst über die "
         "Finanzierung entscheiden, die sich auf die Beratung bezieht.", "de"),
        ("El ayuntamiento decidió mantener el centro de consumo supervisado y la alcaldesa dijo que "
         "los vecinos fueron escuchados por el consejo.", "es"),
        ("De gemeente heeft besloten dat de gebruiksruimte open blijft en dat er ook meer geld komt "
         "voor de opvang van mensen die door de wijk zwerven.", "nl"),
        ("A câmara decidiu manter a sala de consumo assistido e o presidente disse que os moradores "
         "foram ouvidos pela primeira vez na sessão.", "pt"),
        ("The council kept the site open and said that it was the best way to protect the people "
         "who use it.", "en"),
        ("12345 67890", None),
    ],
)
def test_stopword_language_detector(text, lang):
    assert detect_language(text) == lang


def test_declared_language_wins_over_a_short_text():
    html = ("<html lang='nl-BE'><body><article>"
            + "<p>The clinic next to the consumption site will open on Sundays from next month.</p>" * 3
            + "</article></body></html>")
    assert extract(html).language == "nl"


def test_jsonld_article_body_rescues_a_page_whose_markup_hides_the_text():
    body = ("The province announced funding for three new supervised consumption services. "
            "Each service will have nurses on site and a referral desk for treatment programs. ") * 4
    html = f"""<html><head><script type="application/ld+json">
    {{"@type": "NewsArticle", "headline": "Funding announced", "articleBody": "{body}"}}
    </script></head><body><div id="app"></div><p>Loading…</p></body></html>"""
    result = extract(html)
    assert result.text == body.strip()
    assert result.extractor in ("jsonld", "trafilatura")  # trafilatura's own fallbacks may read it
    assert result.title == "Funding announced"


def test_paragraph_fallback_when_trafilatura_finds_nothing():
    # a single long block with no article structure: the last-resort pass still returns the words
    html = "<html><body><div><span>" + "needle exchange hours changed " * 3 + "</span></div></body></html>"
    result = extract(html)
    assert "needle exchange hours changed" in result.text


def test_empty_page_is_a_named_error():
    for empty in (b"", "   \n", b"\x00\x00"):
        with pytest.raises(ScrapeError) as info:
            extract(empty, url=STORY)
        assert info.value.reason == "empty"
        assert info.value.url == STORY


def test_page_with_markup_but_no_text_is_empty():
    with pytest.raises(ScrapeError) as info:
        extract("<html><head><title></title></head><body><div></div></body></html>")
    assert info.value.reason in ("empty", "parse_error")


def test_wrong_input_type_is_a_parse_error():
    with pytest.raises(ScrapeError) as info:
        extract(12345)  # type: ignore[arg-type]
    assert info.value.reason == "parse_error"


def test_non_utf8_bytes_with_declared_charset():
    html = ("<html><head><meta charset='windows-1252'><title>Café</title></head><body><article>"
            + "<p>Le café à côté du site de consommation supervisée a ouvert ses portes à midi.</p>" * 5
            + "</article></body></html>")
    result = extract(html.encode("cp1252"))
    assert "café à côté" in result.text
    assert "\ufffd" not in result.text


def test_non_utf8_bytes_without_declared_charset():
    html = ("<html><body><article>"
            + "<p>Die Behörde prüft, ob der Konsumraum größer werden muss; die Anwohner äußerten "
              "sich überwiegend zustimmend über die Öffnungszeiten.</p>" * 5
            + "</article></body></html>")
    result = extract(html.encode("latin-1"))
    assert "Behörde prüft" in result.text
    assert result.language == "de"


def test_undecodable_garbage_inside_a_page_still_extracts():
    html = b"<html><body><article>" + b"<p>Council kept the site open \xff\xfe\x81 for two years.</p>" * 8 \
        + b"</article></body></html>"
    assert "Council kept the site open" in extract(html).text


def test_to_dict_is_json_ready():
    result = extract(page("jsonld.html"), url=STORY)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["date"] == "2021-03-04"
    assert set(data) == {"text", "title", "date", "date_source", "date_confidence", "date_evidence",
                         "language", "outlet",
                         "url", "canonical_url", "extractor"}


def test_hint_title_used_when_the_page_has_none():
    html = "<html><body><article>" + "<p>Plain words about the site and its visitors today.</p>" * 6 \
        + "</article></body></html>"
    assert extract(html, hints={"title": "From the feed"}).title == "From the feed"


def test_read_metadata_skips_broken_jsonld_and_uses_opengraph():
    from trafilatura.utils import load_html

    html = ("<html><head><script type='application/ld+json'>{not json</script>"
            "<meta property='og:title' content='OG headline'>"
            "<meta property='og:locale' content='pt_BR'>"
            "<meta property='article:published_time' content='2020-02-02'></head>"
            "<body><p>x</p><p>y</p></body></html>")
    meta = read_metadata(load_html(html), "https://a.example/x")
    assert meta.title == "OG headline"
    assert meta.language == "pt"
    assert meta.og_dates == ["2020-02-02"]
    assert meta.jsonld_dates == []


def _result(content: bytes, content_type: str, text: str | None = None):
    """The fields of a scrapers.http.FetchResult that extraction reads."""
    return SimpleNamespace(url=STORY, final_url=STORY, content=content, text=text,
                           content_type=content_type)


def test_extract_response_dispatches_html_text_and_refuses_images():
    html = page("opengraph.html")
    result = extract_response(_result(html, "text/html", html.decode("utf-8")))
    assert isinstance(result, Extraction)
    assert result.date == dt.date(2020, 7, 15)

    plain = extract_response(_result(b"Published on 2 May 2019. The board met.", "text/plain"),
                             hints={"title": "Board minutes"})
    assert plain.extractor == "plain"
    assert plain.title == "Board minutes"
    assert plain.date == dt.date(2019, 5, 2)

    with pytest.raises(ScrapeError) as info:
        extract_response(_result(b"\x89PNG\r\n", "image/png"))
    assert info.value.reason == "bad_content_type"


def test_extract_response_with_the_real_fetcher(web):
    http = pytest.importorskip("scrapers.http")
    web.route("/robots.txt", body="User-agent: *\nAllow: /\n", content_type="text/plain")
    web.route("/news/story", body=page("jsonld.html"), content_type="text/html; charset=utf-8")
    fetcher = http.Fetcher(contact="tests@example.org", min_delay=0.0, allow_loopback=True)
    result = extract_response(fetcher.get(web.url("/news/story")))
    assert result.date == dt.date(2021, 3, 4)
    assert result.url == web.url("/news/story")
    assert "Maple Street" in result.text
