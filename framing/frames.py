"""Policy frames: the 15 dimensions of the Policy Frames Codebook (Boydstun, Card, Gross, Resnik and Smith,
2014) per paragraph and per document, and their shares over time.

Two classifiers share one interface (scikit-learn's: `fit`, `predict`):
- `FrameDictionary`, the transparent default: counts the terms of `framing/data/frames.toml` per frame and
  picks the frame with most hits ("other" when none). It is UNVALIDATED until a user's own codes validate it.
- `frame_model()`, a scikit-learn Pipeline users train on their own codes (`train_frames`), saved as skops.
Both are checked against human codes with the relation workflow (`framing.validation`: coding sheet,
agreement, retraining). Definitions: docs/frames.md.

Example::

    paragraphs = frame_paragraphs(df)                 # doc_id, paragraph, text, frame
    shares = frame_shares(df, freq="Y")               # period, frame, paragraphs, total, share, ci_low, ci_high
    report = validate_frames(read_frame_codes("codes.csv"))   # coders vs coders vs the dictionary
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from framing.records import as_frame
from framing.timeseries import FREQS, wilson_interval
from framing.units import paragraph_spans

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FRAMES_FILE = Path(__file__).parent / "data" / "frames.toml"
FRAMES: tuple[str, ...] = (
    "economic", "capacity_and_resources", "morality", "fairness_and_equality",
    "legality_constitutionality_and_jurisprudence", "policy_prescription_and_evaluation", "crime_and_punishment",
    "security_and_defense", "health_and_safety", "quality_of_life", "cultural_identity", "public_opinion",
    "political", "external_regulation_and_reputation", "other",
)
UNVALIDATED = ("The policy-frame dictionary is unvalidated: its term lists were written by the framewatch team "
               "and have not been checked against human coding. Treat frame shares as exploratory until your "
               "own coded sample validates them (framewatch validate --frames CODES.csv).")


def load_frame_terms(path: str | os.PathLike | None = None) -> dict[str, dict]:
    """The frame dictionary: {frame: {"name": ..., "terms": [...]}} for all 15 frames, in codebook order.

    Raises ValueError naming the file when it is not TOML or misses or invents a frame."""
    path = Path(path) if path else FRAMES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("frames", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the frame dictionary: {exc}") from exc
    unknown, missing = set(data) - set(FRAMES), set(FRAMES) - set(data)
    if unknown or missing:
        raise ValueError(f"{path}: frames must be exactly the 15 codebook frames; unknown: "
                         f"{', '.join(sorted(unknown)) or 'none'}; missing: {', '.join(sorted(missing)) or 'none'}")
    return {f: {"name": str(data[f].get("name", f)), "terms": [str(t) for t in data[f].get("terms", [])]}
            for f in FRAMES}


def _pattern(terms: Sequence[str]) -> re.Pattern | None:
    parts = [re.escape(t.rstrip("*")).replace(r"\ ", r"\s+") + (r"\w*" if t.endswith("*") else "") for t in terms]
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE) if parts else None


class FrameDictionary(BaseEstimator, ClassifierMixin):
    """The transparent default frame classifier: the frame whose terms occur most often in a text
    ("other" below `min_hits`; ties go to the frame listed first). Unvalidated until checked against codes."""

    def __init__(self, path: str | None = None, min_hits: int = 1) -> None:
        self.path = path
        self.min_hits = min_hits

    def fit(self, X: object = None, y: object = None) -> FrameDictionary:
        """Read the term lists (nothing is learned from `X`)."""
        terms = load_frame_terms(self.path)
        self.names_ = {f: v["name"] for f, v in terms.items()}
        self.patterns_ = {f: _pattern(v["terms"]) for f, v in terms.items()}
        self.classes_ = np.array(FRAMES)
        return self

    def _ready(self) -> None:
        if not hasattr(self, "patterns_"):
            self.fit()

    def scores(self, texts: Sequence[str]) -> pd.DataFrame:
        """Term hits per text and frame (one column per frame)."""
        self._ready()
        rows = [[len(p.findall(t or "")) if p is not None else 0 for p in self.patterns_.values()] for t in texts]
        return pd.DataFrame(rows, columns=list(FRAMES), dtype=int)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """One frame per text."""
        hits = self.scores(list(X)).to_numpy()
        best = hits.argmax(axis=1) if len(hits) else np.zeros(0, dtype=int)
        return np.array([FRAMES[b] if hits[i, b] >= max(self.min_hits, 1) else "other"
                         for i, b in enumerate(best)], dtype=object)

    def explain(self, text: str) -> dict[str, list[str]]:
        """The matched words per frame, for showing why a paragraph got its frame."""
        self._ready()
        return {f: [m.group(0) for m in p.finditer(text)] for f, p in self.patterns_.items()
                if p is not None and p.search(text)}


def frame_model(random_state: int | None = 0) -> object:
    """An untrained scikit-learn Pipeline (tf-idf words and bigrams -> logistic regression) for frames coded by
    a user; train it with `train_frames`. framewatch ships no trained frame model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
                     ("clf", LogisticRegression(max_iter=2000, class_weight="balanced", random_state=random_state))])


