"""The learned relation classifier: rule-layer features + masked n-grams -> logistic regression.

A `RelationClassifier` follows scikit-learn's estimator contract over items `(unit_text, pair)` (or
`(unit_text, pair, mentions)` when the caller already detected concepts, e.g. with document context for
"the site"). The two concept mentions of the pair are masked in the text so the n-grams learn how the
text relates them, not which topics they are. `default_relation_model()` loads the shipped model
(`data/relation_model.skops`, verified against the training data and code it was built from) or, when
that no longer matches, trains it from the team's labelled sets. `python -m framing.build_model` rebuilds
the shipped file.

    >>> clf = default_relation_model()
    >>> clf.predict([("We need harm reduction instead of more rehab.", "HARM_REDUCTION+TREATMENT")])[0]
    'opposition'
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from framing.concepts import ConceptDetector
from framing.coverage_head import enabled as coverage_enabled
from framing.coverage_head import shipped_head
from framing.dictrows import dict_transform
from framing.embeddings import available as embeddings_available
from framing.embeddings import enabled as embeddings_enabled
from framing.modelfile import file_sha256, load_model, save_model
from framing.ngrams import supports as ngrams_supported
from framing.ngrams import tfidf as ngram_tfidf
from framing.relations import (LABELS, PAIRS, RuleVerdict, Span, as_spans, explain_markers, mask_party, rule_relation,
                               split_pair)

DATA = Path(__file__).resolve().parent / "data"
TEAM_DIR = DATA / "relations"
SHIPPED_MODEL = DATA / "relation_model.skops"
SHIPPED_MANIFEST = DATA / "relation_model.json"
# What the shipped model depends on besides its training sets: a change to any of these retrains it.
_CODE_FILES = ("classifier.py", "relations.py", "concepts.py", "lexicon.py", "data/lexicon.toml",
               "data/pair_priors.json")
PRIORS_FILE = DATA / "pair_priors.json"
_DETECTORS: dict[str, ConceptDetector] = {}


def _detector(level: str) -> ConceptDetector:
    if level not in _DETECTORS:
        _DETECTORS[level] = ConceptDetector(level=level)
    return _DETECTORS[level]


def _parse_item(item: object) -> tuple[str, str, list | None, str | None]:
    """(text, pair, mentions or None, context or None) from a tuple/list or a dict with text/pair and
    optional mentions/context keys (context: the document's title or text, for "the site" rules)."""
    context = None
    if isinstance(item, dict):
        text, pair, mentions, context = item.get("text"), item.get("pair"), item.get("mentions"), item.get("context")
    elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
        text, pair = item[0], item[1]
        mentions = item[2] if len(item) == 3 else None
    else:
        raise ValueError(f"a relation item is (unit_text, pair) or (unit_text, pair, mentions), not {item!r}")
    if not isinstance(text, str):
        raise ValueError(f"unit text must be a str, not {type(text).__name__} in item {item!r}")
    a, b = split_pair(str(pair))
    return text, f"{a}+{b}", mentions, (str(context) if context else None)


def _mentions(text: str, mentions: list | None, level: str, context: str | None = None) -> list:
    if mentions is not None:
        return mentions
    det = _detector(level)
    site = det.names_site(text) or (context is not None and det.names_site(context))
    return det.detect(text, site_context=site)


def _resolve(X: Sequence[object], level: str) -> list[tuple[str, str, list[Span]]]:
    """Items as (text, pair, spans of the mentions): each unit's concepts detected once (with its context,
    if any); a unit's pairs share its mentions, whose spans `as_spans` then gives again without work."""
    out = []
    for item in X:
        text, pair, mentions, context = _parse_item(item)
        out.append((text, pair, as_spans(_mentions(text, mentions, level, context))))
    return out


def _located(item: tuple[str, str, list[Span]]) -> bool:
    return set(item[1].split("+")) <= {s.concept for s in item[2]}


def locates_pair(item: object, level: str = "family") -> bool:
    """True when both concepts of the item's pair are found in its unit (else no label can be given)."""
    return _located(_resolve([item], level)[0])


def mask_text(text: str, pair: str, mentions: Iterable[object]) -> str:
    """`text` with the pair's mentions replaced by XCONCEPT (first to appear) and YCONCEPT, others ZCONCEPT,
    and the political Opposition by OPPOSITIONPARTY (`framing.relations.mask_party`).

    >>> from framing.relations import Span
    >>> mask_text("rehab instead of harm reduction", "HARM_REDUCTION+TREATMENT",
    ...           [Span("TREATMENT", 0, 5), Span("HARM_REDUCTION", 17, 31)])
    'XCONCEPT instead of YCONCEPT'
    """
    return _masked_spans(text, pair, as_spans(mentions))


def _masked_spans(text: str, pair: str, spans: list[Span]) -> str:
    """`mask_text` for mentions already reduced to their spans (`as_spans`)."""
    in_pair = pair.split("+")
    names: dict[str, str] = {}
    for s in spans:
        if s.concept in in_pair and s.concept not in names:
            names[s.concept] = "XCONCEPT" if not names else "YCONCEPT"
    out, pos = [], 0
    for s in spans:
        if s.start < pos:
            continue
        out.append(text[pos:s.start])
        out.append(names.get(s.concept, "ZCONCEPT"))
        pos = s.end
    out.append(text[pos:])
    return mask_party("".join(out))


class RelationFeatures(BaseEstimator, TransformerMixin):
    """Turns relation items into dicts: the rule layer's features and the masked unit text."""

    def __init__(self, level: str = "family") -> None:
        self.level = level

    def fit(self, X: Sequence[object], y: object = None) -> RelationFeatures:
        """Nothing to learn; present for the estimator contract."""
        return self

    def transform(self, X: Sequence[object], verdicts: Sequence[RuleVerdict] | None = None) -> list[dict]:
        """One dict per item with keys "rules" (feature dict) and "masked" (text); `verdicts`, when given,
        are the items' rule verdicts already computed (as `framing.analyze` has them), not run again."""
        return self._rows(_resolve(X, self.level), verdicts)

    def _rows(self, items: Sequence[tuple[str, str, list[Span]]], verdicts: Sequence[RuleVerdict] | None) -> list[dict]:
        """`transform` of items `_resolve` gave."""
        rows = []
        for n, (text, pair, spans) in enumerate(items):
            verdict = verdicts[n] if verdicts is not None else rule_relation(text, spans, pair)
            rows.append({"rules": verdict.features, "masked": _masked_spans(text, pair, spans).lower()})
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
                 class_weight: str | None = "balanced", rule_trust: float = 0.6, embeddings: bool = False,
                 prior_shift: bool = True, silent_opposition_floor: float = 0.5,
                 random_state: int | None = 0) -> None:
        self.level = level
        self.silent_opposition_floor = silent_opposition_floor
        self.prior_shift = prior_shift
        self.rule_trust = rule_trust
        self.embeddings = embeddings
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
        X = _resolve(X, self.level)
        located = [_located(x) for x in X]
        X = [x for x, ok in zip(X, located) if ok]
        y = [v for v, ok in zip(y, located) if ok]
        if len(set(y)) < 2:
            raise ValueError("need at least two different labels to train a relation classifier")
        self.pipeline_ = self._pipeline().fit(X, y)
        self.classes_ = self.pipeline_.classes_
        text = self._text_matrix(self.pipeline_.steps[0][1].transform(X))
        if text is not None:  # the head for pairs no rule settles: it reads the masked text only (see _learned)
            self.text_head_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000,
                                                 random_state=self.random_state).fit(text, y)
        if self.embeddings:  # a logistic head on frozen MiniLM sentence vectors (the framewatch[embed] extra)
            self.embed_head_ = LogisticRegression(C=2.0, class_weight=self.class_weight, max_iter=5000,
                                                  random_state=self.random_state).fit(_embedded(X), y)
        self.prior_weights_ = _prior_weights(X, y, self.classes_) if self.prior_shift else {}
        self.n_train_ = len(X)
        self.n_unlocated_ = located.count(False)  # pairs whose concepts the detector cannot find
        self.sklearn_version_ = sklearn.__version__
        return self

    def _check(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise RuntimeError("RelationClassifier is not fitted yet: call fit() or use default_relation_model()")

    def predict_proba(self, X: Sequence[object], verdicts: Sequence[RuleVerdict] | None = None) -> np.ndarray:
        """Probabilities per item, columns in `classes_` order; a row of NaN where the unit does not
        contain both concepts of the pair (the model abstains rather than guess). `verdicts`: the items'
        `rule_relation` verdicts when the caller has them already (the rules then run once). A coverage
        head (`framing.coverage_head`), when attached as `coverage_head_`, corrects the result."""
        self._check()
        X = _resolve(X, self.level)
        rows, pairs, base, located = self._base(X, verdicts)
        proba = np.full((len(X), len(self.classes_)), np.nan)
        if located:
            head = getattr(self, "coverage_head_", None)
            proba[located] = (head.predict_proba(rows, pairs, base) if head is not None and coverage_enabled()
                              else base)
        return proba

    def base_outputs(self, X: Sequence[object]) -> tuple[list[dict], list[str], np.ndarray, list[int]]:
        """(feature rows, pairs, probabilities before any coverage head, indices) of the items whose pair
        the unit holds: what a coverage head learns from (`framing.coverage_head.fit_head`)."""
        self._check()
        return self._base(_resolve(X, self.level), None)

    def _base(self, X: list[tuple[str, str, list[Span]]], verdicts: Sequence[RuleVerdict] | None
              ) -> tuple[list[dict], list[str], np.ndarray, list[int]]:
        if verdicts is not None and len(verdicts) != len(X):
            raise ValueError(f"predict_proba: {len(verdicts)} verdicts for {len(X)} items")
        located = [i for i, x in enumerate(X) if _located(x)]
        if not located:
            return [], [], np.empty((0, len(self.classes_))), located
        rows = self.pipeline_.steps[0][1]._rows(
            [X[i] for i in located], None if verdicts is None else [verdicts[i] for i in located])
        rule_labels = [_rule_label(r["rules"]) for r in rows]
        learned = self._learned(rows, rule_labels)
        if getattr(self, "embed_head_", None) is not None and embeddings_enabled():
            learned = (learned + self.embed_head_.predict_proba(_embedded([X[i] for i in located]))) / 2
        pairs = [X[i][1] for i in located]
        learned = self._shift_priors(learned, pairs)
        learned = self._floor_silent_opposition(learned, rule_labels)
        return rows, pairs, self._trust_rules(learned, rule_labels), located

    def _floor_silent_opposition(self, learned: np.ndarray, rule_labels: list[str | None]) -> np.ndarray:
        """Where no rule settled the pair, opposition stands only with `silent_opposition_floor` of the
        probability (a majority by default): below it, its probability is capped just under the next
        label's, which is then chosen. Opposition with no marker behind it was right 0.47 of the time over
        the real-news checks (README, Quality), and calling a pair rivals is the costliest mistake."""
        floor = getattr(self, "silent_opposition_floor", 0.0)
        classes = [str(c) for c in self.classes_]
        if floor <= 0 or "opposition" not in classes:
            return learned
        k = classes.index("opposition")
        silent = np.array([label is None for label in rule_labels], dtype=bool)
        weak = silent & (learned.argmax(axis=1) == k) & (learned[:, k] < floor)
        if not weak.any():
            return learned
        out = learned.copy()
        out[weak, k] = np.delete(out[weak], k, axis=1).max(axis=1) * (1.0 - 1e-6)
        out[weak] /= out[weak].sum(axis=1, keepdims=True)
        return out

    def _learned(self, rows: list[dict], rule_labels: list[str | None]) -> np.ndarray:
        """The model's probabilities for feature rows. Where no rule settled the pair (its rule label is
        None), the text head's probabilities replace the joint model's: the joint model learned from the
        team sets that "no marker" means neutral, which real coverage does not bear out (on the silent pairs
        of five real-news checks the text head is right 60% of the time, the joint model 53%; README,
        Quality). The n-grams and rule features are counted directly (`framing.ngrams`, `framing.dictrows`: the
        same matrices) where the pipeline has its usual shape."""
        parts = self._union_parts(rows)
        if parts is None:
            return self.pipeline_[1:].predict_proba(rows)
        learned = self.pipeline_.steps[-1][1].predict_proba(sparse.hstack([m for _, m in parts]).tocsr())
        silent = [i for i, label in enumerate(rule_labels) if label is None]
        head = getattr(self, "text_head_", None)
        if silent and head is not None:
            learned[silent] = head.predict_proba(_text_columns(parts)[silent])
        return learned

    def _text_matrix(self, rows: list[dict]) -> sparse.csr_matrix | None:
        """The word and character n-gram columns of the fitted union (no rule features), or None when the
        pipeline has another shape."""
        parts = self._union_parts(rows)
        return None if parts is None else _text_columns(parts)

    def _union_parts(self, rows: list[dict]) -> list[tuple[str, sparse.spmatrix]] | None:
        """(name, matrix) of each part of the fitted feature union applied to `rows`, or None when the
        pipeline is not features -> union -> classifier."""
        steps = self.pipeline_.steps
        union = steps[1][1] if len(steps) == 3 else None
        if type(union) is not FeatureUnion or union.transformer_weights is not None:
            return None
        parts = []
        for name, part in union.transformer_list:
            if not isinstance(part, Pipeline):
                parts.append((name, part.transform(rows)))
                continue
            out = rows
            for _, step in part.steps:
                out = _step_transform(step, out)
            parts.append((name, out))
        return parts

    def _shift_priors(self, learned: np.ndarray, pairs: list[str]) -> np.ndarray:
        """Bayes' rule under label shift: the team sets are balanced by design, real coverage is not (most
        TREATMENT-RECOVERY pairs are neutral), so each pair's probabilities are reweighted by the ratio of
        the real-coverage prior (framing/data/pair_priors.json) to the training prior."""
        weights = getattr(self, "prior_weights_", {})
        if not weights:
            return learned
        out = learned * np.array([weights.get(p, [1.0] * len(self.classes_)) for p in pairs])
        return out / out.sum(axis=1, keepdims=True)

    def _trust_rules(self, learned: np.ndarray, rule_labels: list[str | None]) -> np.ndarray:
        """Blend in the rule verdict where the rules reached one: (1 - rule_trust) x model + rule_trust x
        the rule's label. With rule_trust above 0.5 the rules decide wherever a marker, a list, a name or
        a refusal settled the pair, and the learned model decides where they are silent."""
        out = learned.copy()
        index = {str(c): i for i, c in enumerate(self.classes_)}
        ruled = [row for row, label in enumerate(rule_labels) if label in index]
        if ruled and self.rule_trust > 0:  # the same two operations on each element as row by row
            out[ruled] *= 1.0 - self.rule_trust
            out[ruled, [index[rule_labels[row]] for row in ruled]] += self.rule_trust
        return out

    def predict(self, X: Sequence[object]) -> np.ndarray:
        """The most probable label per item, None where the model abstains (pair not in the unit)."""
        proba = self.predict_proba(X)
        out = np.full(len(proba), None, dtype=object)
        ok = ~np.isnan(proba).any(axis=1)
        out[ok] = self.classes_[np.argmax(proba[ok], axis=1)]
        return out

    def explain(self, item: object) -> dict:
        """Why an item got its label: the markers that fired (and what they scope over), the rule
        verdict and the model's probabilities."""
        text, pair, mentions, context = _parse_item(item)
        mentions = _mentions(text, mentions, self.level, context)
        verdict = rule_relation(text, mentions, pair)
        proba = self.predict_proba([(text, pair, mentions)])[0]
        if np.isnan(proba).any():
            return {"pair": pair, "label": None, "probability": None, "probabilities": {},
                    "rule_label": None, "markers": [], "reasons": ["the unit does not contain both concepts"]}
        probs = {str(c): round(float(p), 4) for c, p in zip(self.classes_, proba)}
        label = max(probs, key=probs.get)
        out = {"pair": pair, "label": label, "probability": probs[label], "probabilities": probs,
               "rule_label": verdict.label, "markers": [m.to_dict() for m in verdict.markers],
               "reasons": explain_markers(verdict)}
        if getattr(self, "coverage_head_", None) is not None and coverage_enabled():
            base = self.base_outputs([(text, pair, mentions)])[2][0]
            out["before_coverage_head"] = {str(c): round(float(p), 4) for c, p in zip(self.classes_, base)}
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model as a skops file (nothing in it runs code when it is read back)."""
        self._check()
        return save_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> RelationClassifier:
        """Read a model written by `save`; refuses pickles, foreign types and other scikit-learn versions."""
        model = load_model(path)
        if not isinstance(model, cls):
            raise ValueError(f"{path} is not a framewatch relation model")
        saved = getattr(model, "sklearn_version_", None)
        if saved != sklearn.__version__:
            raise ValueError(f"{path} was saved with scikit-learn {saved}, this is {sklearn.__version__}: "
                             "retrain it (framewatch validate --retrain)")
        return model


_ENCODER: list = []


def _embedded(X: Sequence[object]) -> np.ndarray:
    """MiniLM vectors of the items' unit texts, with the pair as three indicator columns."""
    from framing.embeddings import SentenceEncoder
    if not _ENCODER:
        _ENCODER.append(SentenceEncoder())
    parsed = [_parse_item(x) for x in X]
    vectors = _ENCODER[0].encode([p[0] for p in parsed])
    pairs = np.array([[p[1] == q for q in PAIRS] for p in parsed], dtype=np.float32)
    return np.hstack([vectors, pairs])


def _text_columns(parts: list[tuple[str, sparse.spmatrix]]) -> sparse.csr_matrix:
    """The union's parts without the rule features: the masked word and character n-grams."""
    return sparse.hstack([m for name, m in parts if name != "rules"]).tocsr()


def _step_transform(step: object, X: object) -> object:
    """`step.transform(X)` for a fitted step of a union part; the n-gram and rule-feature vectorizers are
    counted directly, with the same matrices (their own transform spends most of the classifier's time)."""
    if ngrams_supported(step):
        return ngram_tfidf(step, X)
    if type(step) is DictVectorizer:
        return dict_transform(step, X)
    return step.transform(X)


def _rule_label(features: dict[str, float]) -> str | None:
    """The rule layer's verdict recorded in a feature dict ("rule:opposition" -> "opposition"; it holds one)."""
    for key in reversed(features):  # `rule_relation` records it last: found at once
        if key.startswith("rule:"):
            label = key[5:]
            return None if label == "None" else label
    return None


def pair_priors() -> dict[str, dict[str, int]]:
    """Label counts per pair in human-coded real coverage (framing/data/pair_priors.json): the priors the
    classifier's probabilities are shifted to."""
    return json.loads(PRIORS_FILE.read_text(encoding="utf-8"))["counts"]


def _prior_weights(X: Sequence[tuple[str, str, list]], y: Sequence[str], classes: np.ndarray) -> dict[str, list[float]]:
    """Per pair, (real-coverage prior / training prior) for each class, both with add-one smoothing."""
    target = pair_priors()
    out = {}
    for pair, counts in target.items():
        seen = [v for x, v in zip(X, y) if x[1] == pair]
        train = np.array([seen.count(c) + 1 for c in classes], dtype=float)
        real = np.array([counts.get(str(c), 0) + 1 for c in classes], dtype=float)
        out[pair] = list((real / real.sum()) / (train / train.sum()))
    return out


def _scale(X, w: float = 1.0):
    return X * w


def read_labelled(path: str | os.PathLike) -> tuple[list[object], list[str]]:
    """Items and labels from a JSONL of coded units ({"text", "pairs": {"A+B": label}}, like the team set).

    A unit with a "context" (the headline or sentence that names the site the unit calls "the site")
    becomes a dict item carrying it, so the codebook's definite-description rule applies in training too.
    """
    items: list[object] = []
    labels: list[str] = []
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
                key = f"{a}+{b}"
                items.append({"text": text, "pair": key, "context": rec["context"]} if rec.get("context")
                             else (text, key))
                labels.append(label)
    return items, labels


def team_files() -> list[Path]:
    """The team's labelled relation sets shipped with framewatch (one JSONL per register)."""
    return sorted(TEAM_DIR.glob("*.jsonl"))


def team_examples() -> tuple[list[object], list[str]]:
    """The team's labelled relation sets shipped with framewatch, as (items, labels)."""
    items: list[object] = []
    labels: list[str] = []
    for path in team_files():
        more, ys = read_labelled(path)
        items += more
        labels += ys
    return items, labels


def model_fingerprint(level: str = "family") -> str:
    """A hash of everything the default model is built from: training sets, rule and detector code,
    lexicon, estimator parameters and scikit-learn version. A shipped or cached model is used only
    when its recorded fingerprint equals this one."""
    digest = hashlib.sha256(f"{level}|{sklearn.__version__}|{sorted(RelationClassifier().get_params().items())}"
                            .encode())
    here = Path(__file__).resolve().parent
    for f in team_files() + [here / name for name in _CODE_FILES]:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def build_default_model(level: str = "family") -> RelationClassifier:
    """Train the default model on the team sets (deterministic given the data and versions); with the
    framewatch[embed] extra installed it also learns the embedding head, averaged in where FRAMEWATCH_EMBED=1."""
    items, labels = team_examples()
    return RelationClassifier(level=level, embeddings=embeddings_available()).fit(items, labels)


def write_shipped_model(model: RelationClassifier | None = None) -> Path:
    """Write the shipped model and its manifest (fingerprint and file hash) into framing/data."""
    model = model if model is not None else build_default_model("family")
    path = save_model(model, SHIPPED_MODEL)
    manifest = {"fingerprint": model_fingerprint("family"), "sha256": file_sha256(path),
                "sklearn": sklearn.__version__, "n_train": model.n_train_, "n_unlocated": model.n_unlocated_,
                "embedding_head": getattr(model, "embed_head_", None) is not None}
    SHIPPED_MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path


def shipped_model_is_current() -> bool:
    """True when framing/data/relation_model.skops was built from the current data, code and versions."""
    try:
        manifest = json.loads(SHIPPED_MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("fingerprint") == model_fingerprint("family") and SHIPPED_MODEL.is_file()


_DEFAULT: dict[str, RelationClassifier] = {}


def _cache_dir() -> Path:
    base = os.environ.get("FRAMEWATCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "framewatch")
    return Path(base)


def _load_verified(path: Path, sidecar: Path) -> RelationClassifier | None:
    """A model file whose bytes match the SHA-256 its sidecar records, or None."""
    try:
        expected = json.loads(sidecar.read_text(encoding="utf-8"))["sha256"]
        model = load_model(path, expected_sha256=expected)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return model if isinstance(model, RelationClassifier) else None


def default_relation_model(level: str = "family", disk_cache: bool = False) -> RelationClassifier:
    """The default relation model: the shipped file when it matches the current training data, code and
    scikit-learn version (verified by fingerprint and SHA-256), else trained from the team sets; with the
    shipped coverage head (`framing.coverage_head`) attached when it was fitted on this same build.

    Kept in memory for the process. With `disk_cache=True` a model trained here is also kept under the
    user cache directory ($FRAMEWATCH_CACHE_DIR, else $XDG_CACHE_HOME/framewatch) as a skops file keyed
    by the fingerprint and checked against its recorded SHA-256 before use.
    """
    if level in _DEFAULT:
        return _DEFAULT[level]
    model = None
    if level == "family" and shipped_model_is_current():
        model = _load_verified(SHIPPED_MODEL, SHIPPED_MANIFEST)
    fingerprint = model_fingerprint(level)
    path = _cache_dir() / f"relations-{level}-{fingerprint[:24]}.skops"
    sidecar = path.with_suffix(".json")
    if model is None and disk_cache and path.exists():
        model = _load_verified(path, sidecar)
    if model is None:
        print("framewatch: training the relation model from the team sets (about a minute, once) ...",
              file=sys.stderr)
        model = build_default_model(level)
        if disk_cache:
            try:
                save_model(model, path)
                sidecar.write_text(json.dumps({"sha256": file_sha256(path), "fingerprint": fingerprint}),
                                   encoding="utf-8")
            except OSError:
                pass  # a read-only cache is not an error; the model is still in memory
    if getattr(model, "coverage_head_", None) is None:
        model.coverage_head_ = shipped_head(fingerprint)
    _DEFAULT[level] = model
    return model
