"""Polite, bounded HTTP for the scrapers: one `Fetcher`, one `FetchResult`, failures as `ScrapeError`.

The fetcher names itself and a contact, obeys robots.txt (with Crawl-delay), spaces requests to each
host, retries transient failures with exponential back-off and jitter (honouring Retry-After), sends
conditional requests, and bounds everything a hostile server could inflate: redirects, bytes on the
wire, bytes after decompression (done here, in bounded steps, not by urllib3) and total time. It
never connects to private, loopback or link-local addresses unless told to.

Example::

    fetcher = Fetcher(contact="you@example.org")
    result = fetcher.get("https://example.org/news", etag=old_etag)
    if not result.not_modified:
        print(result.text)
"""
from __future__ import annotations

import email.utils
import errno
import math
import os
import random
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict

from scrapers.charset import decode, is_textual, parse_content_type
from scrapers.errors import ScrapeError
from scrapers.netguard import AddressPolicy, AddressRefused, GuardedAdapter, ResolutionFailed
from scrapers.robots import RobotsAnswer, RobotsCache

__all__ = ["Fetcher", "FetchResult", "ScrapeError", "default_user_agent", "parse_retry_after"]

AGENT_TOKEN = "framewatch"
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


def _version() -> str:
    try:
        return metadata.version("framewatch")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def default_user_agent(contact: str | None = None) -> str:
    """``framewatch/<version> (+<contact>)``; `contact` falls back to $FRAMEWATCH_CONTACT.

    Example: ``default_user_agent("you@example.org") == "framewatch/0.1.0 (+you@example.org)"``.
    """
    contact = contact or os.environ.get("FRAMEWATCH_CONTACT")
    if contact:
        return f"{AGENT_TOKEN}/{_version()} (+{contact})"
    return f"{AGENT_TOKEN}/{_version()} (research crawler; no contact configured)"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP-date), None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


@dataclass
class FetchResult:
    """One final HTTP response: what was asked, where it ended, the decoded body and the raw exchange.

    `content` is the body after gzip/deflate decoding; `raw_content` is the body as received and
    `raw_headers` every header line in order (both for WARC archiving). `text` is None for binary
    media types (PDF, images …): callers decide what to do with `content`. `elapsed` is the seconds the
    final request took; `redirects` lists the URLs that redirected, in order, before `final_url`.
    """

    url: str
    final_url: str
    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    text: str | None
    encoding: str | None
    content_type: str
    fetched_at: datetime
    not_modified: bool = False
    elapsed: float = 0.0
    request_headers: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    reason_phrase: str = ""
    http_version: str = "HTTP/1.1"
    raw_headers: list[tuple[str, str]] = field(default_factory=list)
    raw_content: bytes = b""

    @property
    def etag(self) -> str | None:
        """The ETag to send back as `etag=` next time."""
        return self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        """The Last-Modified value to send back as `last_modified=` next time."""
        return self.headers.get("Last-Modified")


class _Failure(Exception):
    """One failed exchange, before retry policy decides whether it becomes a ScrapeError."""

    def __init__(self, reason: str, message: str, retry: bool, status: int | None = None) -> None:
        super().__init__(reason, message)
        self.reason, self.message, self.retry, self.status = reason, message, retry, status


@dataclass
class _Exchange:
    url: str
    status: int
    reason_phrase: str
    http_version: str
    headers: CaseInsensitiveDict[str]
    raw_headers: list[tuple[str, str]]
    content: bytes
    raw_content: bytes
    request_headers: dict[str, str]
    elapsed: float
    fetched_at: datetime


class _Throttle:
    """Per-host request slots: a request to a host starts at least `delay` after the previous one
    started and `delay` after it finished (so a slow server is not sent requests back to back)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, host: str, delay: float) -> float:
        """Book the next slot for `host`; returns how long to sleep before using it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + delay
            return slot - now

    def finished(self, host: str, delay: float) -> None:
        """Record that a request to `host` just ended: the next one waits `delay` from now."""
        self.defer(host, delay)

    def defer(self, host: str, seconds: float) -> None:
        """Make the next request to `host` wait at least `seconds` from now (back-off, Retry-After)."""
        with self._lock:
            now = self._clock()
            self._next[host] = max(self._next.get(host, now), now + seconds)


