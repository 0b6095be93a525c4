"""Relation shares corrected for the classifier's known errors (adjusted classify-and-count).

Counting predicted labels is biased whenever the classifier's recall differs by label: a model that finds
half of the oppositions reports half the opposition share. Adjusted classify-and-count (ACC) measures
P(predicted | true) on human-coded units, then solves observed = rates x true for the true shares
(QuaPy's `ACC.solve_adjustment`, clipped to the simplex). The interval draws both the period's label
shares and every row of the confusion matrix from their Dirichlet posteriors (a Bayesian bootstrap), so
it carries the sampling error of the period and the error of the correction itself.

    >>> v = Validation.from_pairs(["opposition"] * 8 + ["neutral"] * 12,
    ...                           ["opposition"] * 4 + ["neutral"] * 4 + ["neutral"] * 12, name="demo")
    >>> round(corrected_share({"opposition": 10, "neutral": 30, "complementary": 0}, v)[0], 2)
    0.5
"""
from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from framing.relations import LABELS

CONFUSION_FILE = Path(__file__).resolve().parent / "data" / "confusion.json"
CORRECTED_COLUMNS = ["corrected", "corrected_low", "corrected_high", "correction_set"]


@dataclass(frozen=True)
class Validation:
    """A confusion matrix of human codes (rows) against the model's labels (columns) on coded pairs."""

    name: str
    counts: np.ndarray  # shape (len(LABELS), len(LABELS)): counts[true, predicted]
    labels: tuple[str, ...] = LABELS
    description: str = ""
    model_fingerprint: str | None = field(default=None, compare=False)

    @classmethod
    def from_pairs(cls, true: Sequence[str], predicted: Sequence[str], name: str = "user codes",
                   description: str = "") -> Validation:
        """From parallel human codes and model labels; pairs where either is not a relation label are
        left out (an abstention is not a co-occurrence the series counts)."""
        if len(true) != len(predicted):
            raise ValueError(f"{len(true)} codes but {len(predicted)} model labels")
        index = {lab: i for i, lab in enumerate(LABELS)}
        counts = np.zeros((len(LABELS), len(LABELS)), dtype=int)
        for t, p in zip(true, predicted):
            if t in index and p in index:
                counts[index[t], index[p]] += 1
        if counts.sum() == 0:
            raise ValueError("no coded pair carries both a human code and a model label")
        return cls(name, counts, LABELS, description)

    @property
    def n(self) -> int:
        """How many coded pairs the matrix rests on."""
        return int(self.counts.sum())

    def rates(self, counts: np.ndarray | None = None) -> np.ndarray:
        """P(predicted = i | true = j) as QuaPy expects it: entry (i, j); a label no coder used keeps
        the identity column (no correction for it)."""
        c = self.counts if counts is None else counts
        out = np.eye(len(self.labels))
        for j in range(len(self.labels)):
            total = c[j].sum()
            if total:
                out[:, j] = c[j] / total
        return out


def _solve(rates: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Solve observed = rates x true for the true shares, clipped to the simplex (Forman's ACC)."""
    import quapy.functional as F
    from quapy.method.aggregative import ACC
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = ACC.solve_adjustment(rates, observed, method="inversion", solver="exact-cc")
        return np.asarray(F.normalize_prevalence(np.asarray(raw, dtype=float), method="clip"))


def corrected_share(predicted: Mapping[str, int], validation: Validation, label: str = "opposition",
                    n_boot: int = 500, random_state: int = 0) -> tuple[float, float, float]:
    """(corrected share of `label`, low, high) of one period's co-occurrences from its predicted label
    counts; a 95% interval over `n_boot` joint draws of the period's shares and the coded sample."""
    observed_counts = np.array([int(predicted.get(lab, 0)) for lab in validation.labels], dtype=float)
    n = int(observed_counts.sum())
    if n == 0:
        return (float("nan"),) * 3
    k = validation.labels.index(label)
    point = float(_solve(validation.rates(), observed_counts / n)[k])
    rng = np.random.default_rng(random_state)
    draws = []
    for _ in range(n_boot):
        # Bayesian bootstrap (Dirichlet with Jeffreys' +0.5): stays honest for the few units of a period
        q = rng.dirichlet(observed_counts + 0.5)
        rates = np.column_stack([rng.dirichlet(row + 0.5) if row.sum() else np.eye(len(row))[j]
                                 for j, row in enumerate(validation.counts)])
        draws.append(_solve(rates, q)[k])
    low, high = np.percentile(draws, [2.5, 97.5])
    return point, float(low), float(high)


def shipped_validation(name: str | None = None) -> Validation:
    """A confusion matrix the project measured for the shipped model (framing/data/confusion.json):
    by default the real-news check; `name="seeds"` for the academic development sentences."""
    data = json.loads(CONFUSION_FILE.read_text(encoding="utf-8"))
    name = name or data["default"]
    if name not in data["sets"]:
        raise ValueError(f"no validation set {name!r}; shipped: {', '.join(data['sets'])}")
    s = data["sets"][name]
    return Validation(name, np.array(s["counts"], dtype=int), tuple(data["labels"]), s["description"],
                      data.get("model_fingerprint"))


def add_corrected_shares(ts: pd.DataFrame, validation: Validation | None = None, n_boot: int = 500,
                         random_state: int = 0) -> pd.DataFrame:
    """`ts` (from `framing.timeseries`) with columns corrected, corrected_low, corrected_high and
    correction_set filled on its `opposition_share` rows (NaN elsewhere); the raw rate stays in `rate`."""
    validation = validation if validation is not None else shipped_validation()
    out = ts.copy()
    for col in CORRECTED_COLUMNS:
        out[col] = np.nan if col != "correction_set" else None
    rel = out[out["measure"] == "units_by_relation"]
    counts = {(g, p, pair, lab): c for g, p, pair, lab, c in
              rel[["group", "period", "pair", "label", "count"]].itertuples(index=False, name=None)}
    for i, row in out[out["measure"] == "opposition_share"].iterrows():
        predicted = {lab: counts.get((row["group"], row["period"], row["pair"], lab), 0) for lab in LABELS}
        point, low, high = corrected_share(predicted, validation, n_boot=n_boot, random_state=random_state)
        out.loc[i, ["corrected", "corrected_low", "corrected_high"]] = [point, low, high]
        out.loc[i, "correction_set"] = f"{validation.name} (n={validation.n})"
    out.attrs.update(ts.attrs)
    out.attrs["correction"] = {"set": validation.name, "n": validation.n, "description": validation.description}
    return out
