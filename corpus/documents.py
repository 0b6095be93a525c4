"""The `Document` every part of the corpus stores and returns (fields fixed in docs/architecture.md)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields
from typing import Any

from framing.doclabels import DOC_LABELS

#: Where a publication date came from; `import` is a date given by the user's own file.
DATE_SOURCES = (
    "feed", "sitemap", "api", "jsonld", "opengraph", "meta", "htmldate", "url", "text", "pdf",
    "import", "none",
)
#: Scope labels of CODEBOOK section 1 (None: not scored yet).
SCOPE_LABELS = ("core", "adjacent", "out")
#: Document framing labels of CODEBOOK section 4 (None: not labelled yet).
FRAMING_LABELS = DOC_LABELS  # the document framing labels are framing's vocabulary

#: Column order of exports and `Corpus.to_frame()`.
COLUMNS = (
    "id", "url", "urls", "title", "text", "outlet", "source", "language", "date", "date_source",
    "date_confidence", "date_evidence", "fetched_at", "content_hash", "scope_score", "scope_label", "story_id",
    "framing_label", "metadata",
)


def parse_date(value: object, name: str = "date") -> dt.date | None:
    """A `datetime.date` from a date, a datetime or an ISO string (`2021-03-04`, `2021-03-04T10:00Z`).

    Empty values give None; anything else raises ValueError naming the value.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10]) if len(text) == 10 else _parse_datetime(text).date()
        except ValueError:
            pass
    raise ValueError(f"{name} {value!r} is not an ISO date (YYYY-MM-DD)")


def _parse_datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)


def parse_datetime(value: object, name: str = "fetched_at") -> dt.datetime | None:
    """An aware UTC `datetime` from a datetime or ISO string; naive values are taken as UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = _parse_datetime(value.strip())
        except ValueError:
            raise ValueError(f"{name} {value!r} is not an ISO date-time") from None
    else:
        raise ValueError(f"{name} {value!r} is not a date-time")
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc)


def _optional_float(value: object, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a number") from None
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{name} {value!r} is not a finite number")
    return number


@dataclass
class Document:
    """One stored news article or policy document.

    `url` is the canonical URL and `urls` every URL seen for it; `date_source`/`date_confidence` say
    where the publication date came from and how far to trust it, `date_evidence` which sources name
    the same day (comma-separated, the deciding one first). Example:
    `Document(url="https://example.org/a", title="A", text="...", date=datetime.date(2021, 5, 1),
    date_source="feed", date_confidence=0.9)`.
    """

    id: str | None = None
    url: str | None = None
    urls: list[str] = field(default_factory=list)
    title: str | None = None
    text: str = ""
    outlet: str | None = None
    source: str | None = None
    language: str | None = None
    date: dt.date | None = None
    date_source: str = "none"
    date_confidence: float | None = None
    date_evidence: str | None = None
    fetched_at: dt.datetime | None = None
    content_hash: str | None = None
    scope_score: float | None = None
    scope_label: str | None = None
    story_id: str | None = None
    framing_label: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.date = parse_date(self.date)
        self.fetched_at = parse_datetime(self.fetched_at)
        self.date_confidence = _optional_float(self.date_confidence, "date_confidence")
        self.scope_score = _optional_float(self.scope_score, "scope_score")
        if self.text is None:
            self.text = ""
        if not isinstance(self.text, str):
            raise ValueError(f"text must be a string, not {type(self.text).__name__}")
        if self.date is None and self.date_source in ("", None):
            self.date_source = "none"
        if self.date_source not in DATE_SOURCES:
            raise ValueError(f"date_source {self.date_source!r} is not one of {', '.join(DATE_SOURCES)}")
        if self.date is not None and self.date_source == "none":
            raise ValueError(f"document {self.id or self.url!r} has a date but date_source 'none'")
        if self.date_confidence is not None and not 0.0 <= self.date_confidence <= 1.0:
            raise ValueError(f"date_confidence {self.date_confidence} is not between 0 and 1")
        if self.scope_label is not None and self.scope_label not in SCOPE_LABELS:
            raise ValueError(f"scope_label {self.scope_label!r} is not one of {', '.join(SCOPE_LABELS)}")
        if self.framing_label is not None and self.framing_label not in FRAMING_LABELS:
            raise ValueError(
                f"framing_label {self.framing_label!r} is not one of {', '.join(FRAMING_LABELS)}"
            )
        if isinstance(self.urls, str):
            self.urls = [self.urls]
        self.urls = list(dict.fromkeys(u for u in self.urls if u))
        if self.metadata is None:
            self.metadata = {}
        if not isinstance(self.metadata, dict):
            raise ValueError(f"metadata must be a JSON object, not {type(self.metadata).__name__}")
        if self.id is not None:
            self.id = str(self.id)

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable dict in `COLUMNS` order: dates as ISO strings, urls a list, metadata a dict."""
        record = {name: getattr(self, name) for name in COLUMNS}
        record["urls"] = list(self.urls)
        record["metadata"] = dict(self.metadata)
        record["date"] = self.date.isoformat() if self.date else None
        record["fetched_at"] = self.fetched_at.isoformat() if self.fetched_at else None
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Document:
        """The inverse of `to_record`; unknown keys raise ValueError so nothing is silently dropped."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(record) - known)
        if unknown:
            raise ValueError(f"unknown document field(s): {', '.join(unknown)}")
        return cls(**record)