class _BoundedDecoder:
    """gzip/deflate decoding in bounded steps: more than `limit` output bytes is a decompression bomb."""

    def __init__(self, coding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in coding.split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise _Failure("unsupported_encoding", f"Content-Encoding {coding!r} was not asked for", retry=False)
        self.kind = codings[0] if codings else None
        self.limit = limit
        self.size = 0
        self._parts: list[bytes] = []
        self._pending = b""
        self._wbits = 0
        self._d: Any = None

    def feed(self, data: bytes) -> None:
        if self.kind is None or not data:
            return
        if self._d is None:
            self._pending += data
            if self.kind == "deflate":
                if len(self._pending) < 2:
                    return
                b0, b1 = self._pending[0], self._pending[1]
                zlib_wrapped = (b0 & 0x0F) == 8 and ((b0 << 8) | b1) % 31 == 0
                self._wbits = zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS
            else:
                self._wbits = 16 + zlib.MAX_WBITS
            self._d = zlib.decompressobj(self._wbits)
            data, self._pending = self._pending, b""
        self._inflate(data)

    def _inflate(self, data: bytes) -> None:
        try:
            while data:
                if self._d.eof:
                    if self._wbits > zlib.MAX_WBITS and data.startswith(b"\x1f\x8b"):
                        self._d = zlib.decompressobj(self._wbits)  # the next member of a multi-member gzip
                    else:
                        return  # trailing bytes after the stream: ignored, as browsers do
                self._add(self._d.decompress(data, self.limit - self.size + 1))
                data = self._d.unused_data if self._d.eof else self._d.unconsumed_tail
        except zlib.error as exc:
            raise _Failure("decode_error", f"bad {self.kind} data: {exc}", retry=False) from exc

    def _add(self, out: bytes) -> None:
        self.size += len(out)
        if self.size > self.limit:
            raise _Failure("decompression_bomb",
                           f"{self.kind} body inflates past max_decompressed={self.limit} bytes", retry=False)
        self._parts.append(out)

    def finish(self, raw: bytes) -> bytes:
        """The decoded body (`raw` itself when there was no content coding)."""
        if self.kind is None:
            return raw
        if self._d is None:
            if self._pending:
                raise _Failure("decode_error", f"{self.kind} body too short to decode", retry=False)
            return b""
        try:
            self._add(self._d.flush())
        except zlib.error as exc:
            raise _Failure("decode_error", f"bad {self.kind} data: {exc}", retry=False) from exc
        if not self._d.eof:
            raise _Failure("truncated", f"{self.kind} stream ends before its end marker", retry=True)
        return b"".join(self._parts)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """Every exception linked from `exc`: causes, contexts, and exceptions wrapped in args or `reason`."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend([item.__cause__, item.__context__, *item.args, getattr(item, "reason", None)])


def _caused_by_reset(exc: BaseException) -> bool:
    """Whether a connection reset (ECONNRESET, EPIPE, ECONNABORTED) is anywhere in the chain."""
    return any(isinstance(item, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError))
               or (isinstance(item, OSError) and item.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED))
               for item in _chain(exc))


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of type `kind` in the chain of `exc`, if any."""
    return next((item for item in _chain(exc) if isinstance(item, kind)), None)


_SNIFF_HTML = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE)


def _sniff(content: bytes) -> str:
    """A media type for a response that sent no Content-Type."""
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:5].lower() == b"<?xml":
        return "application/xml"
    if _SNIFF_HTML.match(head):
        return "text/html"
    if b"\x00" in head:
        return "application/octet-stream"
    return "text/plain"


