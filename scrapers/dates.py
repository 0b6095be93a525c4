"""The publication date of a page, with where it came from and how far to trust it.

Sources, most trusted first: JSON-LD `datePublished`, OpenGraph `article:published_time`, other
<meta>/microdata publication dates, a date handed over by a feed/sitemap/API, a full date in the URL,
a "Published/Posted … <date>" phrase just below the headline, then htmldate (original_date=True,
markup only).
"Updated"/"modified" dates and the crawl date are never used.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re
import warnings
from dataclasses import dataclass

from dateutil import parser as dateutil_parser
from lxml.html import HtmlElement

from scrapers.metadata import PageMeta

MIN_DATE = dt.date(1990, 1, 1)
HINT_SOURCES = ("feed", "sitemap", "api")

# base trust of each source; agreement between independent sources raises it
CONFIDENCE = {
    "jsonld": 0.95, "opengraph": 0.9, "meta": 0.85, "feed": 0.85, "sitemap": 0.85, "api": 0.85,
    "url": 0.8, "text": 0.75, "htmldate": 0.7, "pdf": 0.75,
}


@dataclass(frozen=True)
class DateGuess:
    """A publication date with its source (one of the contract's `date_source` labels) and trust."""

    date: dt.date | None
    source: str
    confidence: float

    @classmethod
    def none(cls) -> "DateGuess":
        """No date found."""
        return cls(None, "none", 0.0)


_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d?)-(\d\d?)(?!\d)")
_SLASHED_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)[/.](\d\d?)[/.](\d\d?)(?!\d)")
_COMPACT = re.compile(r"^((?:19|20)\d\d)(\d\d)(\d\d)(?:T|$)")
_PDF = re.compile(r"^D?:?((?:19|20)\d\d)(\d\d)(\d\d)")


def _valid(year: int, month: int, day: int, today: dt.date | None = None) -> dt.date | None:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return None
    latest = (today or dt.date.today()) + dt.timedelta(days=1)
    return value if MIN_DATE <= value <= latest else None


