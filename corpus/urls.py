"""Canonical URLs: one spelling for every variant of an article's address (tracking, AMP, mobile, http)."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan.clean import normalize_url, scrub_url

from scrapers.redact import is_secret_param, redact_url

__all__ = ["canonical_url", "is_http_url", "redact_url"]

# host prefixes that only mark a mobile, AMP or "www" edition of the same site
_EDITION_HOST = re.compile(r"^(?:www\d*|m|mobile|amp)\.(?=[^.]+\.[^.]+)")
# query parameters that only ask for an AMP or mobile rendering
_EDITION_PARAMS = {"amp": None, "outputtype": {"amp"}, "output": {"amp"}, "mobile": None, "view": {"amp", "mobile"}}
# tracking parameters: courlan's prefixes and click ids, matched on the whole name (courlan's own
# query cleaning also drops any name merely starting with "ga", "gl", "ref"..., e.g. `?gallery=2`)
_TRACKER = re.compile(
    r"^(?:(?:ads?|mc|ga|gs|itm|mkt|ml|mtm|oly|pk|utm|vero|ns|hsa)_.*"
    r"|(?:dc|fbc|gc|twc|yc|ysc|ms|tt|li|ttc|wbra|gbra|ig)lid|(?:click|gbra|msclk|igsh|partner|wbra)id)$"
)
_TRACKING_PARAMS = {
    "ref", "referer", "referrer", "ref_src", "ref_url", "source", "src", "campaign", "medium", "cid",
    "clid", "eid", "xtor", "aff", "affiliate", "cmpid", "ito", "s_cid", "ncid", "smid", "smtyp", "_ga",
    "_gl", "mbid", "ocid", "mkt_tok", "share", "sh", "spm", "cmp", "intcmp", "at_medium", "at_campaign",
    "sessionid", "session",
}


def _drop_amp_path(path: str) -> str:
    # story.amp.html, story.amp, story/amp.html
    path = re.sub(r"\.amp(?=\.html?$|$)", "", path, flags=re.I)
    path = re.sub(r"(?<=.)/amp\.html?$", "", path, flags=re.I)
    segments = [s for s in path.split("/") if s]
    # a leading or trailing `amp` segment: /amp/2021/story, /2021/story/amp
    if len(segments) > 1 and segments[0].lower() == "amp":
        segments = segments[1:]
    if len(segments) > 1 and segments[-1].lower() == "amp":
        segments = segments[:-1]
    return "/" + "/".join(segments)


def _keep_param(key: str, value: str) -> bool:
    lowered = key.lower()
    if is_secret_param(lowered):  # credentials are never part of an article's identity, nor stored
        return False
    if _TRACKER.match(lowered) or lowered in _TRACKING_PARAMS:
        return False
    if lowered in _EDITION_PARAMS:
        values = _EDITION_PARAMS[lowered]
        return values is not None and value.lower() not in values
    return True


@lru_cache(maxsize=256)  # a document's URLs are canonicalised for its id, URL table and look-ups: once
def canonical_url(url: str) -> str:
    """One canonical spelling of `url`: https, lower-case host without www/m/amp, no tracking or AMP
    parameters, sorted query, no AMP path, no trailing slash, no fragment, no credentials
    (`user:password@`, `api_key=`, `token=` …; `redact_url` is re-exported here for URLs kept as seen).

    >>> canonical_url("http://m.Example.com/news/story/amp/?utm_source=x&b=2&a=1#top")
    'https://example.com/news/story?a=1&b=2'

    Raises ValueError naming `url` when it is not an http(s) URL.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"not a URL: {url!r}")
    raw = url.strip()
    if raw.startswith("//"):
        raw = "https:" + raw
    parts = urlsplit(scrub_url(raw))
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    try:
        # the query is filtered below, so courlan's broader tracker pattern never sees it
        cleaned = urlsplit(normalize_url(parts._replace(query=""), strict=False, trailing_slash=False))
    except ValueError as error:
        raise ValueError(f"cannot normalise URL {url!r}: {error}") from None
    host = cleaned.netloc.rsplit("@", 1)[-1]  # credentials are never part of an article's identity
    host = _EDITION_HOST.sub("", host.rstrip("."))
    host = re.sub(r":443$|:80$", "", host)
    path = _drop_amp_path(cleaned.path)
    pairs = parse_qsl(parts.query, keep_blank_values=False)
    query = urlencode(sorted((k, v) for k, v in pairs if _keep_param(k, v)))
    return urlunsplit(("https", host, path, query, ""))


def is_http_url(value: str | None) -> bool:
    """True when `value` can be canonicalised (an http or https URL with a host)."""
    if not value:
        return False
    try:
        canonical_url(value)
    except ValueError:
        return False
    return True
