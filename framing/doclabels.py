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

from collections.abc import Iterable, Mapping, Sequence

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


_NO_LABELS = (0,) * len(LABELS)
_LISTLIKE = (list, tuple, set, np.ndarray)


def _label_counts(pairs: object) -> tuple[int, ...]:
    if not isinstance(pairs, Mapping) or not pairs:
        return _NO_LABELS
    values = list(pairs.values())
    return tuple(values.count(name) for name in LABELS)


def memberships(values: Iterable[object], items: Sequence[str]) -> dict[str, np.ndarray]:
    """For each of `items`, a boolean array saying which of `values` (lists of concepts, as in a units
    table) hold it: one pass over the values for all items."""
    values = list(values)
    none = (False,) * len(items)
    rows = [tuple(item in v for item in items) if isinstance(v, _LISTLIKE) else none for v in values]
    table = np.array(rows, dtype=bool).reshape(len(values), len(items))
    return {item: table[:, j] for j, item in enumerate(items)}


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
    flags = pd.DataFrame(memberships(units["concepts"], MAIN_CONCEPTS), index=units.index)
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
