"""Render the sample site's policy documents (site/policy.toml) to the committed PDFs in site/pdf/.

Run once after editing policy.toml: `python -m corpus.demo.make_pdfs`. Needs reportlab (the `dev`
extra); the demo itself only reads the committed PDFs. Output is byte-stable (reportlab invariant mode,
with the document's own date as its creation date).
"""
from __future__ import annotations

from pathlib import Path

from corpus.demo.sitebuilder import PDF_DIR, Article, load_site


def render_pdf(article: Article, path: Path) -> None:
    """Write one policy document as a small text PDF whose metadata and title page carry its date."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    assert article.date is not None, f"{article.uid}: policy documents need a date"
    stamp = f"D:{article.date:%Y%m%d}090000+00'00'"
    styles = getSampleStyleSheet()
    story = [Paragraph(article.author, styles["Normal"]), Spacer(1, 8),
             Paragraph(article.title, styles["Title"]),
             Paragraph(f"Published {article.date.day} {article.date:%B %Y}", styles["Normal"]), Spacer(1, 14)]
    for para in article.paragraphs:
        story += [Paragraph(para, styles["BodyText"]), Spacer(1, 6)]

    def stamp_date(canvas, _doc) -> None:  # noqa: ANN001 - reportlab callback signature
        canvas.setDateFormatter(lambda *_: stamp)

    doc = SimpleDocTemplate(str(path), pagesize=letter, title=article.title, author=article.author,
                            subject="Policy document", creator="framewatch demo", invariant=1)
    doc.build(story, onFirstPage=stamp_date, onLaterPages=stamp_date)


def main() -> None:
    """Render every policy document of the sample site."""
    PDF_DIR.mkdir(parents=True, exist_ok=True)
    for article in load_site().articles:
        if article.kind == "policy":
            target = PDF_DIR / f"{article.slug}.pdf"
            render_pdf(article, target)
            print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
