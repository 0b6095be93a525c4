"""The one small interface every document source shares, its option checking and the source registry.

A source is configured by name from a TOML table, e.g.::

    [sources.city_feed]
    kind = "rss"
    url = "https://example.org/feed.xml"
    query = ["\\"supervised consumption\\"", "overdose prevention"]

and built with ``build_source("rss", "city_feed", table_without_kind, fetcher)``.
"""
from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urljoin, urlsplit

from scrapers.errors import ScrapeError

if TYPE_CHECKING:  # the Fetcher is only passed through; importing it here is not needed at run time
    from scrapers.http import Fetcher

DATE_SOURCES = ("feed", "sitemap", "api")


@dataclass
class Candidate:
    """A document a source found: its URL plus whatever title, date, outlet and language the source knows."""

    url: str
    source: str
    title: str | None = None
    date: dt.date | None = None
    date_source: str | None = None
    outlet: str | None = None
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def hints(self) -> dict[str, Any]:
        """The evidence handed to `scrapers.extract` as `hints` (title, date, date_source, outlet, language)."""
        out: dict[str, Any] = {}
        for key in ("title", "date", "date_source", "outlet", "language"):
            value = getattr(self, key)
            if value is not None and value != "":
                out[key] = value
        return out


@dataclass(frozen=True)
class Option:
    """How one configuration key of a source is checked: its type(s), whether it is required, its default."""

    types: tuple[type, ...]
    required: bool = False
    default: Any = None
    list_of: type | None = None  # when a list is given, the type each item must have


def _describe(types: tuple[type, ...], list_of: type | None) -> str:
    names = [t.__name__ for t in types]
    if list_of is not None:
        names = [f"list of {list_of.__name__}" if n == "list" else n for n in names]
    return " or ".join(names)


def validate_options(name: str, kind: str, options: Mapping[str, Any], spec: Mapping[str, Option]) -> dict[str, Any]:
    """Check a source's TOML table against `spec`; return the options with defaults filled in.

    Raises ValueError naming the source and the offending key, e.g.
    ``source 'city_feed' (kind rss): option 'max_pages' must be int, got str``.
    """
    if not isinstance(options, Mapping):
        raise ValueError(f"source {name!r} (kind {kind}): options must be a table, got {type(options).__name__}")
    unknown = sorted(set(options) - set(spec) - {"kind"})
    if unknown:
        allowed = ", ".join(sorted(spec))
        raise ValueError(f"source {name!r} (kind {kind}): unknown option {unknown[0]!r} (allowed: {allowed})")
    out: dict[str, Any] = {}
    for key, opt in spec.items():
        if key not in options or options[key] is None:
            if opt.required:
                raise ValueError(f"source {name!r} (kind {kind}): option {key!r} is required")
            out[key] = list(opt.default) if isinstance(opt.default, list) else opt.default
            continue
        value = options[key]
        # bool is an int subclass: a `true` where a number is expected is a mistake worth naming
        ok = isinstance(value, opt.types) and not (isinstance(value, bool) and bool not in opt.types)
        if ok and isinstance(value, list) and opt.list_of is not None:
            ok = all(isinstance(v, opt.list_of) and not isinstance(v, bool) for v in value)
        if not ok:
            raise ValueError(
                f"source {name!r} (kind {kind}): option {key!r} must be {_describe(opt.types, opt.list_of)}, "
                f"got {type(value).__name__} {value!r:.60}"
            )
        if float in opt.types and isinstance(value, int):
            value = float(value)
        out[key] = value
    return out


def as_list(value: str | list[str] | None) -> list[str]:
    """A string option that may also be a list, as a list (None → [])."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# ---------------------------------------------------------------- query terms

_TERM = re.compile(r'"([^"]+)"|(\S+)')


class QueryMatcher:
    """Case-insensitive matching of configured query terms against what a source knows of a document.

    Each configured term matches on its own (terms are OR-ed). Inside a term, quoted phrases must occur
    as written and bare words must all occur: ``'"safe injection" site'`` needs the phrase and the word.
    Hyphens, underscores and slashes count as spaces, so URL slugs match too.
    """

    def __init__(self, terms: list[str]) -> None:
        self.terms = terms
        self._parsed: list[list[str]] = []
        for term in terms:
            parts = [_norm(m.group(1) or m.group(2)) for m in _TERM.finditer(term)]
            parts = [p for p in parts if p and p.upper() not in {"OR", "AND"}]
            if parts:
                self._parsed.append(parts)

    def __bool__(self) -> bool:
        return bool(self._parsed)

    def matches(self, *texts: str | None) -> bool:
        """True when no terms are configured, or when any term matches the joined texts."""
        if not self._parsed:
            return True
        hay = " " + _norm(" ".join(t for t in texts if t)) + " "
        return any(all(_contains(hay, p) for p in parts) for parts in self._parsed)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def _contains(hay: str, phrase: str) -> bool:
    return f" {phrase} " in hay


def http_url(ref: object, base: str) -> str | None:
    """`ref` resolved against `base` when that gives an http(s) URL; None for anything else, damaged
    references ("http://[") included."""
    if not isinstance(ref, str) or not ref.strip():
        return None
    try:
        url = urljoin(base, ref.strip())
    except ValueError:
        return None
    return url if url.startswith(("http://", "https://")) else None


def url_words(url: str) -> str:
    """The words of a URL's path (its slug), for matching query terms when nothing else is known."""
    try:
        return unquote(urlsplit(url).path)
    except ValueError:
        return ""


