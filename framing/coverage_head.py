"""A correction learned from human-coded real coverage, stacked on the relation model's output.

The relation model learns from the team's written sentences, and real news is worded otherwise. The
coverage head is a logistic regression over what the model already has for a pair (its probabilities,
its rule features, the pair) and the hashed word n-grams of the unit with the pair masked, fitted on
pairs that people coded in real pages. Hashing keeps no text: the file holds numbers only.
`fit_head` trains one on any coded items (the team's local real-news checks, or a user's own codes);
the shipped head (data/coverage_head.skops) is used by `default_relation_model` when it was fitted on
the same build of the model, and FRAMEWATCH_COVERAGE_HEAD=0 switches it off.

    >>> from framing.classifier import default_relation_model
    >>> head = fit_head(default_relation_model(), items, labels)  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

from framing.dictrows import dict_transform
from framing.modelfile import file_sha256, load_model, save_model
from framing.ngrams import hashed, hashing_supports

DATA = Path(__file__).resolve().parent / "data"
SHIPPED_HEAD = DATA / "coverage_head.skops"
HEAD_MANIFEST = DATA / "coverage_head.json"
_FLOOR = 1e-4  # probabilities enter as logs, floored so that a rule's near-certainty stays finite


def enabled() -> bool:
    """False when FRAMEWATCH_COVERAGE_HEAD is 0/false/no/off: the model's own probabilities are kept."""
    return os.environ.get("FRAMEWATCH_COVERAGE_HEAD", "1").strip().lower() not in ("0", "false", "no", "off")


class CoverageHead(BaseEstimator, ClassifierMixin):
    """Logistic regression over [log model probabilities, rule features and pair, hashed masked n-grams],
    averaged with the model's own probabilities: `weight` x head + (1 - weight) x model. The n-gram block
    is scaled by `text_weight`, so the one penalty `C` restrains the wording less than the model's outputs.

    Rows are the relation model's feature rows ({"rules": dict, "masked": text}); `proba` is the model's
    probability matrix for them, in `classes_` order of the model the head is stacked on.
    """

    def __init__(self, C: float = 1.0, weight: float = 0.6, keep_negated: bool = True, n_features: int = 2 ** 16,
                 class_weight: str | None = "balanced", random_state: int | None = 0, text_weight: float = 3.0) -> None:
        self.C = C
        self.weight = weight
        self.text_weight = text_weight
        self.keep_negated = keep_negated
        self.n_features = n_features
        self.class_weight = class_weight
        self.random_state = random_state

    def _hasher(self) -> HashingVectorizer:
        return HashingVectorizer(ngram_range=(1, 2), n_features=self.n_features, alternate_sign=False, norm=None)

    def _counts(self, rows: Sequence[dict]) -> sparse.csr_matrix:
        """log(1 + count) of the hashed n-grams of each row's masked unit (counted by `framing.ngrams`)."""
        hasher, texts = self._hasher(), [r["masked"] for r in rows]
        counts = hashed(hasher, texts) if hashing_supports(hasher) else hasher.transform(texts)
        counts.data = np.log1p(counts.data)
        return counts

    def _matrix(self, rows: Sequence[dict], pairs: Sequence[str], proba: np.ndarray,
                counts: sparse.csr_matrix | None = None, rules: list[dict] | None = None) -> sparse.csr_matrix:
        counts = self._counts(rows) if counts is None else counts
        rules = _rule_dicts(rows, pairs) if rules is None else rules
        logp = sparse.csr_matrix(np.log(np.clip(proba, _FLOOR, 1.0)))
        text = self.idf_.transform(counts) * getattr(self, "text_weight", 1.0)  # heads saved before it: 1
        return sparse.hstack([logp, dict_transform(self.rules_, rules), text]).tocsr()

    def fit(self, rows: Sequence[dict], pairs: Sequence[str], proba: np.ndarray, y: Sequence[str]) -> CoverageHead:
        """Learn from the model's rows and probabilities for coded pairs and the coders' labels `y`."""
        if not (len(rows) == len(pairs) == len(proba) == len(y)):
            raise ValueError(f"coverage head: {len(rows)} rows, {len(pairs)} pairs, {len(proba)} probability "
                             f"rows and {len(y)} labels")
        if len(set(y)) < 2:
            raise ValueError("coverage head: need at least two different labels to learn from")
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"coverage head: weight must lie in [0, 1], not {self.weight}")
        rules, counts = _rule_dicts(rows, pairs), self._counts(rows)
        self.rules_ = DictVectorizer().fit(rules)
        self.idf_ = TfidfTransformer().fit(counts)
        self.lr_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000,
                                      random_state=self.random_state).fit(self._matrix(rows, pairs, proba, counts, rules),
                                                                          list(y))
        self.classes_ = self.lr_.classes_
        self.n_train_ = len(y)
        return self

    def predict_proba(self, rows: Sequence[dict], pairs: Sequence[str], proba: np.ndarray) -> np.ndarray:
        """Corrected probabilities, columns in `classes_` order. With `keep_negated`, a pair where the rule
        layer found a negated marker it still reads as complementary and no marker for opposition keeps the
        model's probabilities: above all a negated opposition ("not at odds", "no choice between"), which the
        codebook makes complementary. Other markers ("instead of", "provides") are the head's features like
        any other: on real news they mark a plain list or a fact about as often as a stance."""
        if not len(rows):
            return np.empty((0, len(self.classes_)))
        out = self.weight * self.lr_.predict_proba(self._matrix(rows, pairs, proba)) + (1.0 - self.weight) * proba
        if self.keep_negated:
            settled = np.array([_negated_complementary(r["rules"]) for r in rows], dtype=bool)
            out[settled] = proba[settled]
        return out


