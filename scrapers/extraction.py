"""`Extraction`: the text of one document with its metadata, as every extractor (HTML, PDF) and source
returns it. Its own module, so that the extractors import it without importing each other."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass


@dataclass
class Extraction:
    """The text of one document with its metadata (field names fixed in docs/architecture.md)."""

    text: str
    title: str | None = None
    date: dt.date | None = None
    date_source: str = "none"
    date_confidence: float = 0.0
    date_evidence: str = ""  # comma-separated sources naming the same day, the deciding one first
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
