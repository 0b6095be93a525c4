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

import numpy as np
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


def _label_counts(pairs: object) -> tuple[int, int, int]:
    values = list(pairs.values()) if isinstance(pairs, Mapping) else []
    return tuple(values.count(name) for name in LABELS)  # type: ignore[return-value]


def _has(values: pd.Series, item: str) -> list[bool]:
    return [isinstance(v, (list, tuple, set, np.ndarray)) and item in v for v in values]


def document_labels(units: pd.DataFrame) -> pd.DataFrame:
    """One row per document of a units table (`framing.analyze` output: doc_id, concepts, pairs).

    Columns: doc_id, label, concepts (main concepts present, canonical order), units,
    complementary, neutral, opposition (numbers of unit-pairs with each relation).
    """
    missing = {"doc_id", "concepts", "pairs"} - set(units.columns)
    if missing:
        raise ValueError(f"units table lacks column(s) {sorted(missing)}; expected framing.analyze output")
    seen = {v for p in units["pairs"] if isinstance(p, Mapping) for v in p.values()}
    if seen - set(LABELS):
        raise ValueError(f"unknown pair label(s) {sorted(seen - set(LABELS))}; expected {', '.join(LABELS)}")
    flags = pd.DataFrame({c: _has(units["concepts"], c) for c in MAIN_CONCEPTS}, index=units.index)
    counts = pd.DataFrame([_label_counts(p) for p in units["pairs"]], columns=list(LABELS), index=units.index)
    table = pd.concat([units[["doc_id"]], flags, counts], axis=1)
    grouped = table.groupby("doc_id", sort=False)
    present = grouped[list(MAIN_CONCEPTS)].any()
    totals = grouped[list(LABELS)].sum()
    n_present = present.sum(axis=1)
    opposed, complementary = totals["opposition"] > 0, totals["complementary"] > 0
    label = np.select(
        [n_present == 0, n_present == 1, opposed & complementary, opposed],
        ["none", "single", "mixed", "oppositional"], default="integrative")
    out = pd.DataFrame({
        "doc_id": present.index,
        "label": label,
        "concepts": [[c for c in MAIN_CONCEPTS if row[c]] for row in present.to_dict("records")],
        "units": grouped.size().to_numpy(),
        **{name: totals[name].to_numpy() for name in LABELS},
    })
    return out.reset_index(drop=True)
