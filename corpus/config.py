"""The update configuration: one TOML file naming the data folder, HTTP politeness and the sources.

Example (``framewatch init`` writes a commented one)::

    [project]
    data_dir = "framewatch-data"
    contact = "you@example.org"

    [http]
    min_delay = 5.0

    [sources.city_feed]
    kind = "rss"
    url = "https://example.org/feed.xml"
    query = ['"overdose prevention site"']

`load_config(path)` reads and validates the file; a bad file raises `ConfigError` whose message names
every bad key and its problem (``sources.gdelt.kind: unknown kind 'gdlet'``) before anything runs.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)

#: the contact address `framewatch init` writes; `framewatch update` refuses to send it to any site
PLACEHOLDER_CONTACT = "you@example.org"

#: keys a `[sources.NAME]` table may carry besides the source's own options
SOURCE_CONTROL_KEYS = ("kind", "enabled", "requires_env")


class ConfigError(ValueError):
    """A configuration that cannot run; `problems` lists each one as ``key: problem``."""

    def __init__(self, path: str | os.PathLike[str] | None, problems: list[str]) -> None:
        self.path = str(path) if path is not None else None
        self.problems = problems
        where = f"{self.path}: " if self.path else ""
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{where}bad configuration ({len(problems)} problem(s)):\n{lines}")


@dataclass
class SourceConfig:
    """One configured source: its name, kind, the options handed to `build_source`, and whether it runs."""

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    disabled_reason: str | None = None


@dataclass
class Config:
    """A validated configuration; paths are absolute (relative ones are read from the file's folder)."""

    data_dir: Path
    contact: str
    user_agent: str | None = None
    min_delay: float = 5.0
    timeout: float = 30.0
    allow_loopback: bool = False
    max_retries: int = 4
    backoff: float = 1.0
    start_date: dt.date | None = None
    overlap_days: int = 3
    retry_attempts: int = 5
    retry_hours: float = 6.0
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    path: Path | None = None

    @property
    def db_path(self) -> Path:
        """The default corpus file, ``<data_dir>/corpus.sqlite``."""
        return self.data_dir / "corpus.sqlite"

    def enabled_sources(self) -> list[SourceConfig]:
        """The sources that will run, in the order the file lists them."""
        return [s for s in self.sources.values() if s.enabled]


# key -> (accepted types, description, check returning a problem or None)
def _positive(v: float) -> str | None:
    return None if v > 0 else "must be greater than 0"


def _non_negative(v: float) -> str | None:
    return None if v >= 0 else "must be 0 or more"


def _iso_date(v: dt.date | str) -> str | None:
    if isinstance(v, str):
        try:
            dt.date.fromisoformat(v)
        except ValueError:
            return "must be a date like 2018-01-01"
    return None


def _at_least_one(v: int) -> str | None:
    return None if v >= 1 else "must be 1 or more"


def _non_empty(v: str) -> str | None:
    return None if v.strip() else "must not be empty"


_SECTIONS: dict[str, dict[str, tuple[tuple[type, ...], str, Any]]] = {
    "project": {
        "data_dir": ((str,), "a string (a folder path)", _non_empty),
        "contact": ((str,), "a string (an e-mail address or URL)", _non_empty),
        "user_agent": ((str,), "a string", _non_empty),
    },
    "http": {
        "min_delay": ((int, float), "a number of seconds", _non_negative),
        "timeout": ((int, float), "a number of seconds", _positive),
        "allow_loopback": ((bool,), "true or false", None),
        "max_retries": ((int,), "a whole number", _non_negative),
        "backoff": ((int, float), "a number of seconds", _non_negative),
    },
    "update": {
        "start_date": ((dt.date, str), "a date like 2018-01-01", _iso_date),
        "overlap_days": ((int,), "a whole number of days", _non_negative),
        "retry_attempts": ((int,), "a whole number of attempts", _at_least_one),
        "retry_hours": ((int, float), "a number of hours", _non_negative),
    },
}
_REQUIRED = {("project", "contact")}


def _as_date(value: dt.date | str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False
    if isinstance(value, dt.datetime) and dt.datetime not in types:
        return False
    return isinstance(value, types)


def validate(raw: Mapping[str, Any], base_dir: Path | None = None,
             environ: Mapping[str, str] | None = None, path: Path | None = None) -> Config:
    """Check a parsed TOML mapping and build a `Config`; raise `ConfigError` listing every problem.

    Source tables are checked by the scrapers' own option checking (`build_source` without a fetcher), so
    an unknown option or a wrong type is caught here, not halfway through a run.
    """
    env = os.environ if environ is None else environ
    base = (base_dir or Path.cwd()).resolve()
    problems: list[str] = []
    values: dict[str, Any] = {}

    for section in raw:
        if section not in _SECTIONS and section != "sources":
            problems.append(f"{section}: unknown section (known: {', '.join([*_SECTIONS, 'sources'])})")
    for section, spec in _SECTIONS.items():
        table = raw.get(section, {})
        if not isinstance(table, Mapping):
            problems.append(f"{section}: must be a table, got {type(table).__name__}")
            continue
        for key in table:
            if key not in spec:
                problems.append(f"{section}.{key}: unknown key (known: {', '.join(spec)})")
        for key, (types, desc, check) in spec.items():
            if key not in table:
                if (section, key) in _REQUIRED:
                    problems.append(f"{section}.{key}: required ({desc})")
                continue
            value = table[key]
            if not _type_ok(value, types):
                problems.append(f"{section}.{key}: must be {desc}, got {type(value).__name__} {value!r:.40}")
                continue
            problem = check(value) if check else None
            if problem:
                problems.append(f"{section}.{key}: {problem}, got {value!r}")
                continue
            values[key] = value

    sources = _validate_sources(raw.get("sources", {}), env, problems)
    if not problems and not any(s.enabled for s in sources.values()):
        problems.append("sources: no enabled source (add a [sources.NAME] table with a kind)")
    if problems:
        raise ConfigError(path, problems)

    data_dir = Path(values.get("data_dir", "framewatch-data")).expanduser()
    if not data_dir.is_absolute():
        data_dir = base / data_dir
    return Config(
        data_dir=data_dir,
        contact=values["contact"],
        user_agent=values.get("user_agent"),
        min_delay=float(values.get("min_delay", 5.0)),
        timeout=float(values.get("timeout", 30.0)),
        allow_loopback=bool(values.get("allow_loopback", False)),
        max_retries=int(values.get("max_retries", 4)),
        backoff=float(values.get("backoff", 1.0)),
        start_date=_as_date(values.get("start_date")),
        overlap_days=int(values.get("overlap_days", 3)),
        retry_attempts=int(values.get("retry_attempts", 5)),
        retry_hours=float(values.get("retry_hours", 6.0)),
        sources=sources,
        path=path,
    )


def _validate_sources(table: Any, env: Mapping[str, str], problems: list[str]) -> dict[str, SourceConfig]:
    from scrapers.sources.base import KINDS, build_source

    out: dict[str, SourceConfig] = {}
    if not isinstance(table, Mapping):
        problems.append(f"sources: must be a table of [sources.NAME] tables, got {type(table).__name__}")
        return out
    for name, spec in table.items():
        key = f"sources.{name}"
        if not isinstance(spec, Mapping):
            problems.append(f"{key}: must be a table, got {type(spec).__name__}")
            continue
        kind = spec.get("kind")
        if kind is None:
            problems.append(f"{key}.kind: required (one of {', '.join(KINDS)})")
            continue
        if not isinstance(kind, str) or kind not in KINDS:
            problems.append(f"{key}.kind: unknown kind {kind!r} (known: {', '.join(KINDS)})")
            continue
        enabled = spec.get("enabled", True)
        if not isinstance(enabled, bool):
            problems.append(f"{key}.enabled: must be true or false, got {enabled!r}")
            continue
        requires_env = spec.get("requires_env")
        if requires_env is not None and (not isinstance(requires_env, str) or not requires_env):
            problems.append(f"{key}.requires_env: must be the name of an environment variable, got {requires_env!r}")
            continue
        options = {k: v for k, v in spec.items() if k not in SOURCE_CONTROL_KEYS}
        try:
            build_source(kind, name, options, None)
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
            continue
        reason = None
        if not enabled:
            reason = "enabled = false"
        elif requires_env and not env.get(requires_env):
            enabled, reason = False, f"environment variable {requires_env} is not set"
        out[name] = SourceConfig(name=name, kind=kind, options=options, enabled=enabled, disabled_reason=reason)
    return out


def loads_config(text: str, base_dir: Path | None = None, environ: Mapping[str, str] | None = None,
                 path: Path | None = None) -> Config:
    """Parse and validate configuration text (TOML syntax errors become a `ConfigError` too)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"TOML syntax: {exc}"]) from None
    return validate(raw, base_dir=base_dir, environ=environ, path=path)


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a configuration file; relative paths in it are relative to its folder."""
    p = Path(path)
    warn_if_world_writable(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(p, [f"cannot read the file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(p, [f"not UTF-8 text: {exc}"]) from None
    return loads_config(text, base_dir=p.resolve().parent, environ=environ, path=p)


def warn_if_world_writable(path: Path) -> bool:
    """Log a warning naming `path` when any local user may rewrite it (and so choose what is fetched and
    where the corpus goes); True when it is world-writable."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if mode & stat.S_IWOTH:
        log.warning("%s is world-writable (mode %s): any local user can change what framewatch fetches; "
                    "run `chmod o-w %s`", path, stat.filemode(mode), path)
        return True
    return False


def require_contact(config: Config) -> None:
    """Raise `ConfigError` when `project.contact` is still the placeholder `framewatch init` wrote."""
    if config.contact.strip().lower().removeprefix("mailto:") == PLACEHOLDER_CONTACT:
        raise ConfigError(config.path, [
            f"project.contact: still the placeholder {PLACEHOLDER_CONTACT!r} from `framewatch init`; put an "
            "address where site owners can reach you (it is sent with every request)"])


def default_config_text(data_dir: str = "framewatch-data", contact: str = PLACEHOLDER_CONTACT) -> str:
    """The commented default configuration `framewatch init` writes, naming real sources."""
    return _DEFAULT.replace("@DATA_DIR@", data_dir).replace("@CONTACT@", contact)


_DEFAULT = '''\
# framewatch update configuration. `framewatch update --config THIS_FILE` collects what is new since
# the last run from every enabled source below; `--since 2016-01-01 --until 2020-12-31` backfills a range.
# Paths are relative to this file's folder.

[project]
# Where the corpus (corpus.sqlite), the WARC archive of raw responses and the run lock live.
data_dir = "@DATA_DIR@"
# Sent to every site in the User-Agent, so a webmaster can reach you. Put a real address here.
contact = "@CONTACT@"
# user_agent = "framewatch/0.1 (drug-policy media research)"

[http]
# Seconds between two requests to the same host (robots.txt Crawl-delay wins when it is longer).
min_delay = 5.0
# Seconds before a request is abandoned (and retried with back-off).
timeout = 30.0
# Never fetch private or loopback addresses (only tests turn this on).
allow_loopback = false
# Retries after a 429, a 5xx or a timeout, with exponential back-off from `backoff` seconds (Retry-After wins).
max_retries = 4
backoff = 1.0

[update]
# A source's first run starts here; later runs start where the previous one stopped.
start_date = 2024-01-01
# Later runs look this many days back past where the previous run stopped (late-indexed articles).
overlap_days = 3
# A document that fails (robots.txt, 429, 5xx, timeout ...) is retried by later runs, first after
# `retry_hours`, doubling each time, and given up on after `retry_attempts` attempts (`framewatch runs`
# lists those). A source is never marked complete past a document still waiting for its retry.
retry_attempts = 5
retry_hours = 6

# ---------------------------------------------------------------- sources
# Each [sources.NAME] has a `kind` (rss, sitemap, gdelt, mediacloud, federal_register, crawl, warc), its
# options, and `query`: terms of which any may match (quoted phrases must occur as written).
# `enabled = false` switches a source off; `requires_env = "VAR"` runs it only when VAR is set.

# GDELT DOC 2.0 API: worldwide online news, searched by the site names of the codebook (section 1).
[sources.gdelt_site_names]
kind = "gdelt"
query = [
  '"supervised consumption site"',
  '"supervised consumption service"',
  '"safe consumption site"',
  '"supervised injection site"',
  '"safe injection site"',
  '"supervised injection facility"',
  '"overdose prevention site"',
  '"overdose prevention center"',
  '"overdose prevention centre"',
  '"drug consumption room"',
  '"safer consumption space"',
  '"consumption and treatment services"',
]

# GDELT again for the named places and bills, which a generic query misses.
[sources.gdelt_named_sites]
kind = "gdelt"
query = [
  '"Insite" Vancouver',
  '"OnPoint NYC"',
  '"Safehouse" Philadelphia',
  '"Medically Supervised Injecting Centre"',
  '"Thistle" Glasgow',
  '"SB 57" California',
]

# The US Federal Register: rules, notices and proposed rules on consumption sites.
[sources.federal_register]
kind = "federal_register"
query = ['"supervised consumption"', '"safe injection"', '"overdose prevention center"']

# RSS feeds of outlets that cover drug policy closely (kept only when a query term matches).
[sources.filter_magazine]
kind = "rss"
url = "https://filtermag.org/feed/"
outlet = "Filter"
query = ['"consumption site"', '"injection site"', '"overdose prevention"', '"consumption room"']

[sources.kff_health_news]
kind = "rss"
url = "https://kffhealthnews.org/feed/"
outlet = "KFF Health News"
query = ['"consumption site"', '"injection site"', '"overdose prevention center"']

[sources.the_tyee]
kind = "rss"
url = "https://thetyee.ca/rss2.xml"
outlet = "The Tyee"
query = ['"consumption site"', '"safe supply"', '"overdose prevention"']

[sources.talkingdrugs]
kind = "rss"
url = "https://www.talkingdrugs.org/rss.xml"
outlet = "TalkingDrugs"
query = ['"consumption room"', '"consumption site"', '"overdose prevention"']

# Media Cloud search (needs an API key in MEDIACLOUD_API_KEY; skipped when it is not set).
[sources.mediacloud]
kind = "mediacloud"
requires_env = "MEDIACLOUD_API_KEY"
query = ['"supervised consumption"', '"safe injection site"', '"overdose prevention center"']
'''