def _rule_dicts(rows: Sequence[dict], pairs: Sequence[str]) -> list[dict]:
    """Each row's rule features with its pair as one more feature."""
    return [{**r["rules"], f"pair={p}": 1.0} for r, p in zip(rows, pairs)]


def _negated_complementary(rules: dict) -> bool:
    """True when the rule layer's features hold a negated marker it reads as complementary ("neg:<marker>" with
    "m:<marker>:complementary", as `framing.relations.rule_relation` names them: a negated opposition, or a
    link the negation leaves standing) and no marker for opposition."""
    negated = any(k.startswith("neg:") and f"m:{k[4:]}:complementary" in rules for k in rules)
    return negated and not any(k.startswith("m:") and k.endswith(":opposition") for k in rules)


def fit_head(model: object, items: Sequence[object], labels: Sequence[str], **params: object) -> CoverageHead:
    """A CoverageHead fitted on coded items (as `RelationClassifier.predict` takes them, with document
    context where it matters) and their human labels, stacked on `model`'s probabilities before any head.
    Pairs whose concepts the model cannot find are left out (no probabilities to correct)."""
    return fit_outputs(model, [model.base_outputs(list(items))], [list(labels)], **params)


def cross_fit_labels(model: object, groups: Sequence[tuple[Sequence[object], Sequence[str]]],
                     **params: object) -> list[list[str | None]]:
    """Per group of (items, labels), `model`'s labels with a head fitted on the other groups only (leave one
    group out): how a head does on pages it never saw. None where the model does not find the pair."""
    return cross_fit_outputs(model, [model.base_outputs(list(items)) for items, _ in groups],
                             [list(labels) for _, labels in groups], **params)


Output = tuple[list[dict], list[str], np.ndarray, list[int]]  # what `RelationClassifier.base_outputs` gives


def cross_fit_outputs(model: object, outputs: Sequence[Output], labels: Sequence[Sequence[str]],
                      **params: object) -> list[list[str | None]]:
    """`cross_fit_labels` on the groups' base outputs, computed once by the caller."""
    result = []
    for k, output in enumerate(outputs):
        others = [j for j in range(len(outputs)) if j != k]
        head = fit_outputs(model, [outputs[j] for j in others], [labels[j] for j in others], **params)
        result.append(output_labels(head.classes_, output, len(labels[k]), head))
    return result


def output_labels(classes: Sequence[str], output: Output, n: int, head: CoverageHead | None = None
                  ) -> list[str | None]:
    """The labels of a group's `n` items from the model's base output: corrected by `head` when given, else
    the model's own before any head; None where the model does not find the pair."""
    rows, pairs, proba, keep = output
    labels: list[str | None] = [None] * n
    if keep:
        scores = proba if head is None else head.predict_proba(rows, pairs, proba)
        for i, column in zip(keep, scores.argmax(axis=1)):
            labels[i] = str(classes[column])
    return labels


def fit_outputs(model: object, outputs: Sequence[Output], labels: Sequence[Sequence[str]],
                **params: object) -> CoverageHead:
    """A head fitted on the model's base outputs of several coded sets and the sets' human labels."""
    rows = [r for out in outputs for r in out[0]]
    pairs = [p for out in outputs for p in out[1]]
    proba = np.vstack([out[2] for out in outputs])
    y = [str(ys[i]) for out, ys in zip(outputs, labels) for i in out[3]]
    head = CoverageHead(**params).fit(rows, pairs, proba, y)
    if list(head.classes_) != [str(c) for c in model.classes_]:
        raise ValueError(f"coverage head: the coded labels {list(head.classes_)} do not cover the model's "
                         f"classes {list(model.classes_)}")
    return head


def write_head(head: CoverageHead, base_fingerprint: str, sets: Sequence[str]) -> Path:
    """Write the shipped head and its manifest (file hash, the model build it is stacked on, its sets)."""
    path = save_model(head, SHIPPED_HEAD)
    manifest = {"sha256": file_sha256(path), "base_fingerprint": base_fingerprint, "sklearn": sklearn.__version__,
                "n_train": head.n_train_, "sets": list(sets)}
    HEAD_MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path


def shipped_head(base_fingerprint: str) -> CoverageHead | None:
    """The shipped head when its bytes match the manifest and it was fitted on the model build with
    `base_fingerprint` (a head fitted on other probabilities would correct the wrong errors), else None."""
    try:
        manifest = json.loads(HEAD_MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("base_fingerprint") != base_fingerprint or manifest.get("sklearn") != sklearn.__version__:
        return None
    try:
        head = load_model(SHIPPED_HEAD, expected_sha256=manifest.get("sha256"))
    except (OSError, ValueError):
        return None
    return head if isinstance(head, CoverageHead) else None
