"""One row per unit of text: the concepts it names and, for each pair of them, the relation label.

    >>> df = analyze([{"id": "d1", "text": "Harm reduction is not the opposite of recovery."}])
    >>> df.loc[0, "pairs"]
    {'HARM_REDUCTION+RECOVERY': 'complementary'}
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice, repeat

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from framing import classifier
from framing.classifier import RelationClassifier, default_relation_model
from framing.concepts import ConceptDetector
from framing.records import SURROGATE, as_frame
from framing.relations import CONCEPTS, as_spans, explain_markers, rule_relation, unit_pairs
from framing.units import unit_spans

COLUMNS = ["doc_id", "unit", "text", "start", "end", "paragraph", "concepts", "helpers", "pairs",
           "probabilities", "markers", "explanations"]
PROGRESS_MIN_DOCS = 200
PREDICT_BATCH = 500  # pairs labelled per step of the progress bar
CHUNK_DOCS = 1000  # documents read and split per step when streaming
MODEL_NAMES = ("default",)


def _model(model: RelationClassifier | str | None, level: str, show: bool | None) -> RelationClassifier:
    """The relation model to use: a fitted classifier, or the shipped one (trained on first use, with progress)."""
    if model is None or (isinstance(model, str) and model in MODEL_NAMES):
        first = level not in classifier._DEFAULT
        shipped = first and level == "family" and classifier.shipped_model_is_current()
        what = "loading the shipped relation model" if shipped else "training the relation model (first call only)"
        with tqdm(total=1, desc=what, unit="model",
                  disable=not first or show is False) as bar:
            fitted = default_relation_model(level=level)
            bar.update()
        return fitted
    if isinstance(model, str):
        raise ValueError(f"unknown relation model {model!r}: give None or 'default' (the shipped model) or a "
                         "fitted RelationClassifier, e.g. RelationClassifier.load(path)")
    if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        raise ValueError(f"relation model {type(model).__name__} is not a fitted classifier "
                         "(it needs predict_proba and classes_; call fit, or RelationClassifier.load(path))")
    return model


@contextmanager
def collection_paused() -> Iterator[None]:
    """Cyclic garbage collection held off for a block that allocates many short-lived objects: reference
    counting frees them, and every full collection meanwhile would walk all live objects (the relation
    model, the lexicon, a chunk's units) again. The previous state is restored after the block."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _checked(doc_id: object, text: object, n: int, text_col: str) -> str:
    """The record's text, or a one-line ValueError naming the record (its row number and id)."""
    where = f"document {doc_id!r} (row {n})"
    if isinstance(doc_id, (list, tuple, set, dict)) or getattr(doc_id, "ndim", 0):
        raise ValueError(f"row {n}: id must be a single string or number, not {type(doc_id).__name__} {doc_id!r}")
    if text is None or (isinstance(text, float) and pd.isna(text)):
        raise ValueError(f"{where}: {text_col!r} is missing; give a string (empty for no text) or drop the record")
    if not isinstance(text, str):
        raise ValueError(f"{where}: {text_col!r} must be text, not {type(text).__name__}")
    found = None if text.isascii() else SURROGATE.search(text)  # isascii is a flag: no scan for plain text
    if found:
        raise ValueError(f"{where}: {text_col!r} holds a lone surrogate character at offset {found.start()}, "
                         "which is not valid Unicode text")
    return text


def _chunks(docs: pd.DataFrame | Iterable[Mapping[str, object]], size: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """(number of the chunk's first record, frame) for consecutive chunks of `docs`, read lazily."""
    if isinstance(docs, pd.DataFrame):
        for i in range(0, len(docs), size):
            yield i + 1, docs.iloc[i:i + size]
        return
    if isinstance(docs, (str, bytes)):
        raise TypeError("docs must be a DataFrame or an iterable of records, not a string")
    it, n = iter(docs), 1
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield n, as_frame(chunk, first=n)
        n += len(chunk)


class _Waiting:
    """The pairs waiting for the model and the chunks (units tables, column by column) that hold them: pairs are
    labelled in batches across chunks, and a chunk is ready once all its pairs are. (A class, not closures of
    `iter_analyze`: a compiled closure would hold its scope in a reference cycle, and with it the last chunk.)"""

    def __init__(self, model: RelationClassifier, own: bool, classes: list[str], labelled: tqdm, unit: str,
                 level: str, empty_units: bool) -> None:
        self.model, self.own, self.classes, self.labelled = model, own, classes, labelled
        self.unit, self.level, self.empty_units = unit, level, empty_units
        self.pending: list[tuple[dict[str, list], list[str]]] = []  # chunks (columns) waiting for their labels
        self.items: list[tuple] = []
        self.verdicts: list = []
        self.where: list[tuple[dict[str, list], dict, dict, str]] = []  # (chunk, its pairs and probabilities, pair)
        self.sizes: dict[int, dict[str, int]] = {}  # without empty units: per waiting chunk, each document's units

    def label(self, n: int) -> None:
        """Label the first `n` waiting pairs (one model batch) and write the labels into their rows."""
        batch, found = self.items[:n], self.verdicts[:n]
        proba = self.model.predict_proba(batch, found) if self.own else self.model.predict_proba(batch)
        rows = np.asarray(proba, dtype=float).tolist()  # Python floats: round() then needs no conversion each
        classes = self.classes
        for (_, pairs, probabilities, pair), p in zip(self.where[:n], rows):
            probs = {c: round(x, 4) for c, x in zip(classes, p)}
            pairs[pair] = max(probs, key=probs.get)
            probabilities[pair] = probs
        del self.items[:n], self.verdicts[:n], self.where[:n]
        self.labelled.update(n)

    def ready(self) -> Iterator[pd.DataFrame]:
        """The waiting chunks whose pairs are all labelled, in input order."""
        waiting = {id(chunk) for chunk, _, _, _ in self.where}
        pending = self.pending
        while pending and id(pending[0][0]) not in waiting:
            chunk, columns = pending.pop(0)
            out = pd.DataFrame(chunk, columns=columns) if chunk["doc_id"] else pd.DataFrame([], columns=columns)
            out.attrs.update({"unit": self.unit, "level": self.level})
            per_doc = self.sizes.pop(id(chunk))
            if not self.empty_units:
                out.attrs["units_per_doc"] = per_doc
            yield out


def iter_analyze(docs: pd.DataFrame | Iterable[Mapping[str, object]], unit: str = "sentence",
                 level: str = "family", k: int = 3, model: RelationClassifier | str | None = None,
                 text_col: str = "text", id_col: str = "id", progress: bool | None = None,
                 chunk_docs: int = CHUNK_DOCS, empty_units: bool = True) -> Iterator[pd.DataFrame]:
    """`analyze`, streamed: reads `docs` (a DataFrame, a list, `Corpus.stream()` or any iterable of records)
    `chunk_docs` documents at a time and yields one units table per chunk, so memory depends on the chunk,
    not on the corpus. Pairs are labelled in the same batches as one `analyze` call makes, so the
    concatenated chunks equal `analyze(docs)` exactly. With `empty_units=False` the units without any
    concept get no row (counting needs only their number, kept per document in
    `attrs["units_per_doc"]`, which `framing.timeseries` reads)."""
    if chunk_docs < 1:
        raise ValueError(f"chunk_docs must be at least 1, not {chunk_docs}")
    detector = ConceptDetector(level=level)
    model = _model(model, level, progress)
    own = isinstance(model, RelationClassifier)  # it takes the verdicts computed here (rules run once)
    classes = [str(c) for c in model.classes_]
    main = set(CONCEPTS)
    sized = len(docs) if isinstance(docs, (pd.DataFrame, list, tuple)) else None
    show = progress if progress is not None else (sized or 0) >= PROGRESS_MIN_DOCS
    bar = tqdm(total=sized, desc="units and concepts", unit="doc", disable=not show)
    labelled = tqdm(desc="relations", unit="pair", disable=not show)
    waiting = _Waiting(model, own, classes, labelled, unit, level, empty_units)
    items, verdicts, where, pending, sizes = (waiting.items, waiting.verdicts, waiting.where, waiting.pending,
                                              waiting.sizes)

    collecting = gc.isenabled()
    try:
        for first, frame in _chunks(docs, chunk_docs):
            # cyclic garbage collection waits while a chunk is analysed (see `collection_paused`, about a seventh
            # of the time) and runs as usual between chunks, so memory stays bounded by the chunk
            gc.disable()
            for col in (text_col, id_col):
                if col not in frame.columns:
                    raise ValueError(f"input has no {col!r} column (columns: {', '.join(map(str, frame.columns))})")
            has_date = "date" in frame.columns and "date" not in (text_col, id_col)
            title_col = "title" if "title" in frame.columns and "title" not in (text_col, id_col) else None
            titles = frame[title_col].tolist() if title_col else [None] * len(frame)
            records = frame[[id_col, text_col] + (["date"] if has_date else [])].itertuples(index=False, name=None)
            columns = COLUMNS + (["date"] if has_date else [])
            chunk: dict[str, list] = {c: [] for c in columns}  # the units table, column by column
            (doc_ids, indexes, texts, starts, ends, paragraphs, concepts, helpers, pairs, probabilities, markers,
             explanations) = (chunk[c] for c in COLUMNS)
            dates = chunk.get("date", [])
            counts = sizes[id(chunk)] = {}
            for n, (rec, title) in enumerate(zip(records, titles), first):
                doc_id, text = rec[0], _checked(rec[0], rec[1], n, text_col)
                # the codebook's "the site" rule holds in a document that names a site, in its title or its text
                spans = unit_spans(text, unit=unit, k=k)
                found = detector.detect_units(text, [(s, e) for s, e, _ in spans], title)
                counts[str(doc_id)] = counts.get(str(doc_id), 0) + len(spans)
                kept = range(len(spans))
                if not empty_units:  # rows only for the units that name a concept
                    kept = [i for i, mentions in enumerate(found) if mentions]
                    spans, found = [spans[i] for i in kept], [found[i] for i in kept]
                # the columns of the document's rows at once; the concept columns start empty (a new list or
                # dict per row) and are filled in for the units that name a concept
                doc_ids.extend(repeat(doc_id, len(kept)))
                indexes.extend(kept)
                texts.extend([text[start:end] for start, end, _ in spans])
                starts.extend([start for start, _, _ in spans])
                ends.extend([end for _, end, _ in spans])
                paragraphs.extend([paragraph for _, _, paragraph in spans])
                if has_date:
                    dates.extend(repeat(rec[2], len(kept)))
                first_row = len(concepts)
                concepts.extend([[] for _ in kept])
                helpers.extend([[] for _ in kept])
                for column in (pairs, probabilities, markers, explanations):
                    column.extend([{} for _ in kept])
                for row, mentions in enumerate(found, first_row):
                    if not mentions:  # most units: no concept, so nothing to sort or label
                        continue
                    present = {m.concept for m in mentions}
                    concepts[row] = [c for c in CONCEPTS if c in present]
                    helpers[row] = sorted(present - main)
                    if len(present) < 2:
                        continue
                    located = as_spans(mentions)  # helpers as their main concept
                    # the unit's pairs and rules ask for the same spans, which as_spans then reuses
                    u_text = texts[row]
                    for pair in unit_pairs(located):  # none with fewer than two main concepts
                        verdict = rule_relation(u_text, located, pair)
                        markers[row][pair] = [m.to_dict() for m in verdict.markers]
                        explanations[row][pair] = explain_markers(verdict)
                        items.append((u_text, pair, located if own else mentions))
                        verdicts.append(verdict)
                        where.append((chunk, pairs[row], probabilities[row], pair))
                bar.update()
            pending.append((chunk, columns))
            while len(items) >= PREDICT_BATCH:
                waiting.label(PREDICT_BATCH)
            if collecting:
                gc.enable()
            yield from waiting.ready()
        while items:
            waiting.label(min(PREDICT_BATCH, len(items)))
        yield from waiting.ready()
    finally:
        if collecting:
            gc.enable()
        bar.close()
        labelled.close()


def analyze(docs: pd.DataFrame | Iterable[Mapping[str, object]], unit: str = "sentence", level: str = "family",
            k: int = 3, model: RelationClassifier | str | None = None, text_col: str = "text", id_col: str = "id",
            progress: bool | None = None) -> pd.DataFrame:
    """Split each document into units, detect concepts and label every pair of concepts in a unit.

    Columns: doc_id, unit (index within the document), text, start, end, paragraph, concepts (main
    concepts, canonical order), helpers (ABSTINENCE/SITE), pairs ("A+B" -> label), probabilities
    ("A+B" -> {label: p}), markers ("A+B" -> rule markers) and explanations ("A+B" -> readable reasons);
    a `date` column of the input is carried over. A document that names a consumption site anywhere lets
    definite descriptions ("the facility") count as HARM_REDUCTION in all of its units; a `title` column
    counts as part of the document for that.

    A record with missing or non-text text, a list as id, or text that is not valid Unicode raises a
    one-line ValueError naming it. Progress (tqdm.auto, so notebooks too) is shown for the first call's
    model training and, by default, for 200 documents or more; `progress=False` hides it. For corpora
    that do not fit in memory use `iter_analyze` (the same rows, a chunk at a time).
    """
    frame = as_frame(docs)
    for col in (text_col, id_col):
        if col not in frame.columns:
            raise ValueError(f"input has no {col!r} column (columns: {', '.join(map(str, frame.columns))})")
    has_date = "date" in frame.columns and "date" not in (text_col, id_col)
    parts = list(iter_analyze(frame, unit=unit, level=level, k=k, model=model, text_col=text_col, id_col=id_col,
                              progress=progress, chunk_docs=max(1, len(frame))))
    if len(parts) == 1:
        return parts[0]
    out = pd.DataFrame([], columns=COLUMNS + (["date"] if has_date else []))
    out.attrs.update({"unit": unit, "level": level})
    return out