def parse_date(value: object) -> dt.date | None:
    """A calendar date from a date string as written in metadata (ISO 8601, RFC 822, "18 Nov 2019"…).

    The day is the one written (no conversion to UTC); strings lacking a day, month or year give None.
    >>> parse_date("2019-11-18T23:30:00-05:00")
    datetime.date(2019, 11, 18)
    """
    if isinstance(value, dt.datetime):
        return _valid(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _valid(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    text = value.strip()[:100]
    if not text:
        return None
    for match in (_ISO.search(text), _SLASHED_YMD.search(text), _COMPACT.match(text), _PDF.match(text)):
        if match:
            return _valid(*(int(g) for g in match.groups()))
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return _valid(parsed.year, parsed.month, parsed.day)
    if not re.search(r"(?:19|20)\d\d", text) or not re.search(r"[A-Za-z]{3}|\d[/.]\d", text):
        return None
    # two different defaults: a component missing from the string shows up as a difference
    try:
        with warnings.catch_warnings():  # unknown zone names ("IST") do not matter for the day
            warnings.simplefilter("ignore")
            a = dateutil_parser.parse(text, default=dt.datetime(2001, 1, 1), fuzzy=True)
            b = dateutil_parser.parse(text, default=dt.datetime(2002, 2, 2), fuzzy=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if a.date() != b.date():
        return None
    return _valid(a.year, a.month, a.day)


_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
    r"|/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_URL_NAMED = re.compile(r"/((?:19|20)\d\d)/(" + "|".join(_MONTHS) + r")[a-z]*/(\d\d?)(?=/)", re.I)


def url_date(url: str | None) -> dt.date | None:
    """A full year-month-day written in a URL path (/2019/11/18/, /2019-11-18-, /20191118/, /2019/nov/18/)."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I).split("?")[0]
    match = _URL_DATE.search(path)
    if match:
        groups = [g for g in match.groups() if g is not None]
        return _valid(*(int(g) for g in groups))
    match = _URL_NAMED.search(path)
    if match:
        return _valid(int(match.group(1)), _MONTHS.index(match.group(2)[:3].lower()) + 1,
                      int(match.group(3)))
    return None


_MONTH_NAMES = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
                r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_TEXT_DATE = (
    rf"(?:{_MONTH_NAMES}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_NAMES},?\s+(?:19|20)\d\d"
    r"|(?:19|20)\d\d-\d\d-\d\d)"
)
_PUBLISHED = re.compile(
    r"(?:published|posted|first published|publication date|date|released|issued)\s*(?:on|:)?\s*"
    r"(?:[A-Za-z]+day,?\s+)?(" + _TEXT_DATE + ")",
    re.I,
)


def text_date(text: str | None, head: int = 600) -> dt.date | None:
    """A date stated as "Published/Posted … <date>" near the top of the text ("Updated …" ignored)."""
    if not text:
        return None
    match = _PUBLISHED.search(text[:head])
    return parse_date(match.group(1)) if match else None


_SKIP_TEXT = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::nav or ancestor::aside"


def byline_text(tree: HtmlElement, span: int = 800) -> str:
    """The page text just after the headline (where bylines state dates), or the page's opening text."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    text = re.sub(r"\s+", " ", " ".join(root.xpath(f".//text()[not({_SKIP_TEXT})]")))
    h1 = root.find(".//h1")
    headline = re.sub(r"\s+", " ", h1.text_content()).strip() if h1 is not None else ""
    start = text.find(headline) if headline else -1
    return text[start:start + len(headline) + span] if start >= 0 else text[:span]


def _first(values: list[str]) -> tuple[dt.date, str] | None:
    for value in values:
        parsed = parse_date(value)
        if parsed:
            return parsed, value
    return None


_UTC_STAMP = re.compile(r"\d[T ](\d\d):\d\d(?::\d\d(?:\.\d+)?)?\s*(Z|[+-]00:?00|UTC|GMT)?\s*$", re.I)


def utc_hour(value: str) -> int | None:
    """The hour of a timestamp written in UTC or with no offset (its local day is uncertain), else None."""
    match = _UTC_STAMP.search(value.strip())
    return int(match.group(1)) if match else None


def _local_day(value: dt.date, raw: str, others: list[dt.date]) -> dt.date | None:
    """The publisher's local day when `raw` is a UTC timestamp one day off another source's day.

    A story published at 20:58 in New York is stamped 04:58Z the next day; a URL or local-time meta
    date one day earlier (early UTC hours) or later (late UTC hours) is then the day readers saw.
    """
    hour = utc_hour(raw)
    if hour is None:
        return None
    shifted = value - dt.timedelta(days=1) if hour < 12 else value + dt.timedelta(days=1)
    return shifted if shifted in others else None


def htmldate_date(tree: HtmlElement, url: str | None) -> dt.date | None:
    """htmldate's original (publication) date from markup only; it works on a copy of the tree."""
    from htmldate import find_date

    try:
        found = find_date(tree, extensive_search=False, original_date=True,
                          outputformat="%Y-%m-%d", url=url)
    except Exception:  # htmldate's own parsing errors must not lose the document
        return None
    return parse_date(found) if found else None


def choose_date(
    tree: HtmlElement | None,
    meta: PageMeta,
    url: str | None = None,
    hints: dict | None = None,
    text: str | None = None,
) -> DateGuess:
    """The best publication date from page metadata, hints, URL, byline text and htmldate, in that order.

    `text` (the extracted body) is searched for a "Published …" phrase only when there is no `tree`.

    Confidence is the winning source's base trust, raised when an independent source names the same
    day and lowered when a feed/sitemap hint names a different one.
    """
    hints = hints or {}
    cheap: list[tuple[str, dt.date]] = []
    raw_first = None
    for source, values in (("jsonld", meta.jsonld_dates), ("opengraph", meta.og_dates),
                           ("meta", meta.meta_dates)):
        found = _first(values)
        if found:
            cheap.append((source, found[0]))
            raw_first = raw_first or found[1]
    hint_date = parse_date(hints.get("date"))
    if hint_date:
        source = hints.get("date_source") if hints.get("date_source") in HINT_SOURCES else "feed"
        cheap.append((source, hint_date))
    in_url = url_date(url)
    if in_url:
        cheap.append(("url", in_url))

    if not cheap:
        found = text_date(byline_text(tree)) if tree is not None else text_date(text)
        if found:
            cheap.append(("text", found))
    if not cheap and tree is not None:
        found = htmldate_date(tree, url)
        if found:
            cheap.append(("htmldate", found))
    if not cheap:
        return DateGuess.none()

    source, value = cheap[0]
    if raw_first is not None:
        independent = [d for s, d in cheap[1:] if s in ("url", *HINT_SOURCES)]
        independent += [d for v in meta.meta_dates + meta.og_dates + meta.jsonld_dates
                        if utc_hour(v) is None and (d := parse_date(v))]
        local = _local_day(value, raw_first, independent)
        if local is not None:
            value = local
    confidence = CONFIDENCE[source]
    others = {s: d for s, d in cheap[1:] if s != source}
    agreeing = sum(d == value for d in others.values())
    confidence = min(0.99, confidence + 0.04 * agreeing)
    if hint_date and hint_date != value and source not in HINT_SOURCES:
        confidence = max(0.3, confidence - 0.15)
    return DateGuess(value, source, round(confidence, 2))