# --------------------------------------------------------------------------------------------------
# Validation: the relation workflow with frame labels
def frame_aliases() -> dict[str, str]:
    """Accepted spellings of frame labels on a coding sheet: the key, its name, and the name's first word."""
    terms = load_frame_terms()
    out = {}
    for f, v in terms.items():
        name = " ".join(v["name"].lower().replace(",", " ").split())
        out.update({f.replace("_", " "): f, name: f, v["name"].lower(): f})
    out.update({"security and defence": "security_and_defense", "legality": "legality_constitutionality_and_jurisprudence",
                "policy": "policy_prescription_and_evaluation", "crime": "crime_and_punishment",
                "health": "health_and_safety", "capacity": "capacity_and_resources", "fairness": "fairness_and_equality",
                "external": "external_regulation_and_reputation", "culture": "cultural_identity"})
    return out


def read_frame_codes(path: str | os.PathLike) -> pd.DataFrame:
    """Read a coding sheet of frames (columns text, coder_1, coder_2, ... or gold), as `read_codes` does."""
    from framing.validation import read_codes

    return read_codes(path, labels=FRAMES, aliases=frame_aliases(), pairs=False)


def validate_frames(codes: pd.DataFrame, model: object | None = None) -> pd.DataFrame:
    """Agreement of coders with each other and with `model` (default: the dictionary) on coded frames."""
    from framing.validation import validation_report

    model = model if model is not None else FrameDictionary()
    predictions = list(model.predict(codes["text"].fillna("").tolist()))
    return validation_report(codes, labels=FRAMES, predictions=predictions)


def train_frames(codes: pd.DataFrame, random_state: int | None = 0) -> object:
    """Train `frame_model()` on the consensus of the coders (rows where they tie are left out)."""
    from framing.validation import consensus_labels

    labels = consensus_labels(codes)
    keep = labels.notna()
    if keep.sum() < 2 or labels[keep].nunique() < 2:
        raise ValueError("train_frames needs coded texts of at least two frames")
    return frame_model(random_state).fit(codes.loc[keep, "text"].tolist(), labels[keep].tolist())


def draw_frame_sample(paragraphs: pd.DataFrame, n: int = 200, random_state: int | None = 0,
                      freq: str = "Y") -> pd.DataFrame:
    """A coding sample of `frame_paragraphs` rows, stratified by predicted frame x period."""
    from framing.validation import stratified_sample

    dates = pd.to_datetime(paragraphs.get("date"), errors="coerce", utc=True) if "date" in paragraphs else None
    period = (dates.dt.tz_localize(None).dt.to_period(FREQS[freq]).astype(str).where(dates.notna(), "undated")
              if dates is not None else "undated")
    pool = paragraphs.assign(model_label=paragraphs["frame"], period=period)
    pool["stratum"] = pool["model_label"] + "|" + pool["period"].astype(str)
    cols = ["doc_id", "paragraph", "text", "model_label", "period", "stratum"]
    return stratified_sample(pool[cols].reset_index(drop=True), n, random_state)


