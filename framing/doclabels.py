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
from framing.relations import LABELS, PAIRS

DOC_LABELS = ("integrative", "oppositional", "mixed", "single", "none")


def document_label(pair_labels: Iterable[str], concepts: Iterable[str]) -> str:
    """The label of one document from all its units' pair labels and the concepts it mentions."""
    labels = list(pair_labels)
    unknown = set(labels) - set(LABELS)
    if unknown:
        raise ValueError(f"unknown pair label(s) {sorted(unknown)}; expected {', '.join(LABELS)}")
    n_present = len(set(concepts) & set(MAIN_CONCEPTS))
    opposed, complementary = "opposition" in labels, "complementary" in labels
    return str(label_documents(np.array([n_present]), np.array([opposed]), np.array([complementary]))[0])


_LISTLIKE = (list, tuple, set, np.ndarray)


def _row(concepts: tuple, pair_labels: tuple, items: Sequence[str]) -> tuple[int, ...]:
    unknown = {label for _, label in pair_labels} - set(LABELS)
    if unknown:
        raise ValueError(f"unknown pair label(s) {sorted(map(str, unknown))}; expected {', '.join(LABELS)}")
    labels = dict(pair_labels)
    held = [labels.get(pair) for pair in PAIRS]
    return (bool(concepts or pair_labels), *(item in concepts for item in items),
            *(label == name for label in held for name in LABELS),
            *(sum(label == name for _, label in pair_labels) for name in LABELS))


def unit_flags(concepts: Iterable[object], pairs: Iterable[object], items: Sequence[str]) -> dict[str, np.ndarray]:
    """Per unit of a units table (its `concepts` lists and `pairs` dicts), in one pass: `"any"`, whether it
    holds a concept or a pair; for each of `items`, whether it holds that one; for each pair and label,
    `"label:pair"`, whether it relates the pair so; and per label, the number of its pairs with that label.
    Each distinct combination is worked out once.

    >>> unit_flags([["TREATMENT"]], [{}], ["TREATMENT", "RECOVERY"])["TREATMENT"]
    array([ True])
    """
    names = ["any", *items, *(f"{name}:{pair}" for pair in PAIRS for name in LABELS), *LABELS]
    worked: dict[tuple, int] = {}  # each distinct (concepts, pairs) -> its row in `distinct`
    distinct: list[tuple[int, ...]] = []
    which = []
    for values, labels in zip(list(concepts), list(pairs)):
        key = (tuple(values) if isinstance(values, _LISTLIKE) else (),
               tuple(labels.items()) if isinstance(labels, Mapping) else ())
        row = worked.get(key)
        if row is None:
            row = worked[key] = len(distinct)
            distinct.append(_row(*key, items))
        which.append(row)
    table = np.array(distinct, dtype=np.int64).reshape(len(distinct), len(names))[np.array(which, dtype=np.intp)]
    n_flags = len(names) - len(LABELS)
    return {name: table[:, j] if j >= n_flags else table[:, j].astype(bool) for j, name in enumerate(names)}


def label_documents(n_present: np.ndarray, opposed: np.ndarray, complementary: np.ndarray) -> np.ndarray:
    """`document_label` for many documents at once, from each one's number of main concepts and whether
    some unit relates a pair as opposition and as complementary."""
    return np.select([n_present == 0, n_present == 1, opposed & complementary, opposed],
                     ["none", "single", "mixed", "oppositional"], default="integrative")


def document_labels(units: pd.DataFrame) -> pd.DataFrame:
    """One row per document of a units table (`framing.analyze` output: doc_id, concepts, pairs).

    Columns: doc_id, label, concepts (main concepts present, canonical order), units,
    complementary, neutral, opposition (numbers of unit-pairs with each relation).
    """
    missing = {"doc_id", "concepts", "pairs"} - set(units.columns)
    if missing:
        raise ValueError(f"units table lacks column(s) {sorted(missing)}; expected framing.analyze output")
    flags = unit_flags(units["concepts"], units["pairs"], MAIN_CONCEPTS)
    table = pd.DataFrame({"doc_id": units["doc_id"], **{name: flags[name] for name in (*MAIN_CONCEPTS, *LABELS)}},
                         index=units.index)
    grouped = table.groupby("doc_id", sort=False)
    present = grouped[list(MAIN_CONCEPTS)].any()
    totals = grouped[list(LABELS)].sum()
    n_present = present.sum(axis=1)
    label = label_documents(n_present, totals["opposition"] > 0, totals["complementary"] > 0)
    out = pd.DataFrame({
        "doc_id": present.index,
        "label": label,
        "concepts": [[c for c in MAIN_CONCEPTS if row[c]] for row in present.to_dict("records")],
        "units": grouped.size().to_numpy(),
        **{name: totals[name].to_numpy() for name in LABELS},
    })
    return out.reset_index(drop=True)
