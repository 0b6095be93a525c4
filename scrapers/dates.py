"""The publication date of a page, with where it came from, what agrees with it and how far to trust it.

htmldate (`original_date=True`, `extensive_search=True`) decides by default: on trafilatura's
evaluation set it beat every override by our own page sources (JSON-LD, OpenGraph, <meta>, byline),
and on zyte-dev it already takes the publisher's local day where a UTC stamp is a day later. Only
two kinds of evidence override it: a date handed over by a feed, sitemap or API (`hints`), and a full
date in the URL path that htmldate cannot read (`/2019/nov/18/`). The page's own sources then only
label and corroborate the answer. "Updated"/"modified" dates and the crawl date are never used.
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

#: Trust of a date by what backs it. Page dates: the share of htmldate's answers that were the gold day
#: on trafilatura-eval (728 dated pages) when another page source named the same day (0.90, 498 pages),
#: when no other source named a day (0.81, 220 pages) and when others named only other days (0.40,
#: 10 pages). An uncorroborated 1 January from htmldate is mostly a bare year (a copyright line) it
#: filled in: 1 of 4 such answers on dated pages was right there ("year only"). An uncorroborated day
#: that is written in a link to another page (a related article's /2019/04/10/ URL) was right on 2 of
#: 4 dated pages ("linked"; a small sample, kept below the threshold one would use to drop dates).
#: Feed/sitemap/API dates: no development set carries them, so these are priors set above
#: the page's own (see benchmarks/extraction.py for a simulation).
CONFIDENCE = {
    "corroborated": 0.9, "alone": 0.8, "contradicted": 0.4, "linked": 0.5, "year only": 0.25,
    "hint corroborated": 0.97, "hint alone": 0.85, "hint contradicted": 0.6,
    "pdf": 0.75,
}


@dataclass(frozen=True)
class DateGuess:
    """A publication date with its source (one of the contract's `date_source` labels), trust, and the
    sources that name the same day (`evidence`, the deciding one first)."""

    date: dt.date | None
    source: str
    confidence: float
    evidence: tuple[str, ...] = ()

    @classmethod
    def none(cls) -> "DateGuess":
        """No date found."""
        return cls(None, "none", 0.0)


_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d?)-(\d\d?)(?!\d)")
_SLASHED_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)[/.](\d\d?)[/.](\d\d?)(?!\d)")
_DOTTED_DMY = re.compile(r"(?<![\d.])(\d\d?)\.(\d\d?)\.((?:19|20)\d\d)(?!\d)")  # 10.12.2022 is 10 December
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
    if match := _DOTTED_DMY.search(text):
        day, month, year = (int(g) for g in match.groups())
        return _valid(year, month, day)
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


_UPDATED = re.compile(
    r"(?:updated|modified|last changed|aktualisiert|mis à jour)\s*(?:on|am|le|:)?\s*"
    r"(?:[A-Za-z]+day,?\s+)?(" + _TEXT_DATE + ")",
    re.I,
)


def updated_days(text: str | None, head: int = 600) -> set[dt.date]:
    """Days stated as "Updated/Modified … <date>" near the top of the text: never a publication date."""
    found = (parse_date(m.group(1)) for m in _UPDATED.finditer((text or "")[:head]))
    return {day for day in found if day}


def text_date(text: str | None, head: int = 600) -> dt.date | None:
    """A date stated as "Published/Posted … <date>" near the top of the text ("Updated …" ignored)."""
    if not text:
        return None
    match = _PUBLISHED.search(text[:head])
    return parse_date(match.group(1)) if match else None


_SKIP_TAGS = frozenset({"script", "style", "noscript", "nav", "aside", "template"})


def _texts(el: HtmlElement):
    """The text of `el` and its descendants in reading order, skipping scripts, styles, nav and asides."""
    if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
        return
    if el.text:
        yield el.text
    for child in el:
        yield from _texts(child)
        if child.tail:
            yield child.tail


def byline_text(tree: HtmlElement, span: int = 800) -> str:
    """The page text from the headline on (where bylines state dates), or the page's opening text.

    Reads only as far as it needs: the headline's element, then what follows it in the document.
    """
    body = tree.find(".//body")
    root = body if body is not None else tree
    h1 = root.find(".//h1")
    start = h1 if h1 is not None else root
    limit = span + (len(h1.text_content()) if h1 is not None else 0)

    def following():
        yield from _texts(start)
        node = start
        while node is not root and node.getparent() is not None:
            if node.tail:
                yield node.tail
            for sibling in node.itersiblings():
                yield from _texts(sibling)
                if sibling.tail:
                    yield sibling.tail
            node = node.getparent()

    parts, size = [], 0
    for piece in following():
        parts.append(piece)
        size += len(piece)
        if size > 2 * limit:  # whitespace is squeezed below
            break
    return re.sub(r"\s+", " ", " ".join(parts)).strip()[:limit]


def _first(values: list[str]) -> dt.date | None:
    for value in values:
        parsed = parse_date(value)
        if parsed:
            return parsed
    return None


#: the page's own date sources, in the order used to name where a date came from
PAGE_SOURCES = ("jsonld", "opengraph", "meta", "url", "text")


def page_dates(meta: PageMeta, url: str | None = None, byline: str | None = None) -> dict[str, dt.date]:
    """The publication date each of the page's own sources states (keys from `PAGE_SOURCES`);
    `byline` is the text searched for a "Published …" phrase."""
    found = {source: day for source, values in (
        ("jsonld", meta.jsonld_dates), ("opengraph", meta.og_dates), ("meta", meta.meta_dates))
        if (day := _first(values))}
    if in_url := url_date(url):
        found["url"] = in_url
    if stated := text_date(byline):
        found["text"] = stated
    return found


def _path(url: str | None) -> str:
    return re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.I).split("?")[0].rstrip("/")


def linked_days(tree: HtmlElement, url: str | None = None) -> set[dt.date]:
    """Full dates written in the URLs of links to other pages (htmldate's extensive search reads them)."""
    own = _path(url)
    days = set()
    for link in tree.iterfind(".//a[@href]"):
        href = link.get("href")
        if (day := url_date(href)) and (not own or _path(href) != own):
            days.add(day)
    return days


def htmldate_date(page: HtmlElement | str, url: str | None) -> dt.date | None:
    """htmldate's original (publication) date with its extensive search.

    Given the page's HTML string it parses it itself, which is about 4x faster than handing it a tree
    (it deep-copies a tree before pruning it)."""
    from htmldate import find_date

    try:
        found = find_date(page, extensive_search=True, original_date=True,
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
    html: str | None = None,
) -> DateGuess:
    """The publication date: a feed/sitemap/API hint, else a full date in the URL, else htmldate (unless
    the byline calls its day "Updated"), else the first page source that states one.

    `text` (the extracted body) is searched for a "Published …" phrase only when there is no `tree`;
    `html`, the page the tree was parsed from, is what htmldate reads when given (faster).

    The source named is the first page source stating the chosen day (htmldate reads the same
    markup), else the decider. Confidence comes from `CONFIDENCE` by whether any other source names the
    same day (corroborated), only other days (contradicted) or none (alone); an uncorroborated htmldate
    1 January is "year only", an uncorroborated htmldate day written in a link to another page "linked".
    """
    hints = hints or {}
    named = page_dates(meta, url=url, byline=text if tree is None else None)
    # with a full date in the URL htmldate answers from the URL before reading the page: no second parse
    page = tree if html is None or "url" in named else html
    found = htmldate_date(page, url) if tree is not None else None
    if found and found in named.values():
        named["htmldate"] = found
    elif tree is not None:  # the byline is read only when markup and URL do not settle the day
        byline = byline_text(tree)
        if stated := text_date(byline):
            named["text"] = stated
        if found and found not in updated_days(byline):  # htmldate may read "Updated 3 March"
            named["htmldate"] = found
    hint = parse_date(hints.get("date"))
    if hint:
        source = hints.get("date_source") if hints.get("date_source") in HINT_SOURCES else "feed"
        value = hint
    elif "url" in named:  # htmldate reads numeric URL dates itself; this adds /2019/nov/18/
        source, value = "url", named["url"]
    elif "htmldate" in named:
        source, value = "htmldate", named["htmldate"]
    else:
        source = next((s for s in PAGE_SOURCES if s in named), None)
        if source is None:
            return DateGuess.none()
        value = named[source]
    agree = [s for s, day in named.items() if day == value and s != source]
    pattern = "corroborated" if agree else "contradicted" if named.keys() - {source} else "alone"
    if source == "htmldate" and not agree and (value.month, value.day) == (1, 1):
        pattern = "year only"
    elif source == "htmldate" and not agree and value in linked_days(tree, url):
        pattern = "linked"
    backing = {source, *agree}
    if source == "htmldate":
        source = next((s for s in PAGE_SOURCES if s in agree), source)
    evidence = (source, *sorted(backing - {source}))
    return DateGuess(value, source, CONFIDENCE[f"hint {pattern}" if hint else pattern], evidence)
