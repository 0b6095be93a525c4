"""The GDELT DOC 2.0 API (``mode=ArtList``): article lists for a query over a date range.

The API returns at most 250 articles per request and asks for at most one request every 5 seconds.
Discovery walks the range in slices (``slice_days``); a slice that comes back full is split in halves,
recursively, down to ``min_slice_minutes``. Pacing is the Fetcher's per-host delay (``min_delay``, 5 s by
default); when a Fetcher is configured faster than ``min_interval``, the source waits the difference itself.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapers.dates import parse_date
from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, in_range

DEFAULT_BASE = "https://api.gdeltproject.org/api/v2/doc/doc"
MAX_RECORDS = 250
STAMP = "%Y%m%d%H%M%S"

# GDELT names languages in English; the corpus uses ISO 639-1 codes.
LANGUAGES = {
    "english": "en", "french": "fr", "spanish": "es", "german": "de", "portuguese": "pt", "italian": "it",
    "dutch": "nl", "swedish": "sv", "norwegian": "no", "danish": "da", "finnish": "fi", "polish": "pl",
    "czech": "cs", "slovak": "sk", "hungarian": "hu", "romanian": "ro", "greek": "el", "russian": "ru",
    "ukrainian": "uk", "turkish": "tr", "arabic": "ar", "hebrew": "he", "chinese": "zh", "japanese": "ja",
    "korean": "ko", "catalan": "ca", "croatian": "hr", "slovenian": "sl", "indonesian": "id", "hindi": "hi",
}


def gdelt_query(terms: list[str], filters: str | None = None) -> str:
    """The DOC API query string: several terms are OR-ed inside parentheses, as GDELT requires.

    >>> gdelt_query(['"safe injection"', '"overdose prevention"'], "sourcelang:english")
    '("safe injection" OR "overdose prevention") sourcelang:english'
    """
    terms = [t.strip() for t in terms if t.strip()]
    query = terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")" if terms else ""
    return " ".join(p for p in (query, (filters or "").strip()) if p)


def parse_artlist(data: bytes, url: str) -> list[dict[str, Any]]:
    """The ``articles`` of an ArtList JSON response; [] for GDELT's empty answers (``{}`` or no body).

    GDELT reports query problems as a plain-text 200 response: that becomes ScrapeError `api_error`.
    """
    text = data.decode("utf-8", errors="replace").strip()
    if not text or text == "{}":
        return []
    try:
        doc = json.loads(text, strict=False)  # titles sometimes carry raw control characters
    except (ValueError, RecursionError) as exc:
        raise ScrapeError(url, "api_error", f"GDELT answered: {text[:200]}") from exc
    if not isinstance(doc, dict):
        raise ScrapeError(url, "parse_error", "GDELT ArtList response is not a JSON object")
    articles = doc.get("articles", [])
    if not isinstance(articles, list):
        raise ScrapeError(url, "parse_error", "GDELT ArtList 'articles' is not a list")
    return [a for a in articles if isinstance(a, dict)]


def article_candidate(article: dict[str, Any], source: str) -> Candidate | None:
    """A Candidate from one ArtList article (url, title, seendate, domain, language, sourcecountry)."""
    url = article.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    seen = parse_date(article.get("seendate"))
    lang_name = article.get("language") if isinstance(article.get("language"), str) else None
    title = article.get("title") if isinstance(article.get("title"), str) else None
    return Candidate(
        url=url,
        source=source,
        title=title.strip() or None if title else None,
        date=seen,
        date_source="api" if seen else None,
        outlet=article.get("domain") or None,
        language=LANGUAGES.get((lang_name or "").lower()),
        extra={
            "seendate": article.get("seendate"),
            "sourcecountry": article.get("sourcecountry") or None,
            "language_name": lang_name,
        },
    )


UNREACHABLE = {"dns_error", "connection_error", "private_address", "robots_disallowed", "robots_unavailable"}

class GdeltSource(Source):
    """Articles the GDELT DOC 2.0 API finds for the query terms, sliced so no slice hits the 250 cap.

    Options: ``query`` (required), ``filters`` (extra GDELT operators, e.g. ``sourcelang:english``),
    ``slice_days`` (default 7), ``min_slice_minutes`` (default 60), ``lookback_days`` (when no `since`,
    default 90), ``min_interval`` (seconds between API requests, default 5), ``base_url``.
    """

    kind = "gdelt"
    DEFAULT_BASE = DEFAULT_BASE
    QUERY_REQUIRED = True
    OPTIONS = {
        "filters": Option((str,)),
        "slice_days": Option((int, float), default=7.0),
        "min_slice_minutes": Option((int, float), default=60.0),
        "lookback_days": Option((int,), default=90),
        "min_interval": Option((int, float), default=5.0),
    }

    def __init__(self, name: str, options: dict[str, Any], fetcher: Any) -> None:
        super().__init__(name, options, fetcher)
        if self.options["slice_days"] <= 0 or self.options["min_slice_minutes"] <= 0:
            raise ValueError(f"source {name!r} (kind gdelt): 'slice_days' and 'min_slice_minutes' must be > 0")
        self.query_string = gdelt_query(as_list(self.options["query"]), self.options["filters"])
        self.clock: Callable[[], float] = time.monotonic  # injectable, so tests check pacing without waiting
        self.sleep: Callable[[float], None] = time.sleep
        self._last_request: float | None = None

    def _pace(self) -> None:
        """Keep `min_interval` seconds between API requests when the Fetcher's per-host delay is shorter."""
        interval = self.options["min_interval"]
        if getattr(self.fetcher, "min_delay", 0.0) >= interval:
            return  # the Fetcher already spaces requests to one host at least this far apart
        if self._last_request is not None:
            wait = interval - (self.clock() - self._last_request)
            if wait > 0:
                self.sleep(wait)
        self._last_request = self.clock()

    def slice_url(self, start: dt.datetime, end: dt.datetime) -> str:
        """The ArtList request URL for one slice [start, end] (both inclusive, second resolution)."""
        params = {
            "query": self.query_string,
            "mode": "ArtList",
            "format": "json",
            "maxrecords": str(MAX_RECORDS),
            "sort": "DateAsc",
            "STARTDATETIME": start.strftime(STAMP),
            "ENDDATETIME": end.strftime(STAMP),
        }
        return f"{self.base_url}?{urlencode(params)}"

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Every article GDELT lists for the query in [since, until], slice by slice, oldest first."""
        self.errors = []
        today = dt.datetime.now(dt.timezone.utc).date()
        until = until or today
        since = since or (until - dt.timedelta(days=self.options["lookback_days"]))
        start = dt.datetime.combine(since, dt.time.min)
        stop = dt.datetime.combine(until, dt.time(23, 59, 59))
        step = dt.timedelta(days=self.options["slice_days"])
        seen: set[str] = set()
        while start <= stop:
            end = min(start + step - dt.timedelta(seconds=1), stop)
            for cand in self._slice(start, end):
                if cand.url not in seen and in_range(cand.date, since, until):
                    seen.add(cand.url)
                    cand.outlet = cand.outlet or self.options["outlet"]
                    yield cand
            start = end + dt.timedelta(seconds=1)
        self.raise_recorded()

    def _slice(self, start: dt.datetime, end: dt.datetime) -> Iterator[Candidate]:
        url = self.slice_url(start, end)
        self._pace()
        try:
            articles = parse_artlist(self.get(url).content, url)
        except ScrapeError as exc:
            if exc.reason in UNREACHABLE:  # the API itself is out of reach: the other slices would fail too
                raise
            if exc.reason != "empty":  # GDELT answers an empty body when nothing matched
                self.record(exc)  # one failed slice leaves a recorded gap, not a lost run
            return
        if len(articles) >= MAX_RECORDS:
            if end - start >= dt.timedelta(minutes=self.options["min_slice_minutes"]):
                mid = start + (end - start) / 2
                mid = mid.replace(microsecond=0)
                yield from self._slice(start, mid)
                yield from self._slice(mid + dt.timedelta(seconds=1), end)
                return
            self.record(ScrapeError(url, "limit_reached",
                                    f"GDELT slice {start:%Y-%m-%d %H:%M}–{end:%H:%M} still returns "
                                    f"{MAX_RECORDS} articles; some may be missing"))
        for article in articles:
            cand = article_candidate(article, self.name)
            if cand is not None:
                yield cand

