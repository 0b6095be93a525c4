"""Publication dates: parsing, the URL and byline patterns, source priority and the traps around them."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scrapers.dates import CONFIDENCE, DateGuess, choose_date, parse_date, text_date, url_date
from scrapers.extract import extract
from scrapers.metadata import PageMeta

DATA = Path(__file__).parent / "data" / "extract"
STORY = "https://ledger.example.org/news/council-keeps-site-open"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2019-11-18T23:30:00-05:00", dt.date(2019, 11, 18)),  # the written day, not UTC's
        ("2019-11-18", dt.date(2019, 11, 18)),
        ("2019/11/18 10:00", dt.date(2019, 11, 18)),
        ("20191118T100000Z", dt.date(2019, 11, 18)),
        ("D:20190315120000+01'00'", dt.date(2019, 3, 15)),
        ("Mon, 18 Nov 2019 10:00:00 GMT", dt.date(2019, 11, 18)),
        ("November 18, 2019", dt.date(2019, 11, 18)),
        ("10.12.2022, 07:00:03", dt.date(2022, 12, 10)),  # dotted dates are day first
        ("18 November 2019 10:00 IST", dt.date(2019, 11, 18)),
        ("November 2019", None),        # no day: not an exact date
        ("2019", None),
        ("© 2024 The Ledger", None),    # a copyright year
        ("2019-02-30", None),           # impossible day
        ("1850-01-01", None),           # before any web page
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_parse_date_rejects_the_far_future():
    assert parse_date((dt.date.today() + dt.timedelta(days=30)).isoformat()) is None


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://x.org/2019/11/18/story-title/", dt.date(2019, 11, 18)),
        ("https://x.org/news/2019-11-19/story", dt.date(2019, 11, 19)),
        ("https://x.org/stories/20191120/story.html", dt.date(2019, 11, 20)),
        ("https://x.org/commentisfree/2019/nov/18/view", dt.date(2019, 11, 18)),
        ("https://x.org/2019/11/story-without-day/", None),
        ("https://x.org/news/1206313/story", None),           # an article id, not a date
        ("https://x.org/story?date=2019-11-18", None),        # query strings are not the path
        (None, None),
    ],
)
def test_url_date(url, expected):
    assert url_date(url) == expected


def test_text_date_takes_published_not_updated():
    text = "Headline\nUpdated 3 March 2017. Published on 12 February 2017 by A. Writer\nBody."
    assert text_date(text) == dt.date(2017, 2, 12)
    assert text_date("Updated: March 3, 2017. Body text follows here.") is None


@pytest.mark.parametrize(
    "name, date, source",
    [
        ("jsonld.html", dt.date(2021, 3, 4), "jsonld"),        # not dateModified, not "Updated June 1"
        ("opengraph.html", dt.date(2020, 7, 15), "opengraph"),  # not article:modified_time
        ("meta.html", dt.date(2019, 5, 2), "meta"),            # not last-modified
        ("text_date.html", dt.date(2017, 2, 12), "text"),      # htmldate's "Updated" day is refused
        ("time.html", dt.date(2018, 4, 11), "htmldate"),       # not the older related-article dates
    ],
)
def test_each_date_source_on_a_page_with_traps(name, date, source):
    result = extract((DATA / name).read_bytes(), url=STORY)
    assert (result.date, result.date_source) == (date, source)
    assert 0.5 <= result.date_confidence <= 1


def test_url_date_source():
    url = "https://ledger.example.org/2018/09/27/council-keeps-site-open"
    result = extract((DATA / "url_date.html").read_bytes(), url=url)
    assert (result.date, result.date_source) == (dt.date(2018, 9, 27), "url")


def test_a_bare_copyright_year_is_kept_only_as_a_year_with_low_confidence():
    # htmldate fills a lone "(c) 2024" in as 1 January; nothing else on the page names that day
    result = extract((DATA / "no_date.html").read_bytes(), url=STORY)
    assert result.date in (None, dt.date(2024, 1, 1))
    assert result.date is None or result.date_confidence <= 0.3
    assert choose_date(None, PageMeta(), url=STORY) == DateGuess.none()


def test_a_date_only_in_the_visible_text_is_found():
    # no markup date and no "Published" label: htmldate's extensive search reads the byline
    html = ("<html><body><article><h1>Clinic hours extended</h1><p class='byline'>By A. Writer, 18 March 2021"
            "</p>" + "<p>The clinic beside the consumption site will open longer on weekdays.</p>" * 6
            + "</article></body></html>")
    result = extract(html, url=STORY)
    assert result.date == dt.date(2021, 3, 18)
    assert result.date_source == "htmldate" and result.date_evidence == "htmldate"
    assert result.date_confidence == CONFIDENCE["alone"]


def test_every_date_names_its_source_confidence_and_evidence():
    result = extract((DATA / "jsonld.html").read_bytes(), url=STORY)
    evidence = result.date_evidence.split(",")
    assert evidence[0] == result.date_source == "jsonld"
    assert "htmldate" in evidence  # htmldate names the same day
    assert result.date_confidence == CONFIDENCE["corroborated"]


def test_feed_hint_used_when_the_page_has_no_date():
    hints = {"date": dt.date(2022, 1, 5), "date_source": "sitemap"}
    result = extract((DATA / "no_date.html").read_bytes(), url=STORY, hints=hints)
    assert (result.date, result.date_source) == (dt.date(2022, 1, 5), "sitemap")


def test_a_feed_hint_decides_and_page_disagreement_lowers_its_confidence():
    page = (DATA / "jsonld.html").read_bytes()
    agree = extract(page, url=STORY, hints={"date": "2021-03-04", "date_source": "feed"})
    differ = extract(page, url=STORY, hints={"date": "2021-03-09", "date_source": "feed"})
    assert (agree.date, differ.date) == (dt.date(2021, 3, 4), dt.date(2021, 3, 9))
    assert agree.date_source == differ.date_source == "feed"
    assert agree.date_confidence == CONFIDENCE["hint corroborated"]
    assert differ.date_confidence == CONFIDENCE["hint contradicted"] < agree.date_confidence
    assert "jsonld" in agree.date_evidence and "jsonld" not in differ.date_evidence


def test_a_named_month_in_the_url_decides_over_other_page_days():
    # htmldate cannot read /2019/nov/18/; a date cited lower in the page must not win
    html = ("<html><body><article><h1>Border drug claims checked</h1>"
            + "<p>The claim rests on seizure figures the agency released this autumn.</p>" * 6
            + "<p>Source: agency statement, Oct. 13, 2019</p></article></body></html>")
    result = extract(html, url="https://checks.example.org/statements/2019/nov/18/border-claims/")
    assert (result.date, result.date_source) == (dt.date(2019, 11, 18), "url")


def test_a_day_found_only_in_a_link_to_another_page_gets_low_confidence():
    # htmldate's extensive search reads /2019/04/10/ from a related-article link; nothing else agrees
    html = ("<html><body><article><h1>Letters on the site's future</h1>"
            + "<p>Readers wrote in about the consumption site and the treatment beds next door.</p>" * 6
            + "</article><aside><ul><li><a href='https://paper.example.org/2019/04/10/older-story/'>"
            "An older story</a></li></ul></aside></body></html>")
    result = extract(html, url="https://paper.example.org/letters/future/")
    assert result.date is None or result.date_confidence == CONFIDENCE["linked"] < CONFIDENCE["alone"]
    # a link to the page itself (a permalink) is the page's own date
    own = html.replace("2019/04/10/older-story/", "letters/2019/04/10/")
    mine = extract(own, url="https://paper.example.org/letters/2019/04/10/")
    assert (mine.date, mine.date_source) == (dt.date(2019, 4, 10), "url")