# ---------------------------------------------------------------- dates



def in_range(day: dt.date | None, since: dt.date | None, until: dt.date | None) -> bool:
    """True when `day` lies in [since, until] (both inclusive, either open); an unknown day is kept."""
    if day is None:
        return True
    if since is not None and day < since:
        return False
    return until is None or day <= until


# ---------------------------------------------------------------- sources

class Source:
    """Base class of every source: holds the name, checked options and the Fetcher; fetches and extracts.

    Subclasses set `kind` and `OPTIONS` and implement `discover`; most keep the default `fetch`. API
    sources also set `DEFAULT_BASE` (the real service, overridable with the `base_url` option) and
    `QUERY_REQUIRED`.
    """

    kind: ClassVar[str] = ""
    DEFAULT_BASE: ClassVar[str | None] = None
    QUERY_REQUIRED: ClassVar[bool] = False
    OPTIONS: ClassVar[dict[str, Option]] = {}
    COMMON: ClassVar[dict[str, Option]] = {
        "query": Option((list, str), default=[], list_of=str),
        "base_url": Option((str,)),
        "outlet": Option((str,)),
        "language": Option((str,)),
    }

    def __init__(self, name: str, options: Mapping[str, Any], fetcher: Fetcher | None) -> None:
        self.name = name
        self.options = validate_options(name, self.kind, options, {**self.COMMON, **self.OPTIONS})
        self.fetcher = fetcher
        self.query = QueryMatcher(as_list(self.options["query"]))
        if self.QUERY_REQUIRED and not self.query.terms:
            raise ValueError(f"source {name!r} (kind {self.kind}): option 'query' is required")
        base = self.options["base_url"] or self.DEFAULT_BASE
        self.base_url = base.rstrip("/") if base else None
        self.errors: list[ScrapeError] = []

    def record(self, error: ScrapeError) -> None:
        """Keep a failure that should not stop discovery (one bad child sitemap, one dead link)."""
        self.errors.append(error)

    def raise_recorded(self) -> None:
        """After everything else was yielded, re-raise the first recorded failure so it is reported."""
        if self.errors:
            first = self.errors[0]
            more = f" (and {len(self.errors) - 1} more failures)" if len(self.errors) > 1 else ""
            raise ScrapeError(first.url, first.reason, f"source {self.name!r}: {first.message}{more}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Candidates published in [since, until] that match the query terms, as far as the source can tell."""
        raise NotImplementedError

    def fetch(self, candidate: Candidate) -> Any:
        """Download the candidate with the Fetcher and extract it, passing the source's evidence as hints."""
        from scrapers.extract import extract_response

        result = self.get(candidate.url)
        return self.finish(extract_response(result, hints=candidate.hints()), candidate)

    def finish(self, extraction: Any, candidate: Candidate) -> Any:
        """Fill the extraction's missing outlet and language from what the source knew."""
        if not extraction.outlet and candidate.outlet:
            extraction.outlet = candidate.outlet
        if not extraction.language and candidate.language:
            extraction.language = candidate.language
        return extraction

    def get(self, url: str, **kwargs: Any) -> Any:
        """`Fetcher.get`, with a clear error when the source was built without a fetcher."""
        if self.fetcher is None:
            raise ScrapeError(url, "no_fetcher", f"source {self.name!r} was built without a Fetcher")
        return self.fetcher.get(url, **kwargs)

    def candidate(self, url: str, **fields: Any) -> Candidate:
        """A Candidate from this source, with the configured outlet/language as fallbacks."""
        fields.setdefault("outlet", None)
        fields.setdefault("language", None)
        fields["outlet"] = fields["outlet"] or self.options.get("outlet")
        fields["language"] = fields["language"] or self.options.get("language")
        return Candidate(url=url, source=self.name, **fields)


_KINDS: dict[str, str] = {
    "rss": "scrapers.sources.feeds:FeedSource",
    "sitemap": "scrapers.sources.sitemaps:SitemapSource",
    "gdelt": "scrapers.sources.gdelt:GdeltSource",
    "mediacloud": "scrapers.sources.mediacloud:MediaCloudSource",
    "federal_register": "scrapers.sources.federal_register:FederalRegisterSource",
    "crawl": "scrapers.sources.crawl:CrawlSource",
    "warc": "scrapers.sources.warc:WarcSource",
}
KINDS = tuple(_KINDS)


def source_class(kind: str) -> type[Source]:
    """The Source class for a kind name (``rss``, ``sitemap``, ``gdelt`` …); ValueError for unknown kinds."""
    target = _KINDS.get(kind)
    if target is None:
        raise ValueError(f"unknown source kind {kind!r} (known: {', '.join(_KINDS)})")
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


def build_source(kind: str, name: str, options: Mapping[str, Any], fetcher: Fetcher | None) -> Source:
    """Make a configured source from its TOML table; ValueError names the source and the bad key.

    Example: ``build_source("gdelt", "gdelt_sites", {"query": ['"supervised consumption"']}, fetcher)``.
    """
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"source {name!r}: option 'kind' is required (one of {', '.join(_KINDS)})")
    if kind not in _KINDS:
        raise ValueError(f"source {name!r}: unknown kind {kind!r} (known: {', '.join(_KINDS)})")
    return source_class(kind)(name, options, fetcher)
