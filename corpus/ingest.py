"""The one way into the corpus: a record or an extraction becomes a Document, scored for scope, stored, in a story.

`framewatch update`, `framewatch reextract` and `framewatch import` all store through `Ingest.store`, so
every document, however it arrived, gets a scope score and label (CODEBOOK section 1) and a near-duplicate
story in the same transaction as the document itself.

    ingest = Ingest(corpus)
    stored = ingest.store(document_from_record({"id": "a1", "Body": "...", "Date": "2021-03-04"}))
    stored.status, stored.doc.scope_label, stored.doc.story_id
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from corpus.dedup import NearDuplicateIndex
from corpus.documents import COLUMNS, Document, parse_date
from corpus.scope import ScopeScorer
from corpus.store import Bulk, Corpus
from corpus.urls import is_http_url

#: Column names of news-database exports (LexisNexis, Factiva ...) and what they hold, lower-cased.
#: A column named exactly like a Document field (`text`, `source` ...) always means that field.
ALIASES: dict[str, str] = {
    **dict.fromkeys(("id", "doc id", "document id", "docid", "guid"), "id"),
    **dict.fromkeys(("body", "text", "content", "article", "full text", "fulltext", "article text"),
                    "text"),
    **dict.fromkeys(("headline", "title", "hl", "headline text"), "title"),
    **dict.fromkeys(("date", "publication date", "published", "publish date", "pubdate", "pub date",
                     "load-date", "load date"), "date"),
    **dict.fromkeys(("byline", "author", "authors", "by"), "byline"),
    **dict.fromkeys(("source", "publication", "publication name", "publication-name", "source name",
                     "newspaper", "outlet", "sn"), "outlet"),
    **dict.fromkeys(("url", "link", "links", "web address", "document url", "uri"), "url"),
    **dict.fromkeys(("language", "lang", "la"), "language"),
}
#: Targets a user may name with `--field TARGET=COLUMN`: the Document fields plus `byline` (kept in metadata).
FIELD_TARGETS = tuple(c for c in COLUMNS if c not in ("content_hash",)) + ("byline",)


def parse_field_map(items: list[str] | None) -> dict[str, str]:
    """`["text=Body", "date=Load-Date"]` as {target: column}; raises ValueError naming a bad item."""
    mapping: dict[str, str] = {}
    for item in items or []:
        target, sep, column = item.partition("=")
        target, column = target.strip(), column.strip()
        if not sep or not target or not column:
            raise ValueError(f"--field {item!r}: expected FIELD=COLUMN, for example text=Body")
        if target not in FIELD_TARGETS:
            raise ValueError(f"--field {item!r}: {target!r} is not one of {', '.join(FIELD_TARGETS)}")
        mapping[target] = column
    return mapping


def column_map(columns: list[str], fields: Mapping[str, str] | None = None) -> dict[str, str]:
    """{column: target} for a table's columns: the user's `fields` first, then exact field names, then ALIASES.

    Each target is taken by one column only (the first in that order); other columns stay metadata.
    """
    fields = dict(fields or {})
    out: dict[str, str] = {}
    taken: set[str] = set()
    lowered = {c.strip().lower(): c for c in reversed(columns)}
    for target, column in fields.items():
        found = column if column in columns else lowered.get(column.strip().lower())
        if found is None:
            raise ValueError(f"--field {target}={column}: there is no column {column!r}")
        out[found] = target
        taken.add(target)
    for column in columns:
        if column in COLUMNS and column not in out and column not in taken:
            out[column] = column
            taken.add(column)
    for column in columns:
        target = ALIASES.get(column.strip().lower())
        if column not in out and target and target not in taken:
            out[column] = target
            taken.add(target)
    return out


def _text_or_none(value: object, name: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (dict, list)):
        raise ValueError(f"{name} must be text, not a JSON {type(value).__name__}")
    return str(value)


def _json_field(value: object, name: str, kind: type) -> Any:
    """A list/dict field, given natively (JSON Lines, Parquet) or as JSON text (CSV)."""
    import json

    if value is None or value == "":
        return kind()
    if isinstance(value, str):
        if kind is list and not value.lstrip().startswith("["):
            return [value]
        try:
            value = json.loads(value, parse_constant=reject_constant)
        except json.JSONDecodeError as error:
            raise ValueError(f"{name} is not valid JSON: {error}") from None
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, kind):
        raise ValueError(f"{name} must be a JSON {'list' if kind is list else 'object'}")
    return value


def reject_constant(name: str) -> None:
    """`json.loads(..., parse_constant=reject_constant)`: NaN and ±Infinity are refused, not read as floats."""
    raise ValueError(f"{name} is not a number JSON allows")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def check_finite(value: object, name: str, depth: int = 0) -> None:
    """Raise ValueError when `value` holds NaN or ±Infinity anywhere (they are not JSON) or nests too deep."""
    if depth > 50:
        raise ValueError(f"{name} nests deeper than 50 levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} holds {value!r}, which is not a number JSON allows")
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{name}.{key}", depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_finite(item, name, depth + 1)


_DIGITS = re.compile(r"[+-]?\d+(?:\.\d+)?")


def record_date(value: object) -> dt.date | None:
    """A publication date from an imported cell: ISO first, then common written forms ("June 14, 2019").

    Numbers (epoch seconds, Excel serials, bare years) are refused rather than read as 1970 or year 1.
    """
    if _missing(value):
        return None
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(f"date {value!r} is a number, not a date (epoch seconds and serial numbers are "
                         "not guessed); give YYYY-MM-DD")
    if isinstance(value, str):
        text = value.strip()
        if _DIGITS.fullmatch(text) and not (len(text) == 8 and text.isdigit()):
            raise ValueError(f"date {value!r} is a number, not a date; give YYYY-MM-DD")
        try:
            return parse_date(text)
        except ValueError:
            if not re.search(r"[A-Za-z]{3}", text):  # 03/02/2020: day and month cannot be told apart
                raise
            from scrapers.dates import parse_date as written_date

            found = written_date(text)
            if found is None:
                raise
            return found
    return parse_date(value)


def document_from_record(
    record: Mapping[str, Any], source: str | None = "import", columns: Mapping[str, str] | None = None
) -> Document:
    """A Document from one imported record (a JSON object, a CSV row, a Parquet row).

    `columns` maps the record's keys to Document fields (see `column_map`; by default exact field names
    and news-database aliases). Unmapped keys are kept in `metadata`. A date without `date_source` is
    marked `import` with confidence 1 (the researcher's own date). NaN and Infinity are refused.
    """
    if not isinstance(record, Mapping):
        raise ValueError(f"a record must be a JSON object, not {type(record).__name__}")
    if None in record:
        raise ValueError(f"row has {len(record[None])} more cell(s) than the header")
    mapping = dict(columns) if columns is not None else column_map([str(k) for k in record])
    values: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for key, value in record.items():
        target = mapping.get(key)
        if _missing(value):
            continue
        if target is None or target == "byline":
            extras[target or key] = value
        else:
            values[target] = value
    check_finite(extras, "metadata")
    metadata = {**extras, **_json_field(values.get("metadata"), "metadata", dict)}
    check_finite(metadata, "metadata")
    urls = [str(u) for u in _json_field(values.get("urls"), "urls", list) if u]
    text = values.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError(f"text must be a string, not {type(text).__name__}")
    url = _text_or_none(values.get("url"), "url")
    for candidate in [url, *urls]:
        if candidate and not is_http_url(candidate):
            raise ValueError(f"url {candidate!r} is not an http(s) URL (put other identifiers in `id`)")
    date = record_date(values.get("date"))
    date_source = _text_or_none(values.get("date_source"), "date_source") or ("import" if date else "none")
    confidence = values.get("date_confidence")
    if confidence is None and date is not None and date_source == "import":
        confidence = 1.0
    identifier = values.get("id")
    if isinstance(identifier, (list, dict)):
        raise ValueError("id must be text or a number, not a list or object")
    identifier = _text_or_none(identifier, "id")
    if not (identifier or url or urls or (text or "").strip()):
        raise ValueError("record has no id, url or text")
    return Document(
        id=identifier, url=url, urls=urls, title=_text_or_none(values.get("title"), "title"), text=text or "",
        outlet=_text_or_none(values.get("outlet"), "outlet"),
        source=_text_or_none(values.get("source"), "source") or source,
        language=_text_or_none(values.get("language"), "language"), date=date, date_source=date_source,
        date_confidence=confidence, date_evidence=_text_or_none(values.get("date_evidence"), "date_evidence"),
        fetched_at=values.get("fetched_at") or None,
        scope_score=values.get("scope_score"), scope_label=_text_or_none(values.get("scope_label"), "scope_label"),
        story_id=_text_or_none(values.get("story_id"), "story_id"),
        framing_label=_text_or_none(values.get("framing_label"), "framing_label"), metadata=metadata,
    )


def document_from_extraction(
    extraction: Any,
    *,
    urls: list[str] | None = None,
    source: str | None = None,
    title: str | None = None,
    outlet: str | None = None,
    language: str | None = None,
    fetched_at: dt.datetime | str | None = None,
    metadata: dict[str, Any] | None = None,
    doc_id_: str | None = None,
    page_canonical: bool = False,
) -> Document:
    """A Document from a `scrapers` Extraction; `title`/`outlet`/`language` fill what extraction did not find.

    With `page_canonical=True` and no `urls`, the page's own canonical link is used (unless it points at
    a site's home page). The extractor's name is kept in `metadata["extractor"]`.
    """
    urls = list(urls or [])
    canonical = getattr(extraction, "canonical_url", None)
    if page_canonical and not urls and canonical and is_http_url(canonical) \
            and canonical.split("://", 1)[1].rstrip("/").count("/"):
        urls = [canonical]
    meta = dict(metadata or {})
    if getattr(extraction, "extractor", None):
        meta.setdefault("extractor", extraction.extractor)
    return Document(
        id=doc_id_, urls=urls, title=extraction.title or title, text=extraction.text or "",
        outlet=extraction.outlet or outlet, source=source, language=extraction.language or language,
        date=extraction.date, date_source=(extraction.date_source or "none") if extraction.date else "none",
        date_confidence=extraction.date_confidence if extraction.date else None,
        date_evidence=(getattr(extraction, "date_evidence", None) or None) if extraction.date else None,
        fetched_at=fetched_at, metadata=meta,
    )


@dataclass
class Stored:
    """What `Ingest.store` did: `new`, `updated` or `unchanged`, the document as stored, and its story."""

    status: str
    doc: Document
    story: str


class Ingest:
    """Stores documents into one corpus: scope scored when not given, story assigned, one transaction each
    (or one per `batch()`, whose rows are written together).

    The near-duplicate index is built from the corpus on the first store (or passed in), so stories
    continue across runs and an interrupted run resumed gives the stories of one clean run.
    """

    def __init__(self, corpus: Corpus, *, scorer: ScopeScorer | None = None,
                 index: NearDuplicateIndex | None = None, progress: bool = False) -> None:
        self.corpus = corpus
        self.scorer = scorer or ScopeScorer()
        self._index = index
        self.progress = progress
        self._bulk: Bulk | None = None
        self._indexed: list[str] = []  # ids this batch added to the index, forgotten again if it fails

    @property
    def index(self) -> NearDuplicateIndex:
        """The near-duplicate index over the corpus (built on first use)."""
        if self._index is None:
            self._index = NearDuplicateIndex.from_corpus(self.corpus, progress=self.progress)
        return self._index

    def scored(self, doc: Document) -> Document:
        """`doc` with a scope score and label, unless it brought its own label."""
        if doc.scope_label is None:
            doc.scope_score, doc.scope_label = self.scorer.score(doc.title, doc.text)
        return doc

    @contextmanager
    def batch(self, docs: Iterable[Document] = ()) -> Iterator[Ingest]:
        """Every `store` in the block goes into one transaction, written with one `executemany` per table
        when the block ends (`Corpus.bulk`); the look-ups of `docs`, when given, are made up front in a
        few queries. A store that raises costs only its own document; if the block raises, nothing of it
        is written and the near-duplicate index forgets what the block added."""
        if self._bulk is not None:
            yield self
            return
        index = self.index
        try:
            with self.corpus.bulk() as bulk:
                bulk.prefetch(docs)
                self._bulk = bulk
                try:
                    yield self
                finally:
                    self._bulk = None
        except BaseException:
            for added in self._indexed:
                index.remove(added)
            raise
        finally:
            self._indexed = []

    def store(self, doc: Document) -> Stored:
        """Score, store (merging with what is stored: see `Corpus.upsert`) and put `doc` in a story, atomically."""
        if self._bulk is None:
            with self.batch():
                return self.store(doc)
        index = self.index
        doc = self.scored(doc)
        status, stored = self._bulk.upsert(doc)
        if stored.id not in index:
            self._indexed.append(stored.id)
        story = index.assign(self._bulk, stored)  # type: ignore[arg-type]  # Bulk.set_story queues the write
        return Stored(status, stored, story)