# --------------------------------------------------------------------------------------------------
# Paragraphs, documents, periods
def frame_paragraphs(docs: object, classifier: object | None = None, text_col: str = "text",
                     id_col: str = "id") -> pd.DataFrame:
    """One row per paragraph: doc_id, paragraph, text, frame (and the document's date and outlet if given)."""
    frame = as_frame(docs)
    rows = []
    extra = [c for c in ("date", "outlet") if c in frame.columns]
    for rec in frame.to_dict("records"):
        text = rec.get(text_col) if isinstance(rec.get(text_col), str) else ""
        for i, (s, e) in enumerate(paragraph_spans(text)):
            rows.append({"doc_id": str(rec.get(id_col, "")), "paragraph": i, "text": text[s:e],
                         **{c: rec.get(c) for c in extra}})
    out = pd.DataFrame(rows, columns=["doc_id", "paragraph", "text", *extra])
    model = classifier if classifier is not None else FrameDictionary()
    out["frame"] = list(model.predict(out["text"].tolist())) if len(out) else []
    return out


def document_frames(paragraphs: pd.DataFrame) -> pd.DataFrame:
    """Per document: the primary frame (most paragraphs, "other" aside unless nothing else) and the
    share of its paragraphs in each frame."""
    counts = pd.crosstab(paragraphs["doc_id"], paragraphs["frame"]).reindex(columns=list(FRAMES), fill_value=0)
    named = counts.drop(columns="other")
    primary = np.where(named.sum(axis=1) > 0, named.idxmax(axis=1), "other")
    shares = counts.div(counts.sum(axis=1), axis=0).add_prefix("share_")
    return shares.assign(primary_frame=primary).reset_index()


def frame_shares(docs: object, classifier: object | None = None, freq: str = "Y", by: str | None = None,
                 paragraphs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of paragraphs in each frame per period (and `by` group): columns period, [by], frame, name,
    paragraphs, total, share, ci_low, ci_high (Wilson 95%, treating paragraphs as independent), documents.

    Undated documents are left out (`attrs["undated"]`); `attrs["validated"]` is False for the dictionary."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")
    paras = paragraphs if paragraphs is not None else frame_paragraphs(docs, classifier)
    dates = pd.to_datetime(paras["date"], errors="coerce", utc=True) if "date" in paras else pd.Series(
        pd.NaT, index=paras.index)
    dated = paras[dates.notna()].assign(period=dates[dates.notna()].dt.tz_localize(None).dt.to_period(
        FREQS[freq]).astype(str))
    keys = ["period"] + ([by] if by else [])
    names = {f: v["name"] for f, v in load_frame_terms().items()}
    rows = []
    for key, group in dated.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        total = len(group)
        counts = group["frame"].value_counts()
        for f in FRAMES:
            k = int(counts.get(f, 0))
            low, high = wilson_interval(k, total)
            rows.append({**dict(zip(keys, key)), "frame": f, "name": names[f], "paragraphs": k, "total": total,
                         "share": k / total if total else float("nan"), "ci_low": low, "ci_high": high,
                         "documents": group["doc_id"].nunique()})
    out = pd.DataFrame(rows, columns=keys + ["frame", "name", "paragraphs", "total", "share", "ci_low", "ci_high",
                                             "documents"])
    out.attrs["undated"] = int(paras.loc[dates.isna(), "doc_id"].nunique())
    out.attrs["validated"] = classifier is not None and not isinstance(classifier, FrameDictionary)
    return out
