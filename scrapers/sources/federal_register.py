"""The US Federal Register API (``/api/v1/documents.json``): rules, notices and proposed rules by search term.

Discovery follows ``next_page_url``; fetching prefers the plain text (``raw_text_url``), then the body
HTML (``body_html_url``), then the page (``html_url``), then the PDF, falling through on errors.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapers.dates import parse_date
from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, in_range

DEFAULT_BASE = "https://www.federalregister.gov/api/v1"
OUTLET = "Federal Register"
FIELDS = ("title", "type", "abstract", "document_number", "publication_date", "html_url", "pdf_url",
          "body_html_url", "raw_text_url", "agencies")
FETCH_ORDER = ("raw_text_url", "body_html_url", "html_url", "pdf_url")


def fr_term(terms: list[str]) -> str:
    """Terms OR-ed in the Federal Register's search syntax (``|``), phrases kept in quotes."""
    return " | ".join(t.strip() for t in terms if t.strip())


def parse_documents_page(data: bytes, url: str) -> tuple[list[dict[str, Any]], str | None]:
    """The ``results`` and ``next_page_url`` of one documents.json page (no results → [])."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScrapeError(url, "parse_error", f"Federal Register response is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ScrapeError(url, "parse_error", "Federal Register response is not a JSON object")
    if "errors" in doc and "results" not in doc:
        raise ScrapeError(url, "api_error", f"Federal Register answered: {str(doc['errors'])[:200]}")
    results = doc.get("results", [])
    if not isinstance(results, list):
        raise ScrapeError(url, "parse_error", "Federal Register 'results' is not a list")
    nxt = doc.get("next_page_url")
    return [r for r in results if isinstance(r, dict)], (nxt if isinstance(nxt, str) and nxt else None)


def document_candidate(doc: dict[str, Any], source: str) -> Candidate | None:
    """A Candidate from one Federal Register result; the fetchable URLs go into ``extra``."""
    url = doc.get("html_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    published = parse_date(doc.get("publication_date"))
    agencies = [a.get("name") for a in doc.get("agencies") or [] if isinstance(a, dict) and a.get("name")]
    title = doc.get("title") if isinstance(doc.get("title"), str) else None
    return Candidate(
        url=url,
        source=source,
        title=title.strip() or None if title else None,
        date=published,
        date_source="api" if published else None,
        outlet=OUTLET,
        language="en",
        extra={
            "document_number": doc.get("document_number"),
            "type": doc.get("type"),
            "abstract": doc.get("abstract"),
            "agencies": agencies,
            **{k: doc.get(k) for k in FETCH_ORDER if isinstance(doc.get(k), str) and doc.get(k)},
        },
    )


class FederalRegisterSource(Source):
    """Federal Register documents matching the query terms, newest first, following ``next_page_url``.

    Options: ``query`` (required), ``agencies`` (agency slugs), ``document_types`` (``RULE``, ``PRORULE``,
    ``NOTICE``, ``PRESDOCU``), ``max_pages`` (default 100), ``base_url`` (default the v1 API root).
    """

    kind = "federal_register"
    DEFAULT_BASE = DEFAULT_BASE
    QUERY_REQUIRED = True
    OPTIONS = {
        "agencies": Option((list,), default=[], list_of=str),
        "document_types": Option((list,), default=[], list_of=str),
        "max_pages": Option((int,), default=100),
    }

    def search_url(self, since: dt.date | None, until: dt.date | None) -> str:
        """The first documents.json URL for the query over [since, until]."""
        params: list[tuple[str, str]] = [("conditions[term]", fr_term(as_list(self.options["query"])))]
        if since is not None:
            params.append(("conditions[publication_date][gte]", since.isoformat()))
        if until is not None:
            params.append(("conditions[publication_date][lte]", until.isoformat()))
        params += [("conditions[agencies][]", a) for a in self.options["agencies"]]
        params += [("conditions[type][]", t) for t in self.options["document_types"]]
        params += [("fields[]", f) for f in FIELDS]
        params += [("per_page", "100"), ("order", "newest")]
        return f"{self.base_url}/documents.json?{urlencode(params)}"

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Every matching document published in [since, until], page by page."""
        url: str | None = self.search_url(since, until)
        pages: set[str] = set()
        seen: set[str] = set()
        while url is not None:
            if url in pages or len(pages) >= self.options["max_pages"]:
                raise ScrapeError(url, "limit_reached",
                                  f"source {self.name!r}: stopped after {len(pages)} pages (max_pages or a loop)")
            pages.add(url)
            results, url = parse_documents_page(self.get(url).content, url)
            for doc in results:
                cand = document_candidate(doc, self.name)
                if cand is not None and cand.url not in seen and in_range(cand.date, since, until):
                    seen.add(cand.url)
                    yield cand

    def fetch(self, candidate: Candidate) -> Any:
        """Extract the best available form: plain text, body HTML, page, then PDF; the last error if all fail."""
        from scrapers.extract import extract_response

        urls = [candidate.extra[k] for k in FETCH_ORDER if candidate.extra.get(k)] or [candidate.url]
        error: ScrapeError | None = None
        for url in urls:
            try:
                extraction = extract_response(self.get(url), hints=candidate.hints())
            except ScrapeError as exc:
                error = exc
                continue
            if extraction.text and extraction.text.strip():
                extraction.url = candidate.url
                return self.finish(extraction, candidate)
            error = ScrapeError(url, "empty", "no text extracted")
        assert error is not None
        raise error
