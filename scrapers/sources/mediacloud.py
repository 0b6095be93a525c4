"""The Media Cloud search API (v4, ``/api/search/story-list``): stories matching a query, paginated.

The API key is read from an environment variable (``MEDIACLOUD_API_KEY`` unless ``api_key_env`` says
otherwise) and sent as ``Authorization: Token <key>``; it never appears in configuration files.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from scrapers.dates import parse_date
from scrapers.errors import ScrapeError
from scrapers.sources.base import Candidate, Option, Source, as_list, in_range

DEFAULT_BASE = "https://search.mediacloud.org"
PLATFORM = "onlinenews-mediacloud"


class TokenAuth(requests.auth.AuthBase):
    """Adds ``Authorization: Token <key>`` to requests for one host only; other hosts get `inner` (if any)."""

    def __init__(self, host: str, key: str, inner: Any = None) -> None:
        self.host, self.key, self.inner = host, key, inner

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if urlsplit(request.url or "").hostname == self.host:
            request.headers["Authorization"] = f"Token {self.key}"
            return request
        return self.inner(request) if self.inner is not None else request


@contextmanager
def token_auth(fetcher: Any, host: str, key: str) -> Iterator[None]:
    """While active, the Fetcher's session authenticates requests to `host` with the API key.

    The Fetcher's `get` takes no extra headers, so the key rides on a host-bound requests auth hook
    for the duration of one request, never reaching another host (redirects included).
    """
    session = getattr(fetcher, "session", None)
    if session is None:
        yield
        return
    previous = session.auth
    session.auth = TokenAuth(host, key, previous)
    try:
        yield
    finally:
        session.auth = previous


def mediacloud_query(terms: list[str]) -> str:
    """Terms OR-ed in Media Cloud's query syntax (each term kept as written, quotes included)."""
    terms = [t.strip() for t in terms if t.strip()]
    return terms[0] if len(terms) == 1 else " OR ".join(f"({t})" for t in terms)


def parse_story_page(data: bytes, url: str) -> tuple[list[dict[str, Any]], str | None]:
    """The ``stories`` and the next ``pagination_token`` (None on the last page) of one response."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScrapeError(url, "parse_error", f"Media Cloud response is not JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("stories"), list):
        raise ScrapeError(url, "parse_error", "Media Cloud response has no 'stories' list")
    token = doc.get("pagination_token")
    return [s for s in doc["stories"] if isinstance(s, dict)], (str(token) if token else None)


def story_candidate(story: dict[str, Any], source: str) -> Candidate | None:
    """A Candidate from one story (id, media_name, media_url, title, publish_date, url, language, indexed_date)."""
    url = story.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    published = parse_date(story.get("publish_date"))
    title = story.get("title") if isinstance(story.get("title"), str) else None
    lang = story.get("language") if isinstance(story.get("language"), str) else None
    return Candidate(
        url=url,
        source=source,
        title=title.strip() or None if title else None,
        date=published,
        date_source="api" if published else None,
        outlet=story.get("media_name") or None,
        language=lang.lower()[:2] if lang else None,
        extra={
            "mediacloud_id": story.get("id"),
            "media_url": story.get("media_url"),
            "indexed_date": story.get("indexed_date"),
        },
    )


class MediaCloudSource(Source):
    """Stories from Media Cloud's online-news search for the query terms, following pagination tokens.

    Options: ``query`` (required), ``sources`` / ``collections`` (Media Cloud ids, sent as ``ss`` / ``cs``),
    ``api_key_env`` (default ``MEDIACLOUD_API_KEY``), ``lookback_days`` (when no `since`, default 31),
    ``max_pages`` (default 1000), ``base_url``.
    """

    kind = "mediacloud"
    DEFAULT_BASE = DEFAULT_BASE
    QUERY_REQUIRED = True
    OPTIONS = {
        "sources": Option((list,), default=[], list_of=int),
        "collections": Option((list,), default=[], list_of=int),
        "api_key_env": Option((str,), default="MEDIACLOUD_API_KEY"),
        "lookback_days": Option((int,), default=31),
        "max_pages": Option((int,), default=1000),
    }

    def api_key(self) -> str:
        """The key from the configured environment variable; ScrapeError `missing_api_key` naming it."""
        env = self.options["api_key_env"]
        key = os.environ.get(env, "").strip()
        if not key:
            raise ScrapeError(f"{self.base_url}/api/search/story-list", "missing_api_key",
                              f"source {self.name!r}: set the environment variable {env} to a Media Cloud API key")
        return key

    def page_url(self, since: dt.date, until: dt.date, token: str | None = None) -> str:
        """The story-list URL for [since, until], optionally at a pagination token."""
        params: dict[str, str] = {
            "q": mediacloud_query(as_list(self.options["query"])),
            "start": since.isoformat(),
            "end": until.isoformat(),
            "platform": PLATFORM,
        }
        if self.options["sources"]:
            params["ss"] = ",".join(str(s) for s in self.options["sources"])
        if self.options["collections"]:
            params["cs"] = ",".join(str(c) for c in self.options["collections"])
        if token:
            params["pagination_token"] = token
        return f"{self.base_url}/api/search/story-list?{urlencode(params)}"

    def discover(self, since: dt.date | None = None, until: dt.date | None = None) -> Iterator[Candidate]:
        """Every story Media Cloud lists for the query in [since, until], page by page."""
        key = self.api_key()
        until = until or dt.datetime.now(dt.timezone.utc).date()
        since = since or (until - dt.timedelta(days=self.options["lookback_days"]))
        token: str | None = None
        seen_tokens: set[str] = set()
        seen: set[str] = set()
        for _ in range(self.options["max_pages"]):
            url = self.page_url(since, until, token)
            with token_auth(self.fetcher, urlsplit(self.base_url).hostname or "", key):
                result = self.get(url, accept="application/json")
            stories, token = parse_story_page(result.content, url)
            for story in stories:
                cand = story_candidate(story, self.name)
                if cand is not None and cand.url not in seen and in_range(cand.date, since, until):
                    seen.add(cand.url)
                    yield cand
            if token is None or token in seen_tokens:
                return
            seen_tokens.add(token)
        raise ScrapeError(self.base_url, "limit_reached",
                          f"source {self.name!r}: stopped after max_pages={self.options['max_pages']} pages")
