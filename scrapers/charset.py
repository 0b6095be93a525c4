"""Turn fetched bytes into text without ever crashing on a wrong or missing charset.

Order of evidence (`decode`): a byte-order mark (unambiguous, so it wins, as in the WHATWG encoding
standard), the charset in the HTTP Content-Type header, a ``<meta charset>`` / ``http-equiv`` tag or
an XML declaration in the first bytes, then UTF-8 if the bytes are valid UTF-8, then Windows-1252 if
the bytes read as a Latin-script language (the web's commonest legacy charset; charset-normalizer
guesses poorly on short Western texts), then statistical detection with charset-normalizer.
A declared charset is only used when the bytes actually decode with it, so a header that says UTF-8
over Windows-1252 bytes falls through to the next piece of evidence; bytes that are valid UTF-8 beat
a declared single-byte charset (servers often default to ISO-8859-1). The last resort decodes with
replacement characters, so `decode` returns text for any input.
"""
from __future__ import annotations

import codecs
import re
from email.message import Message

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16-LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Codecs that are not real document charsets, or that are dangerous to honour (UTF-7 smuggles markup).
_REFUSED = {"utf_7", "unicode_escape", "raw_unicode_escape", "punycode", "idna", "undefined", "mbcs",
            "oem", "palmos", "unicode_internal"}
# Labels that mean Windows-1252 on the web (WHATWG): the ISO-8859-1 label never describes C1 controls.
_WEB_ALIASES = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}
_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""", re.IGNORECASE)
_SCRIPTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_LONG_RUN = re.compile(r"[^\x00-\x7f\W\d_]{3,}")
_PRESCAN = 4096
_DETECT_SAMPLE = 200_000

TEXT_TYPES = {"application/xhtml+xml", "application/xml", "application/json", "application/javascript",
              "application/ecmascript", "application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/ld+json", "application/feed+json", "application/x-javascript", "application/x-rss+xml"}


def normalize_label(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None if unknown or refused (e.g. UTF-7)."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    key = name.replace("-", "_")
    if key in _REFUSED:
        return None
    return _WEB_ALIASES.get(key, name)


def parse_content_type(header: str | None) -> tuple[str, str | None]:
    """Split a Content-Type header into (lower-case media type, charset parameter or None).

    Example: ``parse_content_type('text/HTML; charset="ISO-8859-1"') == ("text/html", "ISO-8859-1")``.
    """
    if not header:
        return "", None
    msg = Message()
    msg["content-type"] = header
    media = header.split(";", 1)[0].strip().lower()
    try:
        charset = msg.get_param("charset")
    except Exception:  # malformed parameters in a hostile header: ignore them
        charset = None
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return media, (str(charset).strip() or None) if charset else None


def is_textual(media_type: str) -> bool:
    """True for media types whose body is text to decode (HTML, XML, JSON, feeds, text/*)."""
    media = media_type.lower()
    return (media.startswith("text/") or media in TEXT_TYPES or media.endswith("+xml")
            or media.endswith("+json"))


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when `data` starts with a Unicode byte-order mark."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def declared_in_document(data: bytes) -> str | None:
    """The charset named by an XML declaration or a <meta> tag in the first 4 KB, if any."""
    head = data[:_PRESCAN]
    match = _XML_DECL.match(head) or _META.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _strict(data: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _single_byte(codec: str) -> bool:
    try:
        return codecs.lookup(codec).name.startswith(("cp", "iso8859", "latin", "windows", "koi8", "mac"))
    except LookupError:
        return False


def _prefer_utf8(data: bytes, codec: str) -> bool:
    """Valid UTF-8 with non-ASCII bytes under a single-byte declaration is almost surely UTF-8."""
    if codec == "utf-8" or not _single_byte(codec) or data.isascii():
        return False
    return _strict(data, "utf-8") is not None


def _looks_western(text: str) -> bool:
    """Whether a Windows-1252 reading looks like a Latin-script language: mostly ASCII letters, and
    accented letters in short runs (Cyrillic or Greek read as 1252 gives long runs of accented letters)."""
    body = _TAGS.sub(" ", _SCRIPTS.sub(" ", text))
    letters = [c for c in body if c.isalpha()]
    if not letters:
        return True
    foreign = [c for c in letters if not c.isascii()]
    if len(foreign) > 0.4 * len(letters):
        return False
    in_runs = sum(len(run) for run in _LONG_RUN.findall(body))
    return in_runs <= 0.3 * len(foreign)


def _detect(data: bytes) -> str | None:
    try:
        best = from_bytes(data[:_DETECT_SAMPLE]).best()
    except Exception:  # the detector must never take a fetch down with it
        return None
    return normalize_label(best.encoding) if best is not None else None


def _last_resort(data: bytes) -> tuple[str, str]:
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(1, len(text) // 100):
        return text, "utf-8"
    return data.decode("cp1252", errors="replace"), "cp1252"


def decode(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode `data` to (text, codec name used), using the Content-Type header's charset if given.

    Never raises for any bytes or header; see the module docstring for the order of evidence.
    Example: ``decode(b"caf\\xe9", "text/html; charset=utf-8") == ("café", "cp1252")``.
    """
    if not data:
        return "", "utf-8"
    bom = bom_encoding(data)
    if bom is not None:
        return data[bom[1]:].decode(bom[0], errors="replace"), bom[0]
    _, header_label = parse_content_type(content_type)
    candidates = [normalize_label(header_label)]
    in_doc = normalize_label(declared_in_document(data))
    if in_doc is not None and in_doc.startswith(("utf-16", "utf-32")):
        in_doc = "utf-8"  # a document that can be scanned as ASCII is not UTF-16 whatever it says
    candidates.append(in_doc)
    for codec in candidates:
        if codec is None:
            continue
        if _prefer_utf8(data, codec):
            return data.decode("utf-8"), "utf-8"
        text = _strict(data, codec)
        if text is not None:
            return text, codec
    if data.isascii():
        return data.decode("ascii"), "ascii"
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return utf8, "utf-8"
    western = _strict(data, "cp1252")
    if western is not None and _looks_western(western):
        return western, "cp1252"
    detected = _detect(data)
    text = _strict(data, detected)
    if detected is not None and text is not None:
        return text, detected
    return _last_resort(data)
