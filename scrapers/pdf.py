"""Text and metadata of a PDF (policy documents, reports) with pypdf."""
from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader

from scrapers.dates import CONFIDENCE, HINT_SOURCES, parse_date
from scrapers.errors import ScrapeError
from scrapers.extraction import Extraction
from scrapers.metadata import detect_language, host_outlet

MAX_PAGES = 500  # a longer PDF is read up to here; its text is still a useful document


def _title(info: dict, first_page: str, hint: str | None) -> str | None:
    title = info.get("/Title")
    title = re.sub(r"\s+", " ", str(title)).strip() if title else ""
    # generators often leave a file name or "untitled" as the title
    if title and not re.fullmatch(r"(?i)untitled|.*\.(docx?|pdf|indd|tex)|microsoft word.*", title):
        return title
    if hint:
        return hint
    for line in first_page.splitlines():  # the page as laid out: its first line is the heading
        line = line.strip()
        if len(line) >= 4 and re.search(r"[^\W\d_]{3}", line):
            return line[:300]
    return None


_END = re.compile(r"[.!?:;][\"'”’)\]]*$")


def reflow(page: str) -> str:
    r"""Join a PDF page's wrapped lines into paragraphs separated by blank lines, so sentences are whole.

    A line continues the previous one unless the previous ends a sentence and is clearly shorter than
    the page's full lines (the last line of a paragraph), or a blank line stands between them.

    >>> reflow("The review covers two years of visits to the site and\nthe staff who ran it.\nA second part begins here.")
    'The review covers two years of visits to the site and the staff who ran it.\n\nA second part begins here.'
    """
    lines = [line.strip() for line in page.splitlines()]
    widths = sorted(len(line) for line in lines if line)
    full = widths[int(len(widths) * 0.75)] if widths else 0  # a typical full line
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        current = paragraphs[-1]
        if not line:
            if current:
                paragraphs.append([])
            continue
        if current and _END.search(current[-1]) and len(current[-1]) < 0.8 * full and not line[0].islower():
            paragraphs.append([])
        paragraphs[-1].append(line)
    joined = []
    for para in paragraphs:
        text = ""
        for line in para:
            glue = "" if not text or (text.endswith("-") and line[:1].islower()) else " "
            text += glue + line
        if text:
            joined.append(text)
    return "\n\n".join(joined)


def extract_pdf(data: bytes, url: str | None = None, hints: dict | None = None) -> Extraction:
    """Text, title and date of a PDF; the date is the feed/API hint if any, else /CreationDate
    (date_source `pdf`).

    Raises ScrapeError `parse_error` for a broken or encrypted PDF and `empty` when it has no text layer.
    """
    hints = hints or {}
    name = url or "<pdf input>"
    if not isinstance(data, (bytes, bytearray)) or not data.strip():
        raise ScrapeError(name, "empty", "the PDF is empty")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(bytes(data)))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ScrapeError(name, "parse_error", "the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
        info = dict(reader.metadata or {})
    except ScrapeError:
        raise
    except Exception as err:  # pypdf parses untrusted bytes and raises many types; all mean "broken"
        raise ScrapeError(name, "parse_error", f"cannot read the PDF: {err}") from err
    pages = [p for p in pages if p.strip()]
    text = "\n\n".join(reflow(p) for p in pages)
    if not text:
        raise ScrapeError(name, "empty", "the PDF has no text layer (a scan?)")

    hint_date = parse_date(hints.get("date"))
    if hint_date:
        source = hints.get("date_source") if hints.get("date_source") in HINT_SOURCES else "feed"
        date, date_source = hint_date, source
    else:
        date = parse_date(str(info.get("/CreationDate") or ""))  # never /ModDate: an update date
        date_source = "pdf" if date else "none"
    return Extraction(
        text=text,
        title=_title(info, pages[0] if pages else "", hints.get("title")),
        date=date,
        date_source=date_source,
        date_confidence=(CONFIDENCE["hint alone"] if date_source in HINT_SOURCES else CONFIDENCE["pdf"])
        if date else 0.0,
        date_evidence=date_source if date else "",
        language=detect_language(text),
        outlet=hints.get("outlet") or host_outlet(url),
        url=url,
        canonical_url=None,
        extractor="pdf",
    )
