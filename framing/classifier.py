"""The learned relation classifier: rule-layer features + masked n-grams -> logistic regression.

A `RelationClassifier` follows scikit-learn's estimator contract over items `(unit_text, pair)` (or
`(unit_text, pair, mentions)` when the caller already detected concepts, e.g. with document context for
"the site"). The two concept mentions of the pair are masked in the text so the n-grams learn how the
text relates them, not which topics they are. `default_relation_model()` trains the shipped model from
the team's labelled set on first use; no pickle is committed.

    >>> clf = default_relation_model()
    >>> clf.predict([("We need harm reduction instead of more rehab.", "HARM_REDUCTION+TREATMENT")])[0]
    'opposition'
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from framing.concepts import ConceptDetector
from framing.relations import LABELS, as_spans, explain_markers, rule_relation, split_pair

TEAM_SET = Path(__file__).resolve().parent / "data" / "relations_train.jsonl"
MODEL_FORMAT = 1
_DETECTORS: dict[str, ConceptDetector] = {}


def _detector(level: str) -> ConceptDetector:
    if level not in _DETECTORS:
        _DETECTORS[level] = ConceptDetector(level=level)
    return _DETECTORS[level]


def _parse_item(item: object) -> tuple[str, str, list | None]:
    """(text, pair, mentions or None) from a tuple/list or a dict with text/pair/mentions keys."""
    if isinstance(item, dict):
        text, pair, mentions = item.get("text"), item.get("pair"), item.get("mentions")
    elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
        text, pair = item[0], item[1]
        mentions = item[2] if len(item) == 3 else None
    else:
        raise ValueError(f"a relation item is (unit_text, pair) or (unit_text, pair, mentions), not {item!r}")
    if not isinstance(text, str):
        raise ValueError(f"unit text must be a str, not {type(text).__name__} in item {item!r}")
    a, b = split_pair(str(pair))
    return text, f"{a}+{b}", mentions


def _mentions(text: str, mentions: list | None, level: str) -> list:
    if mentions is not None:
        return mentions
    det = _detector(level)
    return det.detect(text, site_context=det.names_site(text))


def mask_text(text: str, pair: str, mentions: Iterable[object]) -> str:
    """`text` with the pair's mentions replaced by XCONCEPT (first to appear) and YCONCEPT, others ZCONCEPT.

    >>> from framing.relations import Span
    >>> mask_text("rehab instead of harm reduction", "HARM_REDUCTION+TREATMENT",
    ...           [Span("TREATMENT", 0, 5), Span("HARM_REDUCTION", 17, 31)])
    'XCONCEPT instead of YCONCEPT'
    """
    spans = as_spans(mentions)
    in_pair = set(pair.split("+"))
    order = [s.concept for s in spans if s.concept in in_pair]
    names = {}
    for c in order:
        names.setdefault(c, "XCONCEPT" if not names else "YCONCEPT")
    out, pos = [], 0
    for s in spans:
        if s.start < pos:
            continue
        out.append(text[pos:s.start])
        out.append(names.get(s.concept, "ZCONCEPT"))
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


class RelationFeatures(BaseEstimator, TransformerMixin):
    """Turns relation items into dicts: the rule layer's features and the masked unit text."""

    def __init__(self, level: str = "family") -> None:
        self.level = level

    def fit(self, X: Sequence[object], y: object = None) -> RelationFeatures:
        """Nothing to learn; present for the estimator contract."""
        return self

    def transform(self, X: Sequence[object]) -> list[dict]:
        """One dict per item with keys "rules" (feature dict) and "masked" (text)."""
        rows = []
        for item in X:
            text, pair, mentions = _parse_item(item)
            mentions = _mentions(text, mentions, self.level)
            verdict = rule_relation(text, mentions, pair)
            rows.append({"rules": verdict.features, "masked": mask_text(text, pair, mentions).lower()})
        return rows


def _rules(rows: list[dict]) -> list[dict]:
    return [r["rules"] for r in rows]


def _masked(rows: list[dict]) -> list[str]:
    return [r["masked"] for r in rows]


