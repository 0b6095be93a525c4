"""Text and metadata of one web page or PDF: the `Extraction` (scrapers.extraction) every source returns.

Text comes from one trafilatura pass with its default settings except comments (left out); that
beat bare trafilatura on both development sets (zyte-dev and trafilatura-eval), where the former
precision-first pass, the page's `articleBody` check and the recall pass lost on trafilatura-eval
(see benchmarks/extraction.py). Only when that pass yields almost nothing (a script-rendered shell,
markup trafilatura cannot read) do the page's JSON-LD `articleBody` and a paragraph-density pass
compete for the longest text. Dates, title, outlet, canonical URL and language come from
`scrapers.dates` and `scrapers.metadata`.
"""
from __future__ import annotations

import re
from collections import Counter

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from scrapers.charset import decode
from scrapers.dates import choose_date
from scrapers.errors import ScrapeError
from scrapers.extraction import Extraction
from scrapers.metadata import PageMeta, detect_language, host_outlet, in_aside, read_metadata

#: trafilatura's settings: its defaults (fallback extractors on), comments left out
OPTIONS = dict(include_comments=False, include_tables=True)
MIN_CHARS = 100  # a shorter first pass is a shell page or a failure: the fallbacks may hold more


# --- text selection --------------------------------------------------------------------------
_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote", "pre")


def paragraph_text(tree: HtmlElement) -> str:
    """Fallback body: the paragraphs of the element that holds the most paragraph text.

    Scripts, styles, nav/aside/footer and related-links blocks are ignored.
    """
    scores: Counter = Counter()
    for p in tree.iter("p", "pre"):
        if in_aside(p):
            continue
        length = len(p.text_content().strip())
        if length < 25:
            continue
        parent = p.getparent()
        if parent is not None:
            scores[parent] += length
            grand = parent.getparent()
            if grand is not None:
                scores[grand] += length // 2
    if not scores:
        body = tree.find(".//body")
        root = body if body is not None else tree
        return re.sub(r"\s+", " ", " ".join(t for t in root.xpath(
            ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
        ))).strip()
    container = scores.most_common(1)[0][0]
    lines = []
    for el in container.iter(*_BLOCKS):
        if any(anc.tag in _BLOCKS for anc in el.iterancestors() if anc is not container):
            continue
        line = re.sub(r"\s+", " ", el.text_content()).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def drop_headline(text: str, title: str | None) -> str:
    """The body without a first line that only repeats the headline (already kept in `title`)."""
    first, _, rest = text.strip().partition("\n")
    if title and rest.strip() and _squash(first) == _squash(title):
        return rest
    return text


def _trafilatura(tree: HtmlElement, url: str | None) -> str:
    return trafilatura.extract(tree, url=url, **OPTIONS) or ""


def choose_text(tree: HtmlElement, meta: PageMeta, url: str | None) -> tuple[str, str]:
    """(text, extractor) for a parsed page: trafilatura's, unless it is nearly empty and the page's
    JSON-LD `articleBody` or its paragraphs hold more."""
    first = _trafilatura(tree, url)
    if len(first.strip()) >= MIN_CHARS:
        return first, "trafilatura"
    candidates = {"trafilatura": first, "jsonld": meta.article_body or "", "bs4": paragraph_text(tree)}
    best = max(candidates, key=lambda k: len(candidates[k].strip()))  # ties keep the earlier one
    return (candidates[best], best) if candidates[best].strip() else ("", "none")


# --- entry points ----------------------------------------------------------------------------
def extract(html: bytes | str, url: str | None = None, hints: dict | None = None) -> Extraction:
    """Text, title, publication date, language and outlet of one HTML page.

    `hints` may carry `title`, `date` and `date_source` from a feed, sitemap or API. Raises
    ScrapeError (`empty`, `parse_error`) when the input holds no page or no text.
    >>> extract("<html><body><article><p>" + "Words here. " * 60 + "</p></article></body></html>").extractor
    'trafilatura'
    """
    hints = hints or {}
    name = url or "<html input>"
    if isinstance(html, (bytes, bytearray, memoryview)):
        html = decode(bytes(html))[0]  # BOM, <meta> charset, UTF-8, then detection; never raises
    elif not isinstance(html, str):
        raise ScrapeError(name, "parse_error", f"expected HTML as bytes or str, got {type(html).__name__}")
    html = html.replace("\x00", "")
    if not html.strip():
        raise ScrapeError(name, "empty", "the page is empty")
    try:
        tree = load_html(html)
    except Exception as err:  # lxml raises several types on hostile input
        raise ScrapeError(name, "parse_error", f"could not parse the page as HTML: {err}") from err
    if tree is None:
        raise ScrapeError(name, "parse_error", "the input is not an HTML page")

    meta = read_metadata(tree, url)
    try:
        text, extractor = choose_text(tree, meta, url)
    except Exception as err:  # trafilatura on hostile markup: fall back rather than lose the page
        text, extractor = paragraph_text(tree), "bs4"
        if not text:
            raise ScrapeError(name, "parse_error", f"text extraction failed: {err}") from err
    text = drop_headline(text, meta.title).strip()
    if not text:
        raise ScrapeError(name, "empty", "no text could be extracted from the page")

    guess = choose_date(tree, meta, url=url, hints=hints, text=text, html=html)
    language = meta.language or hints.get("language")
    detected = detect_language(text)
    if detected and (language is None or (language != detected and len(text) > 1000)):
        language = detected
    return Extraction(
        text=text,
        title=meta.title or hints.get("title"),
        date=guess.date,
        date_source=guess.source,
        date_confidence=guess.confidence,
        date_evidence=",".join(guess.evidence),
        language=language,
        outlet=meta.outlet or hints.get("outlet") or host_outlet(url),
        url=url,
        canonical_url=meta.canonical_url,
        extractor=extractor,
    )


def _is_pdf(content_type: str, content: bytes) -> bool:
    return "pdf" in content_type or content[:5] == b"%PDF-"


def extract_response(result, hints: dict | None = None) -> Extraction:
    """Extraction of a fetched document (`scrapers.http.FetchResult`): PDF or HTML by content type.

    Raises ScrapeError `bad_content_type` for anything that is neither (images, archives, …).
    """
    content_type = (getattr(result, "content_type", None) or "").lower()
    url = getattr(result, "final_url", None) or result.url
    content = result.content or b""
    if _is_pdf(content_type, content):
        from scrapers.pdf import extract_pdf

        return extract_pdf(content, url=url, hints=hints)
    if content_type and not any(t in content_type for t in ("html", "xml", "text/plain")):
        raise ScrapeError(url, "bad_content_type", f"cannot extract text from {content_type}")
    body = result.text if getattr(result, "text", None) is not None else decode(content, content_type)[0]
    if "text/plain" in content_type:
        text = body
        if not text.strip():
            raise ScrapeError(url, "empty", "the document is empty")
        hints = hints or {}
        guess = choose_date(None, PageMeta(), url=url, hints=hints, text=text)
        return Extraction(text=text.strip(), title=hints.get("title"), date=guess.date,
                          date_source=guess.source, date_confidence=guess.confidence,
                          date_evidence=",".join(guess.evidence),
                          language=detect_language(text) or hints.get("language"),
                          outlet=hints.get("outlet") or host_outlet(url), url=url, extractor="plain")
    return extract(body, url=url, hints=hints)
