"""Document framing labels over the three concepts (CODEBOOK.md section 4).

- `none`: no concept in the document; `single`: exactly one;
- with two or more: `mixed` when units relate some pair as `opposition` and some as `complementary`,
  `oppositional` when there is an opposition and no complementary framing, otherwise `integrative`
  (only complementary/neutral relations — or concepts that never share a unit, since the document
  sets none of them against another).

    >>> document_label(["neutral", "opposition"], {"HARM_REDUCTION", "RECOVERY"})
    'oppositional'
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from framing.lexicon import MAIN_CONCEPTS
from framing.relations import LABELS

DOC_LABELS = ("integrative", "oppositional", "mixed", "single", "none")


def document_label(pair_labels: Iterable[str], concepts: Iterable[str]) -> str:
    """The label of one document from all its units' pair labels and the concepts it mentions."""
    labels = list(pair_labels)
    unknown = set(labels) - set(LABELS)
    if unknown:
        raise ValueError(f"unknown pair label(s) {sorted(unknown)}; expected {', '.join(LABELS)}")
    present = set(concepts) & set(MAIN_CONCEPTS)
    if not present:
        return "none"
    if len(present) == 1:
        return "single"
    opposed, complementary = "opposition" in labels, "complementary" in labels
    if opposed and complementary:
        return "mixed"
    return "oppositional" if opposed else "integrative"


def _pairs_of(value: object) -> Mapping[str, str]:
    return value if isinstance(value, Mapping) else {}


def _concepts_of(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return list(value)


def document_labels(units: pd.DataFrame) -> pd.DataFrame:
    """One row per document of a units table (`framing.analyze` output: doc_id, concepts, pairs).

    Columns: doc_id, label, concepts (main concepts present, canonical order), units,
    complementary, neutral, opposition (numbers of unit-pairs with each relation).
    """
    missing = {"doc_id", "concepts", "pairs"} - set(units.columns)
    if missing:
        raise ValueError(f"units table lacks column(s) {sorted(missing)}; expected framing.analyze output")
    rows = []
    for doc_id, group in units.groupby("doc_id", sort=False):
        present: set[str] = set()
        labels: list[str] = []
        for concepts, pairs in zip(group["concepts"], group["pairs"]):
            present.update(_concepts_of(concepts))
            labels.extend(_pairs_of(pairs).values())
        rows.append({
            "doc_id": doc_id,
            "label": document_label(labels, present),
            "concepts": [c for c in MAIN_CONCEPTS if c in present],
            "units": len(group),
            **{name: labels.count(name) for name in LABELS},
        })
    columns = ["doc_id", "label", "concepts", "units", *LABELS]
    return pd.DataFrame(rows, columns=columns)
