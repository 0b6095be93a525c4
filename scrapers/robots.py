"""robots.txt rules (RFC 9309, plus Crawl-delay and Sitemap lines) and a per-site cache of them.

urllib.robotparser applies the first matching rule and knows no ``*``/``$`` wildcards, so real
robots.txt files (which rely on longest-match precedence) are misread; this module follows RFC 9309:
the group for our product token (else ``*``), the longest matching pattern wins, Allow wins a tie.

What an unavailable robots.txt means (RFC 9309 §2.3.1): a 4xx answer (404, and also 401/403) means
no rules, so everything is allowed; a 5xx answer or a network failure means the site is unreachable
and everything is disallowed for `error_ttl` seconds (10 minutes by default), after which robots.txt
is asked for again. Successful answers are cached for `ttl` seconds (a day).
"""
from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309: parse at least the first 500 KiB


def _normalize(path: str) -> str:
    """Percent-encode what needs it and upper-case existing escapes so patterns and paths compare."""
    encoded = quote(path, safe="/?=&;:@!$'()*+,-._~%")
    return re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), encoded)


@dataclass(frozen=True)
class _Rule:
    allow: bool
    pattern: str
    regex: re.Pattern[str]

    @classmethod
    def make(cls, allow: bool, pattern: str) -> _Rule:
        pattern = _normalize(pattern)
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        regex = ".*".join(re.escape(part) for part in body.split("*")) + ("$" if anchored else "")
        return cls(allow, pattern, re.compile(regex, re.DOTALL))


@dataclass
class RobotsRules:
    """The rules of one robots.txt that apply to one user agent.

    Example: ``parse_robots("User-agent: *\\nDisallow: /private", "framewatch").allowed("/private/x")``
    is False.
    """

    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    disallow_all: bool = False

    def allowed(self, url_or_path: str) -> bool:
        """Whether the path (or the path of a full URL) may be fetched."""
        if self.disallow_all:
            return False
        parts = urlsplit(url_or_path)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if path == "/robots.txt":
            return True
        path = _normalize(path)
        best: _Rule | None = None
        for rule in self.rules:
            if rule.regex.match(path) and (
                best is None or len(rule.pattern) > len(best.pattern)
                or (len(rule.pattern) == len(best.pattern) and rule.allow and not best.allow)
            ):
                best = rule
        return best is None or best.allow


def _agent_matches(line_value: str, agent: str) -> bool:
    token = line_value.strip().split("/", 1)[0].strip().lower()
    return token == agent.lower()


def parse_robots(text: str, agent: str) -> RobotsRules:
    """Parse robots.txt `text` into the rules for product token `agent` (case-insensitive).

    Groups naming the agent are merged; without one the ``*`` groups apply; without either,
    everything is allowed. Crawl-delay is taken from the applying groups.
    """
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    sitemaps: list[str] = []
    agents: list[str] = []
    lines: list[tuple[str, str]] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower().replace("_", "-")
        if key == "sitemap":
            if value:
                sitemaps.append(value)
        elif key == "user-agent":
            if in_rules:
                groups.append((agents, lines))
                agents, lines, in_rules = [], [], False
            agents.append(value)
        elif key in ("allow", "disallow", "crawl-delay") and agents:
            in_rules = True
            lines.append((key, value))
    if agents:
        groups.append((agents, lines))
    chosen = [g for g in groups if any(_agent_matches(a, agent) for a in g[0])]
    if not chosen:
        chosen = [g for g in groups if any(a.strip() == "*" for a in g[0])]
    rules: list[_Rule] = []
    delay: float | None = None
    for _, group_lines in chosen:
        for key, value in group_lines:
            if key == "crawl-delay":
                try:
                    seconds = float(value)
                except ValueError:
                    continue
                if math.isfinite(seconds) and seconds >= 0:
                    delay = max(delay or 0.0, seconds)
            elif value:  # an empty Disallow allows everything; an empty Allow says nothing
                rules.append(_Rule.make(key == "allow", value))
    return RobotsRules(rules=rules, crawl_delay=delay, sitemaps=sitemaps)


@dataclass
class RobotsAnswer:
    """What fetching one robots.txt gave: the HTTP status (None on a network failure) and the body."""

    status: int | None
    body: bytes = b""
    error: str = ""


class RobotsCache:
    """robots.txt per site (scheme, host, port), fetched once through `fetch` and cached.

    `fetch(robots_url) -> RobotsAnswer` does the HTTP; `agent` is the product token matched against
    User-agent lines. Thread-safe: concurrent callers for one site wait for a single fetch.
    """

    def __init__(self, fetch: Callable[[str], RobotsAnswer], agent: str = "framewatch",
                 ttl: float = 86_400.0, error_ttl: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fetch = fetch
        self.agent = agent
        self.ttl = ttl
        self.error_ttl = error_ttl
        self.clock = clock
        self._cache: dict[str, tuple[float, RobotsRules, str]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @staticmethod
    def robots_url(url: str) -> str:
        """The robots.txt URL governing `url`."""
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}/robots.txt"

    def lookup(self, url: str) -> tuple[RobotsRules, str]:
        """(rules, note) for the site of `url`; note explains an unreachable robots.txt, else ''."""
        key = self.robots_url(url)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] > self.clock():
                return cached[1], cached[2]
            answer = self.fetch(key)
            rules, note, ttl = self._interpret(answer)
            self._cache[key] = (self.clock() + ttl, rules, note)
            return rules, note

    def rules(self, url: str) -> RobotsRules:
        """The rules for the site of `url` (fetching robots.txt if not cached)."""
        return self.lookup(url)[0]

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our agent fetch `url`."""
        return self.rules(url).allowed(url)

    def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay in seconds that the site asks of our agent, if any."""
        return self.rules(url).crawl_delay

    def _interpret(self, answer: RobotsAnswer) -> tuple[RobotsRules, str, float]:
        status = answer.status
        if status is not None and 200 <= status < 300:
            text = answer.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
            return parse_robots(text, self.agent), "", self.ttl
        if status is not None and 400 <= status < 500:
            return RobotsRules(), "", self.ttl
        why = f"HTTP {status}" if status is not None else (answer.error or "network failure")
        note = f"robots.txt unreachable ({why}); assuming complete disallow (RFC 9309)"
        return RobotsRules(disallow_all=True), note, self.error_ttl
