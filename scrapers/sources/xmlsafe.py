"""Parsing untrusted XML (feeds, sitemaps) without entity expansion or external references.

Entity declarations are refused outright (billion laughs, quadratic blow-up, external entities), which
ends in ``ScrapeError(reason="xml_unsafe")``; malformed XML ends in ``reason="parse_error"``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from scrapers.errors import ScrapeError

_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


def parse_xml(data: bytes, url: str) -> ET.Element:
    """The root element of `data`, parsed with entities and external references forbidden.

    Raises ScrapeError `xml_unsafe` for entity declarations or external references and `parse_error`
    for anything that is not well-formed XML.
    """
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ScrapeError(url, "xml_unsafe", f"refused unsafe XML ({type(exc).__name__}: {exc})") from exc
    except ET.ParseError as exc:
        if declares_entities(data):
            raise ScrapeError(url, "xml_unsafe", f"malformed XML that declares entities ({exc})") from exc
        raise ScrapeError(url, "parse_error", f"not well-formed XML: {exc}") from exc
    except (ValueError, LookupError, RecursionError) as exc:  # bad encoding declarations, absurd nesting
        raise ScrapeError(url, "parse_error", f"unreadable XML: {exc}") from exc


def declares_entities(data: bytes) -> bool:
    """True when the bytes declare an XML entity (also in UTF-16: NUL bytes are ignored)."""
    return bool(_ENTITY_DECL.search(data.replace(b"\x00", b"")))


def check_xml(data: bytes, url: str) -> bool:
    """Refuse unsafe XML before a lenient parser (feedparser) sees it; True when `data` is well-formed.

    Raises ScrapeError `xml_unsafe` for entity declarations or external references, whether or not
    the rest of the document is well-formed; returns False for other malformed input.
    """
    try:
        parse_xml(data, url)
    except ScrapeError as exc:
        if exc.reason == "xml_unsafe":
            raise
        return False
    return True


def local(tag: object) -> str:
    """An element's tag without its namespace (``{http://…}loc`` → ``loc``); '' for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def child_text(elem: ET.Element, name: str) -> str | None:
    """Stripped text of the first direct child named `name` (any namespace), or None."""
    for child in elem:
        if local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None