class Fetcher:
    """Polite HTTP GET with robots.txt, per-host delays, retries and hard limits; raises ScrapeError.

    Limits: `max_bytes` on the wire, `max_decompressed` after gzip/deflate, `max_redirects`, and
    `max_time` seconds for one request from sending it to its last body byte (a slow drip ends in
    `timeout`; `timeout=(connect, read)` bounds each socket wait). `clock`/`sleep` (monotonic seconds)
    and `rng` are injectable so tests can check delays without waiting. `on_response(result)` sees every
    final response, including those that then raise (404, 429 after retries, empty), and robots.txt
    answers. An unreachable robots.txt (5xx, network failure) disallows the site for 10 minutes:
    ``robots_unavailable``. The connected-peer address check is mounted only on the session the
    fetcher creates; a caller's own `session` gets the name check before each request only.
    Example: ``Fetcher(contact="you@example.org", min_delay=5).get(url).text``.
    """

    def __init__(self, user_agent: str | None = None, contact: str | None = None, min_delay: float = 5.0,
                 max_retries: int = 4, backoff: float = 1.0, max_backoff: float = 60.0,
                 timeout: float | tuple[float, float] = (10, 30), max_bytes: int = 20_000_000,
                 max_decompressed: int = 50_000_000, max_redirects: int = 5, max_time: float = 120.0,
                 allow_private: bool = False, allow_loopback: bool = False, obey_robots: bool = True,
                 on_response: Callable[[FetchResult], None] | None = None,
                 session: requests.Session | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.user_agent = user_agent or default_user_agent(contact)
        self.contact = contact or os.environ.get("FRAMEWATCH_CONTACT")
        self.min_delay = min_delay
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_decompressed = max_decompressed
        self.max_redirects = max_redirects
        self.max_time = max_time
        self.obey_robots = obey_robots
        self.on_response = on_response
        self.policy = AddressPolicy(allow_private=allow_private, allow_loopback=allow_loopback)
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            adapter = GuardedAdapter(self.policy)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._throttle = _Throttle(clock)
        self.robots = RobotsCache(self._fetch_robots, agent=AGENT_TOKEN, clock=clock)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session if this fetcher created it."""
        if self._own_session:
            self.session.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None,
            accept: str | None = None) -> FetchResult:
        """GET `url` politely; a 304 answer to a conditional request gives ``not_modified=True``.

        Raises ScrapeError with a reason such as ``robots_disallowed``, ``http_404``, ``too_large``.
        """
        return self._get(url, etag, last_modified, accept, obey_robots=self.obey_robots)

    # -- the request chain ------------------------------------------------------------------------

    def _request_headers(self, etag: str | None, last_modified: str | None, accept: str | None) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent, "Accept": accept or DEFAULT_ACCEPT,
                   "Accept-Encoding": "gzip, deflate"}
        if self.contact and "@" in self.contact:
            headers["From"] = self.contact.removeprefix("mailto:")
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _get(self, url: str, etag: str | None, last_modified: str | None, accept: str | None,
             obey_robots: bool) -> FetchResult:
        headers = self._request_headers(etag, last_modified, accept)
        chain: list[str] = []
        current = url
        while True:
            host = self._check_target(url, current)
            delay = self.min_delay
            if obey_robots:
                rules, note = self.robots.lookup(current)
                if note:
                    raise ScrapeError(url, "robots_unavailable", f"{current}: {note}")
                if not rules.allowed(current):
                    raise ScrapeError(url, "robots_disallowed", f"robots.txt disallows {current}")
                delay = max(delay, rules.crawl_delay or 0.0)
            exchange = self._with_retries(url, current, host, delay, headers)
            location = exchange.headers.get("Location")
            if exchange.status not in REDIRECT_STATUSES or not location:
                break
            chain.append(current)
            target = urljoin(current, location.strip())
            if len(chain) > self.max_redirects:
                loop = " (a loop)" if target in chain else ""
                raise ScrapeError(url, "too_many_redirects",
                                  f"more than max_redirects={self.max_redirects} redirects{loop}, last to {target}",
                                  exchange.status)
            current = target
        return self._finish(url, exchange, chain, conditional=bool(etag or last_modified))

    def _check_target(self, url: str, current: str) -> str:
        """Validate the URL and refuse addresses the policy forbids; returns the host key for delays."""
        try:
            parts = urlsplit(current)
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError as exc:
            raise ScrapeError(url, "bad_url", f"cannot parse {current!r}: {exc}") from exc
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ScrapeError(url, "bad_url", f"not an http(s) URL: {current!r}")
        try:
            self.policy.check_host(parts.hostname, port)
        except AddressRefused as exc:
            raise ScrapeError(url, "private_address", f"refused {current}: {exc}") from exc
        except ResolutionFailed as exc:
            raise ScrapeError(url, "dns_error", str(exc)) from exc
        return parts.hostname.lower()

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with equal jitter: between half and all of backoff·2^attempt (capped)."""
        base = min(self.max_backoff, self.backoff * (2 ** attempt))
        return base / 2 + self._rng.uniform(0, base / 2)

    def _with_retries(self, url: str, current: str, host: str, delay: float,
                      headers: dict[str, str]) -> _Exchange:
        for attempt in range(self.max_retries + 1):
            wait = self._throttle.reserve(host, delay)
            if wait > 0:
                self._sleep(wait)
            last_try = attempt == self.max_retries
            try:
                exchange = self._exchange(current, headers)
            except _Failure as failure:
                self._throttle.finished(host, delay)
                if not failure.retry or last_try:
                    tries = f" after {attempt + 1} attempts" if failure.retry else ""
                    raise ScrapeError(url, failure.reason, f"{current}: {failure.message}{tries}",
                                      failure.status) from None
                self._throttle.defer(host, self._backoff(attempt))
                continue
            self._throttle.finished(host, delay)
            if exchange.status in RETRY_STATUSES and not last_try:
                retry_after = parse_retry_after(exchange.headers.get("Retry-After"))
                wait = min(retry_after, self.max_backoff) if retry_after is not None else self._backoff(attempt)
                self._throttle.defer(host, wait)
                continue
            return exchange
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _exchange(self, current: str, headers: dict[str, str]) -> _Exchange:
        """One request and its bounded body; transport failures become _Failure."""
        started = time.monotonic()
        deadline = started + self.max_time
        try:
            response = self.session.get(current, headers=headers, timeout=self.timeout,
                                        allow_redirects=False, stream=True)
        except AddressRefused as exc:
            raise _Failure("private_address", f"connected to a refused address: {exc}", retry=False) from exc
        except requests.exceptions.Timeout as exc:
            raise _Failure("timeout", f"no answer within timeout={self.timeout}: {exc}", retry=True) from exc
        except requests.exceptions.ConnectionError as exc:
            refused = _find(exc, AddressRefused)
            if refused is not None:
                raise _Failure("private_address", f"connected to a refused address: {refused}", retry=False) from exc
            reason = "connection_reset" if _caused_by_reset(exc) else "connection_error"
            raise _Failure(reason, str(exc), retry=True) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema) as exc:
            raise _Failure("bad_url", str(exc), retry=False) from exc
        except requests.exceptions.RequestException as exc:
            raise _Failure("request_error", f"{type(exc).__name__}: {exc}", retry=False) from exc
        try:
            status = response.status_code
            raw = response.raw
            version = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(
                getattr(raw, "version", 11), "HTTP/1.1")
            raw_headers = [(str(k), str(v)) for k, v in raw.headers.items()]
            common = dict(url=current, status=status, reason_phrase=response.reason or "", http_version=version,
                          headers=CaseInsensitiveDict(response.headers), raw_headers=raw_headers,
                          request_headers=dict(response.request.headers),
                          fetched_at=datetime.now(timezone.utc))
            if status in REDIRECT_STATUSES and response.headers.get("Location"):
                return _Exchange(content=b"", raw_content=b"", elapsed=time.monotonic() - started, **common)
            content, raw_content = self._read_body(response, deadline)
            return _Exchange(content=content, raw_content=raw_content, elapsed=time.monotonic() - started,
                             **common)
        finally:
            response.close()

    def _read_body(self, response: requests.Response, deadline: float) -> tuple[bytes, bytes]:
        """Stream the body within max_bytes/max_decompressed/max_time; returns (decoded, as received)."""
        headers = response.headers
        chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        length: int | None = None
        try:
            length = int(headers.get("Content-Length", "").split(",")[0].strip())
        except ValueError:
            length = None
        if length is not None and not chunked and length > self.max_bytes:
            raise _Failure("too_large", f"Content-Length {length} exceeds max_bytes={self.max_bytes}", retry=False)
        decoder = _BoundedDecoder(headers.get("Content-Encoding", ""), self.max_decompressed)
        parts: list[bytes] = []
        total = 0
        read_timeout = self.timeout[1] if isinstance(self.timeout, tuple) else self.timeout
        # Each socket wait is cut to the time left, so a stalled body cannot outlive max_time by a read timeout.
        sock = getattr(getattr(response.raw, "connection", None), "sock", None)
        too_slow = _Failure("timeout", f"body still arriving after max_time={self.max_time}s", retry=False)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise too_slow
            if sock is not None and read_timeout:
                sock.settimeout(min(float(read_timeout), remaining))
            try:
                chunk = response.raw.read1(CHUNK, decode_content=False)
            except urllib3.exceptions.ReadTimeoutError as exc:
                if time.monotonic() >= deadline:
                    raise too_slow from exc
                raise _Failure("timeout", f"body stalled: {exc}", retry=True) from exc
            except (urllib3.exceptions.ProtocolError, OSError) as exc:
                if _caused_by_reset(exc):
                    raise _Failure("connection_reset", f"connection reset after {total} body bytes",
                                   retry=True) from exc
                if _find(exc, urllib3.exceptions.IncompleteRead) is not None or \
                        isinstance(exc, urllib3.exceptions.ProtocolError):
                    raise _Failure("truncated", f"body ends after {total} of {length} bytes", retry=True) from exc
                raise _Failure("connection_error", f"{type(exc).__name__}: {exc}", retry=True) from exc
            if not chunk:
                break
            total += len(chunk)
            if total > self.max_bytes:
                raise _Failure("too_large", f"body exceeds max_bytes={self.max_bytes}", retry=False)
            parts.append(chunk)
            decoder.feed(chunk)
        if length is not None and not chunked and total < length:
            raise _Failure("truncated", f"body ends after {total} of {length} bytes", retry=True)
        raw_content = b"".join(parts)
        return decoder.finish(raw_content), raw_content

    def _finish(self, url: str, exchange: _Exchange, chain: list[str], conditional: bool) -> FetchResult:
        """Build the FetchResult, show it to on_response, then raise for statuses that are failures."""
        header_type = exchange.headers.get("Content-Type")
        media, _ = parse_content_type(header_type)
        content = exchange.content
        not_modified = exchange.status == 304 and conditional
        if not media and content:
            media = _sniff(content)
        text: str | None = None
        encoding: str | None = None
        if content and is_textual(media):
            text, encoding = decode(content, header_type)
        result = FetchResult(
            url=url, final_url=exchange.url, status=exchange.status, headers=exchange.headers, content=content,
            text=text, encoding=encoding, content_type=media, fetched_at=exchange.fetched_at,
            not_modified=not_modified, elapsed=exchange.elapsed, request_headers=exchange.request_headers,
            redirects=chain, reason_phrase=exchange.reason_phrase, http_version=exchange.http_version,
            raw_headers=exchange.raw_headers, raw_content=exchange.raw_content)
        if self.on_response is not None:
            self.on_response(result)
        if not_modified:
            return result
        if not 200 <= exchange.status < 300:
            raise ScrapeError(url, f"http_{exchange.status}",
                              f"HTTP {exchange.status} {exchange.reason_phrase} at {exchange.url}".rstrip(),
                              exchange.status)
        if not content.strip():
            raise ScrapeError(url, "empty", f"HTTP {exchange.status} with an empty body at {exchange.url}",
                              exchange.status)
        return result

    def _fetch_robots(self, robots_url: str) -> RobotsAnswer:
        """Fetch robots.txt for RobotsCache (no robots check on itself; same delays and limits)."""
        try:
            result = self._get(robots_url, None, None, "text/plain, */*;q=0.5", obey_robots=False)
        except ScrapeError as exc:
            if exc.reason == "empty":
                return RobotsAnswer(200, b"")
            if exc.reason == "too_many_redirects":  # RFC 9309: may be treated as unavailable (allow)
                return RobotsAnswer(404, b"", exc.reason)
            return RobotsAnswer(exc.status if exc.status and exc.status >= 400 else None, b"", exc.reason)
        return RobotsAnswer(result.status, result.content)
