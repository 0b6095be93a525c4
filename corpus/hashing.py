"""Content hashes and document ids: exact duplicates share a hash, and every document gets a stable id."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from corpus.urls import canonical_url

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
#: bytes.translate table keeping ASCII letters and digits (lower-cased already) and making every other byte a space
_ASCII_WORDS = bytes(c if chr(c).isalnum() and not chr(c).isupper() else 32 for c in range(128)) + b" " * 128
ID_LENGTH = 20  # hex characters of SHA-256 (80 bits): collisions are negligible below billions of documents


@lru_cache(maxsize=16)  # one document's text is normalised for its hash, id, match and shingles: once
def normalise_text(text: str | None) -> str:
    """Text reduced to its words: Unicode NFKC, case-folded, punctuation and spacing collapsed.

    >>> normalise_text("It’s  a “Test”,\\nreally!")
    'it s a test really'
    """
    if not text:
        return ""
    if text.isascii():  # the same result, about 4x faster: ASCII is NFKC already, and \w is [a-z0-9_] in it
        return b" ".join(text.lower().encode("ascii").translate(_ASCII_WORDS).split()).decode("ascii")
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def content_hash(text: str | None) -> str:
    """SHA-256 (hex) of the normalised text, so copies differing only in spacing, case or punctuation match."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def doc_id(url: str | None = None, text: str | None = None) -> str:
    """A stable document id: from the canonical URL when there is one, else from the normalised text.

    >>> doc_id("http://www.example.org/a/") == doc_id("https://example.org/a?utm_source=feed")
    True
    """
    if url:
        key = "url:" + canonical_url(url)
    elif normalise_text(text):
        key = "text:" + normalise_text(text)
    else:
        raise ValueError("a document needs a URL or some text to derive its id")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_LENGTH]
