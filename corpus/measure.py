"""Measure a stored corpus with `framing` and write the results: the step after every update.

Example::

    m = measure_corpus("framewatch-data/corpus.sqlite", freq="Q")
    write_outputs(m, "report/")          # report.html, charts, CSV and JSON Lines tables
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from corpus.store import Corpus

log = logging.getLogger(__name__)

DOCUMENT_COLUMNS = ["id", "url", "title", "outlet", "source", "date", "date_source", "date_confidence",
                    "scope_label", "scope_score", "story_id", "framing_label"]


@dataclass
class Measurement:
    """The corpus documents, their analysed units, document framing labels and the time series."""

    docs: pd.DataFrame
    units: pd.DataFrame
    labels: pd.DataFrame
    timeseries: pd.DataFrame


def measure_corpus(
    db_path: str | Path,
    freq: str = "M",
    scope: Iterable[str] | None = ("core",),
    level: str = "family",
    by: str | None = None,
    unit: str = "sentence",
    store_labels: bool = True,
    min_date_confidence: float | None = None,
) -> Measurement:
    """Analyse the in-scope documents of the corpus at `db_path` and build the time series.

    With `store_labels`, each analysed document's framing label is saved in the corpus (one transaction),
    so exports carry it. `min_date_confidence` leaves out documents dated less surely (see
    `framing.timeseries`). Raises FileNotFoundError when there is no corpus at `db_path`.
    """
    from framing.analyze import analyze
    from framing.doclabels import document_labels
    from framing.timeseries import timeseries

    wanted = None if scope is None else list(scope)
    with Corpus.open(db_path, create=False) as db:
        docs = db.to_frame()
        analysed = docs if wanted is None else docs[docs["scope_label"].isin(wanted)]
        analysed = analysed.assign(text=analysed["text"].fillna(""))  # a stored document may have no text
        units = analyze(analysed, unit=unit, level=level)
        labels = document_labels(units)
        if store_labels:
            _store_labels(db, labels)
            docs = db.to_frame()
    table = timeseries(docs, units, freq=freq, by=by, level=level, scope=wanted,
                       min_date_confidence=min_date_confidence)
    return Measurement(docs=docs, units=units, labels=labels, timeseries=table)


def _store_labels(db: Corpus, labels: pd.DataFrame) -> None:
    """Save framing labels under the corpus writers' lock; while another writer (an update) holds it, the
    labels are not saved (a warning says so) and the measurement goes on from memory."""
    from corpus.lock import CorpusLock, LockHeld

    try:
        with CorpusLock(db.path, "report"), db.transaction():
            for doc_id, label in zip(labels["doc_id"], labels["label"]):
                db.set_framing_label(str(doc_id), label)
    except LockHeld as error:
        log.warning("framing labels not saved: %s", error)


def write_outputs(m: Measurement, out_dir: str | Path, title: str | None = None,
                  topics: pd.DataFrame | None = None, **extra: pd.DataFrame | None) -> dict[str, Path]:
    """Write the report (HTML + PNG charts) and the tables (CSV, JSON Lines) into `out_dir`; return their paths.

    `extra` goes to `framing.write_report` (topic_prevalence=..., frame_shares=...)."""
    from framing.report import write_report

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "documents": out / "documents.csv",
        "units": out / "units.jsonl",
        "document_labels": out / "document_labels.csv",
        "timeseries": out / "timeseries.csv",
    }
    m.docs[[c for c in DOCUMENT_COLUMNS if c in m.docs.columns]].to_csv(files["documents"], index=False)
    m.units.to_json(files["units"], orient="records", lines=True, date_format="iso", default_handler=str,
                    force_ascii=False)
    m.labels.to_csv(files["document_labels"], index=False)
    m.timeseries.to_csv(files["timeseries"], index=False)
    kwargs = {"title": title} if title else {}
    files["report"] = write_report(out, m.timeseries, units=m.units, docs=m.docs, topics=topics, **extra, **kwargs)
    return files
