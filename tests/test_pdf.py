"""PDF extraction with pypdf, on PDFs generated here with reportlab."""
from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from scrapers.errors import ScrapeError
from scrapers.extract import extract_response
from scrapers.pdf import extract_pdf

LINES = [
    "Report on supervised consumption services in the region",
    "The health authority reviewed two years of visits to the consumption site.",
    "Most visitors were also referred to treatment programs or recovery housing.",
]


def make_pdf(lines=LINES, title: str | None = "Supervised consumption review",
             created: str | None = "D:20190315120000+01'00'", text: bool = True) -> bytes:
    """A one- or two-page PDF with the given lines and document info."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    if text:
        y = 760
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 20
        pdf.showPage()
        pdf.drawString(72, 760, "Appendix: the count of visits by month.")
    else:
        pdf.rect(72, 600, 200, 100, fill=1)  # a drawing only, like a scanned page without OCR
    pdf.showPage()
    pdf.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    info = {"/Producer": "tests"}
    if title is not None:
        info["/Title"] = title
    if created is not None:
        info["/CreationDate"] = created
    writer.metadata = None
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_text_title_and_creation_date():
    result = extract_pdf(make_pdf(), url="https://health.example.gov/docs/review.pdf")
    assert "reviewed two years of visits" in result.text
    assert "Appendix: the count of visits" in result.text  # every page
    assert result.title == "Supervised consumption review"
    assert (result.date, result.date_source) == (dt.date(2019, 3, 15), "pdf")
    assert result.extractor == "pdf"
    assert result.outlet == "health.example.gov"
    assert result.language == "en"


def test_title_falls_back_to_hint_then_first_line():
    untitled = make_pdf(title="report_final.docx")
    assert extract_pdf(untitled, hints={"title": "Annual review"}).title == "Annual review"
    assert extract_pdf(untitled).title == LINES[0]


def test_api_date_hint_beats_creation_date():
    result = extract_pdf(make_pdf(), hints={"date": dt.date(2019, 4, 1), "date_source": "api"})
    assert (result.date, result.date_source) == (dt.date(2019, 4, 1), "api")


def test_no_date_anywhere():
    result = extract_pdf(make_pdf(created=None))
    assert result.date is None
    assert result.date_source == "none"


@pytest.mark.parametrize("broken", [b"%PDF-1.4\n%garbage", b"not a pdf at all", None])
def test_broken_pdf_is_a_parse_error(broken):
    data = make_pdf()[:400] if broken is None else broken
    with pytest.raises(ScrapeError) as info:
        extract_pdf(data, url="https://x.example/a.pdf")
    assert info.value.reason == "parse_error"
    assert info.value.url == "https://x.example/a.pdf"


def test_pdf_without_text_layer_is_empty():
    with pytest.raises(ScrapeError) as info:
        extract_pdf(make_pdf(text=False))
    assert info.value.reason == "empty"


def test_empty_bytes():
    with pytest.raises(ScrapeError) as info:
        extract_pdf(b"")
    assert info.value.reason == "empty"


def test_extract_response_sends_pdfs_to_pypdf():
    data = make_pdf()
    for content_type in ("application/pdf", "application/octet-stream"):  # magic bytes are enough
        fetched = SimpleNamespace(url="https://x.example/r.pdf", final_url="https://x.example/r.pdf",
                                  content=data, text=None, content_type=content_type)
        result = extract_response(fetched)
        assert result.extractor == "pdf"
        assert result.url == "https://x.example/r.pdf"


def test_outlet_named_by_the_source_beats_the_host_name():
    result = extract_pdf(make_pdf(), url="https://127.0.0.1/docs/review.pdf", hints={"outlet": "Health Ministry"})
    assert result.outlet == "Health Ministry"


def test_wrapped_lines_come_back_as_whole_sentences_and_paragraphs():
    wrapped = [
        "Integration. The pilot site will sit beside the addiction clinic, and a nurse",
        "will take same-day referrals to detox for anyone who asks about treatment.",
        "Peer workers.",
        "Two peer positions will link harm reduction services with recovery groups in",
        "the east end of the city.",
    ]
    text = extract_pdf(make_pdf(lines=wrapped)).text
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith(" ".join(wrapped[:2]))  # one sentence, not two broken halves
    assert paragraphs[1] == " ".join(wrapped[3:])  # a short line ending a sentence closes a paragraph
    assert "\n" not in paragraphs[0] and len(paragraphs) == 3  # the third is the appendix page
