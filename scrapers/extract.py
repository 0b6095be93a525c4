"""Text and metadata of one web page or PDF: the `Extraction` every source returns.

Text comes from trafilatura tuned for article bodies (precision-favouring, comments left out, fast
mode); when that output looks short against the page's own evidence (a JSON-LD or microdata
`articleBody`, or a bare minimum of text) a second, full trafilatura pass runs and the candidate
that agrees best with the evidence wins; pages trafilatura cannot read fall back to a paragraph
density pass. Dates, title, outlet, canonical URL and language come from `scrapers.dates` and
`scrapers.metadata`. Settings were chosen on the zyte-dev set (see benchmarks/extraction.py).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from scrapers.charset import decode
from scrapers.dates import choose_date
from scrapers.errors import ScrapeError
from scrapers.metadata import PageMeta, detect_language, host_outlet, in_aside, read_metadata

# first pass: the article body, nothing around it
PRIMARY = dict(fast=True, favor_precision=True, include_comments=False, include_tables=True)
# second pass, only when the first one looks short: trafilatura's full cascade, recall-leaning
SECOND = dict(fast=False, favor_recall=True, include_comments=False, include_tables=True)
MIN_CHARS = 500          # below this the first pass is always double-checked
MIN_FALLBACK_CHARS = 100  # without evidence, only a first pass shorter than this is replaced
MIN_COVERAGE = 0.6       # share of the evidence body's 4-grams the first pass must contain


@dataclass
class Extraction:
    """The text of one document with its metadata (field names fixed in docs/architecture.md)."""

    text: str
    title: str | None = None
    date: dt.date | None = None
    date_source: str = "none"
    date_confidence: float = 0.0
    language: str | None = None
    outlet: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    extractor: str = "trafilatura"

    def to_dict(self) -> dict:
        """A JSON-ready dict (the date as ISO `YYYY-MM-DD`)."""
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data


# --- text selection --------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+")


def _grams(text: str) -> Counter:
    toks = _TOKEN.findall(text)
    return Counter(zip(toks, toks[1:], toks[2:], toks[3:]))


def _overlap(candidate: str, evidence: str) -> tuple[float, float]:
    """(precision, recall) of candidate's token 4-grams against the evidence text."""
    cand, ev = _grams(candidate), _grams(evidence)
    shared = sum((cand & ev).values())
    return shared / max(1, sum(cand.values())), shared / max(1, sum(ev.values()))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _microdata_body(tree: HtmlElement) -> str | None:
    """Text of the element marked itemprop/property="articleBody" (evidence only, it holds clutter)."""
    for el in tree.xpath('.//*[@itemprop="articleBody" or @property="articleBody"]'):
        if el.tag in ("meta", "script", "style"):
            continue
        parts = [p.text_content().strip() for p in el.iter("p", "h2", "h3", "li", "blockquote")]
        text = "\n".join(p for p in parts if p) or el.text_content().strip()
        if text:
            return text
    return None


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


def _trafilatura(tree: HtmlElement, url: str | None, **options) -> str:
    return trafilatura.extract(tree, url=url, **options) or ""


def choose_text(tree: HtmlElement, meta: PageMeta, url: str | None) -> tuple[str, str]:
    """(text, extractor) for a parsed page: the first pass, double-checked when it looks short."""
    first = _trafilatura(tree, url, **PRIMARY)
    evidence = meta.article_body or _microdata_body(tree)
    suspicious = len(first) < MIN_CHARS
    if evidence and not suspicious:
        suspicious = _overlap(first, evidence)[1] < MIN_COVERAGE
    if not suspicious:
        return first, "trafilatura"

    candidates = {"trafilatura": first, "trafilatura+fallback": _trafilatura(tree, url, **SECOND)}
    if not any(candidates.values()):
        candidates["bs4"] = paragraph_text(tree)
    if meta.article_body:
        candidates["jsonld"] = meta.article_body
    candidates = {k: v for k, v in candidates.items() if v.strip()}
    if not candidates:
        return "", "none"
    if evidence:
        best = max(candidates, key=lambda k: (_f1(*_overlap(candidates[k], evidence)), k == "trafilatura"))
    elif len(first) >= MIN_FALLBACK_CHARS:
        best = "trafilatura"  # short but plausible (a teaser, a brief): more text would be page clutter
    else:
        best = max(candidates, key=lambda k: len(candidates[k]))
    return candidates[best], best


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

    guess = choose_date(tree, meta, url=url, hints=hints, text=text)
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
                          language=detect_language(text) or hints.get("language"),
                          outlet=hints.get("outlet") or host_outlet(url), url=url, extractor="plain")
    return extract(body, url=url, hints=hints)
