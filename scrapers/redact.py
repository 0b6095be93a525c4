"""Credentials in URLs never reach a disk or a log: `user:password@` and secret query parameters redacted.

The real URL lives only in memory for the request; everything stored or printed (WARC target URIs, the
failures table, the run log, log lines, error messages) goes through `redact_url` or `redact_text`.

    >>> redact_url("https://ann:pw@example.org/a?api_key=s3cret&page=2")
    'https://REDACTED@example.org/a?api_key=REDACTED&page=2'
"""
from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MARK = "REDACTED"
#: query parameter names whose values are credentials (compared lower-case, `-` read as `_`)
SECRET_PARAMS = frozenset({
    "api_key", "apikey", "key", "access_token", "token", "auth", "auth_token", "id_token", "refresh_token",
    "client_secret", "secret", "password", "passwd", "pwd", "sig", "signature", "session_token",
    "x_amz_signature", "x_amz_credential", "x_amz_security_token", "x_goog_signature", "x_goog_credential",
})
_SECRET_PAIR = re.compile(r"([?&;]([^=&#;\s]+)=)([^&#;\s]*)")
_URL_IN_TEXT = re.compile(r"""(?i)\b(?:https?|ftp)://[^\s"'<>]+""")


def _redact_pair(match: re.Match[str]) -> str:
    return match.group(1) + (MARK if is_secret_param(match.group(2)) else match.group(3))


def is_secret_param(name: str) -> bool:
    """True when a query parameter of this name carries a credential (`api_key`, `token`, `sig` …)."""
    return name.strip().lower().replace("-", "_") in SECRET_PARAMS


def redact_url(url: str) -> str:
    """`url` with any `user:password@` and every secret query parameter's value replaced by REDACTED.

    A URL that cannot be parsed is returned with its credentials cut out as far as a pattern can see them.
    """
    if not isinstance(url, str) or "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        url = re.sub(r"(://)[^/@\s]*@", rf"\1{MARK}@", url)
        return _SECRET_PAIR.sub(_redact_pair, url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MARK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_param(k) for k, _ in pairs):
            query = urlencode([(k, MARK if is_secret_param(k) else v) for k, v in pairs], safe="/:")
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def has_credentials(url: str) -> bool:
    """True when `redact_url` would change `url` (it carries a password or a secret parameter)."""
    return redact_url(url) != url


def redact_text(text: str) -> str:
    """Free text (an error message, a log line) with every URL in it redacted, and every secret
    ``?name=value`` pair too (a request line such as ``"GET /feed?token=… HTTP/1.1"`` has no scheme)."""
    if not isinstance(text, str):
        return text
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
    if "=" in text:
        text = _SECRET_PAIR.sub(_redact_pair, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts URLs in every record's final message (install it on a handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if clean != message:
            record.msg, record.args = clean, None
        return True
