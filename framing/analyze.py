"""One row per unit of text: the concepts it names and, for each pair of them, the relation label.

    >>> df = analyze([{"id": "d1", "text": "Harm reduction is not the opposite of recovery."}])
    >>> df.loc[0, "pairs"]
    {'HARM_REDUCTION+RECOVERY': 'complementary'}
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from tqdm.auto import tqdm

from framing.classifier import RelationClassifier, default_relation_model
from framing.concepts import ConceptDetector
from framing.records import as_frame
from framing.relations import CONCEPTS, explain_markers, rule_relation, unit_pairs
from framing.units import split_units

COLUMNS = ["doc_id", "unit", "text", "start", "end", "paragraph", "concepts", "helpers", "pairs",
           "probabilities", "markers", "explanations"]
PROGRESS_MIN_DOCS = 200


def analyze(docs: pd.DataFrame | Iterable[Mapping[str, object]], unit: str = "sentence", level: str = "family",
            k: int = 3, model: RelationClassifier | None = None, text_col: str = "text", id_col: str = "id",
            progress: bool | None = None) -> pd.DataFrame:
    """Split each document into units, detect concepts and label every pair of concepts in a unit.

    Columns: doc_id, unit (index within the document), text, start, end, paragraph, concepts (main
    concepts, canonical order), helpers (ABSTINENCE/SITE), pairs ("A+B" -> label), probabilities
    ("A+B" -> {label: p}), markers ("A+B" -> rule markers) and explanations ("A+B" -> readable reasons);
    a `date` column of the input is carried over. A document that names a consumption site anywhere lets
    definite descriptions ("the facility") count as HARM_REDUCTION in all of its units.
    """
    frame = as_frame(docs)
    for col in (text_col, id_col):
        if col not in frame.columns:
            raise ValueError(f"input has no {col!r} column (columns: {', '.join(map(str, frame.columns))})")
    detector = ConceptDetector(level=level)
    model = model if model is not None else default_relation_model(level=level)
    has_date = "date" in frame.columns and "date" not in (text_col, id_col)
    rows: list[dict] = []
    items: list[tuple] = []
    where: list[tuple[int, str]] = []
    show = progress if progress is not None else len(frame) >= PROGRESS_MIN_DOCS
    records = frame[[id_col, text_col] + (["date"] if has_date else [])].itertuples(index=False, name=None)
    for rec in tqdm(records, total=len(frame), desc="relations", unit="doc", disable=not show):
        doc_id, text = rec[0], rec[1]
        if text is None or (isinstance(text, float) and pd.isna(text)):
            text = ""
        if not isinstance(text, str):
            raise ValueError(f"document {doc_id!r}: {text_col!r} must be text, not {type(text).__name__}")
        site_context = level == "family" and detector.names_site(text)
        for u in split_units(text, unit=unit, k=k):
            mentions = detector.detect(u.text, site_context=site_context)
            present = {m.concept for m in mentions}
            row = {"doc_id": doc_id, "unit": u.index, "text": u.text, "start": u.start, "end": u.end,
                   "paragraph": u.paragraph,
                   "concepts": [c for c in CONCEPTS if c in present],
                   "helpers": sorted(present - set(CONCEPTS)),
                   "pairs": {}, "probabilities": {}, "markers": {}, "explanations": {}}
            if has_date:
                row["date"] = rec[2]
            for pair in unit_pairs(mentions):
                verdict = rule_relation(u.text, mentions, pair)
                row["markers"][pair] = [m.to_dict() for m in verdict.markers]
                row["explanations"][pair] = explain_markers(verdict)
                items.append((u.text, pair, mentions))
                where.append((len(rows), pair))
            rows.append(row)
    if items:
        proba = model.predict_proba(items)
        classes = [str(c) for c in model.classes_]
        for (i, pair), p in zip(where, proba):
            probs = {c: round(float(x), 4) for c, x in zip(classes, p)}
            rows[i]["pairs"][pair] = max(probs, key=probs.get)
            rows[i]["probabilities"][pair] = probs
    columns = COLUMNS + (["date"] if has_date else [])
    out = pd.DataFrame(rows, columns=columns)
    out.attrs.update({"unit": unit, "level": level})
    return out