class RelationClassifier(BaseEstimator, ClassifierMixin):
    """Labels a pair of concepts in a unit as complementary, neutral or opposition.

    A Pipeline of rule features (weighted by `rule_weight`), word n-grams and character n-grams of the
    unit with the two concepts masked, into a logistic regression. Items: (unit_text, pair[, mentions]).
    """

    def __init__(self, level: str = "family", C: float = 2.0, rule_weight: float = 2.0,
                 word_ngrams: tuple[int, int] = (1, 3), char_ngrams: tuple[int, int] | None = (2, 5),
                 class_weight: str | None = "balanced", random_state: int | None = 0) -> None:
        self.level = level
        self.C = C
        self.rule_weight = rule_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.class_weight = class_weight
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        parts = [
            ("rules", Pipeline([("pick", FunctionTransformer(_rules)),
                                ("vec", DictVectorizer()),
                                ("w", FunctionTransformer(_scale, kw_args={"w": self.rule_weight}))])),
            ("words", Pipeline([("pick", FunctionTransformer(_masked)),
                                ("vec", TfidfVectorizer(ngram_range=tuple(self.word_ngrams), min_df=1,
                                                        sublinear_tf=True))])),
        ]
        if self.char_ngrams:
            parts.append(("chars", Pipeline([("pick", FunctionTransformer(_masked)),
                                             ("vec", TfidfVectorizer(analyzer="char_wb",
                                                                     ngram_range=tuple(self.char_ngrams),
                                                                     min_df=2, sublinear_tf=True))])))
        return Pipeline([
            ("features", RelationFeatures(level=self.level)),
            ("union", FeatureUnion(parts)),
            ("lr", LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000,
                                      random_state=self.random_state)),
        ])

    def fit(self, X: Sequence[object], y: Sequence[str]) -> RelationClassifier:
        """Learn from items X and labels y (each one of complementary/neutral/opposition)."""
        X, y = list(X), [str(v) for v in y]
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} items but y has {len(y)} labels")
        bad = sorted({v for v in y if v not in LABELS})
        if bad:
            raise ValueError(f"unknown relation labels {bad}; expected {list(LABELS)}")
        if len(set(y)) < 2:
            raise ValueError("need at least two different labels to train a relation classifier")
        self.pipeline_ = self._pipeline().fit(X, y)
        self.classes_ = self.pipeline_.classes_
        self.n_train_ = len(X)
        return self

    def _check(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise RuntimeError("RelationClassifier is not fitted yet: call fit() or use default_relation_model()")

    def predict_proba(self, X: Sequence[object]) -> np.ndarray:
        """Probabilities per item, columns in `classes_` order."""
        self._check()
        return self.pipeline_.predict_proba(list(X))

    def predict(self, X: Sequence[object]) -> np.ndarray:
        """The most probable label per item."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def explain(self, item: object) -> dict:
        """Why an item got its label: the markers that fired (and what they scope over), the rule
        verdict and the model's probabilities."""
        text, pair, mentions = _parse_item(item)
        mentions = _mentions(text, mentions, self.level)
        verdict = rule_relation(text, mentions, pair)
        proba = self.predict_proba([(text, pair, mentions)])[0]
        probs = {str(c): round(float(p), 4) for c, p in zip(self.classes_, proba)}
        label = max(probs, key=probs.get)
        return {"pair": pair, "label": label, "probability": probs[label], "probabilities": probs,
                "rule_label": verdict.label, "markers": [m.to_dict() for m in verdict.markers],
                "reasons": explain_markers(verdict)}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model with joblib, with the versions needed to check it on load."""
        self._check()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": MODEL_FORMAT, "sklearn": sklearn.__version__, "model": self}, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> RelationClassifier:
        """Read a model written by `save`; refuses files from another format or scikit-learn version."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no relation model at {path}")
        try:
            blob = joblib.load(path)
        except Exception as exc:  # a truncated or foreign file
            raise ValueError(f"{path} is not a framewatch relation model: {exc}") from exc
        if not isinstance(blob, dict) or blob.get("format") != MODEL_FORMAT or not isinstance(
                blob.get("model"), cls):
            raise ValueError(f"{path} is not a framewatch relation model (format {MODEL_FORMAT})")
        if blob.get("sklearn") != sklearn.__version__:
            raise ValueError(f"{path} was saved with scikit-learn {blob.get('sklearn')}, this is "
                             f"{sklearn.__version__}: retrain it (framewatch validate --retrain)")
        return blob["model"]


def _scale(X, w: float = 1.0):
    return X * w


def read_labelled(path: str | os.PathLike) -> tuple[list[tuple[str, str]], list[str]]:
    """Items and labels from a JSONL of coded units ({"text", "pairs": {"A+B": label}}, like the team set)."""
    items, labels = [], []
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                pairs = rec.get("pairs") or {}
                text = rec["text"]
            except (json.JSONDecodeError, KeyError, AttributeError) as exc:
                raise ValueError(f"{path}:{n}: not a coded unit ({exc})") from exc
            for pair, label in pairs.items():
                if label not in LABELS:
                    raise ValueError(f"{path}:{n}: unknown label {label!r} for {pair}")
                a, b = split_pair(pair)
                items.append((text, f"{a}+{b}"))
                labels.append(label)
    return items, labels


def team_examples() -> tuple[list[tuple[str, str]], list[str]]:
    """The team's labelled relation set shipped with framewatch, as (items, labels)."""
    return read_labelled(TEAM_SET)


_DEFAULT: dict[str, RelationClassifier] = {}


def _cache_dir() -> Path:
    base = os.environ.get("FRAMEWATCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "framewatch")
    return Path(base)


def default_relation_model(level: str = "family", disk_cache: bool = False) -> RelationClassifier:
    """The shipped relation model, trained deterministically from the team set on first use.

    Kept in memory for the process; with `disk_cache=True` also stored under the user cache directory
    ($FRAMEWATCH_CACHE_DIR, else $XDG_CACHE_HOME/framewatch), keyed by the training data, the rule code
    and the scikit-learn version, so a stale model is never reused.
    """
    if level in _DEFAULT:
        return _DEFAULT[level]
    digest = hashlib.sha256()
    for f in (TEAM_SET, Path(__file__).with_name("relations.py"), Path(__file__)):
        digest.update(f.read_bytes())
    key = f"relations-{level}-{digest.hexdigest()[:16]}-sklearn{sklearn.__version__}.joblib"
    path = _cache_dir() / key
    model = None
    if disk_cache and path.exists():
        try:
            model = RelationClassifier.load(path)
        except ValueError:
            model = None
    if model is None:
        items, labels = team_examples()
        model = RelationClassifier(level=level).fit(items, labels)
        if disk_cache:
            try:
                model.save(path)
            except OSError:
                pass  # a read-only cache is not an error; the model is still in memory
    _DEFAULT[level] = model
    return model
