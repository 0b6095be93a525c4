"""Validating relation labels against human coding (CODEBOOK.md section 6).

The workflow: `draw_sample` (stratified by pair x predicted label x period) -> `write_sample` to a CSV
that coders fill in (columns coder_1, coder_2, ...) -> `read_codes` -> `validation_report` (every coder
against every other and against the model) -> `retrain` on the codes, or `adapt` (a coverage head fitted on
them, measured on folds it never saw) -> `RelationClassifier.save/load`.

    >>> round(agreement(["opposition", "neutral"], ["opposition", "neutral"])["alpha"], 3)
    1.0
"""
from __future__ import annotations

import copy
import itertools
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from framing.classifier import RelationClassifier, default_relation_model, read_labelled, team_examples
from framing.coverage_head import cross_fit_outputs, fit_outputs, output_labels
from framing.coverage_head import enabled as coverage_enabled
from framing.relations import LABELS, split_pair

SAMPLE_COLUMNS = ["sample_id", "doc_id", "unit", "pair", "text", "model_label", "model_probability",
                  "period", "stratum"]


def krippendorff_alpha(a: Sequence[str], b: Sequence[str]) -> float:
    """Krippendorff's alpha for two coders, nominal values, no missing values (1 = perfect, 0 = chance).

    >>> krippendorff_alpha(["x", "x", "y", "y"], ["x", "y", "y", "y"])  # doctest: +ELLIPSIS
    0.53...
    """
    if len(a) != len(b):
        raise ValueError(f"coders have {len(a)} and {len(b)} codes; they must code the same units")
    n = 2 * len(a)
    if n == 0:
        return float("nan")
    counts = Counter(a) + Counter(b)
    observed = 2 * sum(1 for x, y in zip(a, b) if x != y) / n
    expected = (n * n - sum(c * c for c in counts.values())) / (n * (n - 1)) if n > 1 else 0.0
    return 1.0 - observed / expected if expected else 1.0


def agreement(a: Sequence[str], b: Sequence[str], labels: Sequence[str] = LABELS) -> dict:
    """Agreement of `b` with reference `a`: n, accuracy, per-label precision/recall/F1/support,
    macro-F1 (over the labels present in `a`) and Krippendorff's alpha (nominal).

    Pairs where either side is missing (None/NaN/"") are left out.
    """
    kept = [(str(x), str(y)) for x, y in zip(a, b) if _present(x) and _present(y)]
    if len(a) != len(b):
        raise ValueError(f"the two sides have {len(a)} and {len(b)} codes")
    ref, other = [x for x, _ in kept], [y for _, y in kept]
    per = {}
    for lab in labels:
        tp = sum(1 for x, y in kept if x == lab and y == lab)
        fp = sum(1 for x, y in kept if x != lab and y == lab)
        fn = sum(1 for x, y in kept if x == lab and y != lab)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per[lab] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": tp + fn}
    present = [lab for lab in labels if per[lab]["support"] > 0]
    return {
        "n": len(kept),
        "accuracy": sum(x == y for x, y in kept) / len(kept) if kept else float("nan"),
        "macro_f1": float(np.mean([per[lab]["f1"] for lab in present])) if present else float("nan"),
        "alpha": krippendorff_alpha(ref, other),
        "per_label": per,
    }


NOT_FOUND = "not found"


def model_codes(model: RelationClassifier, items: Sequence[object]) -> list[str]:
    """The model's label per coded item; "not found" where it abstains because the unit does not hold
    both concepts, so a missed concept counts against the model instead of dropping out of the sample."""
    return [NOT_FOUND if label is None else str(label) for label in model.predict(list(items))]


def _present(x: object) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x)) and str(x).strip() != ""


def draw_sample(units: pd.DataFrame, n: int = 200, random_state: int | None = 0, freq: str = "M",
                date_col: str = "date") -> pd.DataFrame:
    """A stratified sample of (unit, pair) rows from `analyze` output for human coding.

    Strata are pair x predicted label x period (period of `date_col` at `freq`, "undated" when missing);
    each stratum gets an equal share of `n` (rare strata such as opposition are not swamped), capped at
    its size, with the remainder spread over the larger strata. Reproducible with `random_state`.
    """
    rows = []
    for rec in units.to_dict("records"):
        date = pd.to_datetime(rec.get(date_col), errors="coerce") if date_col in units.columns else pd.NaT
        period = "undated" if pd.isna(date) else str(pd.Period(date, freq=freq))
        for pair, label in (rec.get("pairs") or {}).items():
            prob = (rec.get("probabilities") or {}).get(pair, {}).get(label)
            rows.append({"doc_id": rec["doc_id"], "unit": rec["unit"], "pair": pair, "text": rec["text"],
                         "model_label": label, "model_probability": prob, "period": period,
                         "stratum": f"{pair}|{label}|{period}"})
    pool = pd.DataFrame(rows, columns=SAMPLE_COLUMNS[1:])
    if pool.empty:
        raise ValueError("no unit has a pair of concepts: nothing to sample for coding")
    return stratified_sample(pool, n, random_state)


def stratified_sample(pool: pd.DataFrame, n: int, random_state: int | None = 0) -> pd.DataFrame:
    """`n` rows of `pool` with an equal share per value of its `stratum` column (see `draw_sample`), shuffled,
    numbered in a first column `sample_id`."""
    rng = np.random.RandomState(random_state)
    sizes = pool.groupby("stratum").size().sort_values()
    quota, left, strata_left = {}, min(n, len(pool)), len(sizes)
    for stratum, size in sizes.items():  # smallest first, so their unused share goes to bigger strata
        take = min(size, left // strata_left + (1 if left % strata_left else 0))
        quota[stratum] = take
        left -= take
        strata_left -= 1
    picked = []
    for stratum, group in pool.groupby("stratum", sort=True):
        k = quota.get(stratum, 0)
        if k:
            picked.append(group.iloc[rng.choice(len(group), size=k, replace=False)])
    sample = pd.concat(picked).sample(frac=1.0, random_state=rng).reset_index(drop=True)
    sample.insert(0, "sample_id", [f"s{i + 1:04d}" for i in range(len(sample))])
    return sample


def write_sample(sample: pd.DataFrame, path: str | os.PathLike, coders: Sequence[str] = ("coder_1", "coder_2"),
                 blind: bool = True) -> Path:
    """Write a coding sheet: the sample with empty coder columns; `blind` hides the model's label.

    The stratum names the predicted label, so a blind sheet leaves it out too.
    """
    sheet = sample.copy()
    if blind:
        hidden = ("model_label", "model_probability", "stratum")
        sheet = sheet.drop(columns=[c for c in hidden if c in sheet.columns])
    for c in coders:
        sheet[c] = ""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.to_csv(path, index=False)
    return path


def coder_columns(codes: pd.DataFrame) -> list[str]:
    """The coder columns of a coding sheet: those named coder*, or 'gold'/'final' for adjudicated codes."""
    return [c for c in codes.columns if str(c).lower().startswith("coder") or str(c).lower() in ("gold", "final")]


RELATION_ALIASES = {"comp": "complementary", "c": "complementary", "opp": "opposition", "o": "opposition",
                    "neu": "neutral", "n": "neutral"}


def read_codes(path: str | os.PathLike, labels: Sequence[str] = LABELS, aliases: dict[str, str] | None = None,
               pairs: bool = True) -> pd.DataFrame:
    """Read a filled-in coding sheet; labels are normalised (case, spaces, 'comp'/'opp'/'neu' accepted).

    `labels`/`aliases`/`pairs=False` read other sheets with the same workflow (policy frames: one label per
    text, no pair column). Raises ValueError naming the file, row and column of any unknown label or missing
    column, and naming the file when no row is coded at all.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no coding sheet at {path}")
    codes = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("text", "pair") if pairs else ("text",):
        if col not in codes.columns:
            raise ValueError(f"{path}: no {col!r} column (columns: {', '.join(codes.columns)})")
    coders = coder_columns(codes)
    if not coders:
        raise ValueError(f"{path}: no coder columns (name them coder_1, coder_2, ...)")
    short = RELATION_ALIASES if aliases is None else aliases
    for col in coders:
        values = []
        for i, raw in enumerate(codes[col], start=2):
            v = " ".join(str(raw).strip().lower().split())
            v = short.get(v, v)
            if v and v not in labels:
                raise ValueError(f"{path}: row {i}, column {col!r}: unknown label {raw!r} "
                                 f"(expected one of {', '.join(labels)})")
            values.append(v or None)
        codes[col] = pd.Series(values, index=codes.index, dtype=object)
    if not codes[coders].notna().any().any():
        raise ValueError(f"{path}: no row is coded yet (columns {', '.join(coders)} are empty); "
                         "fill in the labels, then validate again")
    if not pairs:
        return codes
    joined = []
    for i, raw in enumerate(codes["pair"], start=2):
        try:
            a, b = split_pair(raw)
        except ValueError as exc:
            raise ValueError(f"{path}: row {i}: {exc}") from exc
        joined.append(f"{a}+{b}")
    codes["pair"] = joined
    return codes


def document_contexts(docs: pd.DataFrame | Iterable[Mapping[str, object]]) -> dict[str, str]:
    """Each document's title and text by its id (as a string): the context in which the analysis read its
    units, so that a coded unit's "the site" resolves the same way again.

    >>> document_contexts([{"id": 7, "title": "Site opens", "text": "The site opened."}])
    {'7': 'Site opens\\nThe site opened.'}
    """
    rows = docs.to_dict("records") if isinstance(docs, pd.DataFrame) else docs
    return {str(d["id"]): "\n".join(v for v in (d.get("title"), d.get("text")) if isinstance(v, str)).strip()
            for d in rows}


def coded_items(codes: pd.DataFrame, documents: Mapping[str, str] | None = None) -> list:
    """The relation items of a coding sheet: (text, pair), or, given `documents` and a doc_id column, items
    that carry their document as context."""
    if not documents or "doc_id" not in codes.columns:
        return list(zip(codes["text"], codes["pair"]))
    return [{"text": text, "pair": pair, "context": documents.get(str(doc), "")}
            for text, pair, doc in zip(codes["text"], codes["pair"], codes["doc_id"])]


def validation_report(codes: pd.DataFrame, model: RelationClassifier | None = None,
                      labels: Sequence[str] = LABELS, predictions: Sequence[str] | None = None,
                      documents: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Agreement of every coder with every other coder and, with `model` (or its `predictions`, one per
    row), of the model with each coder; with `documents` (`document_contexts`) the model reads each unit in
    its document, as the analysis did.

    One row per comparison: reference, other, n, accuracy, macro_f1, alpha, f1_<label> for each label.
    """
    coders = coder_columns(codes)
    sides = {c: list(codes[c]) for c in coders}
    if predictions is not None:
        sides["model"] = [str(p) for p in predictions]
    elif model is not None:
        sides["model"] = model_codes(model, coded_items(codes, documents))
    rows = []
    names = list(sides)
    for ref, other in itertools.combinations(names, 2):
        if ref == "model":
            ref, other = other, ref
        rows.append(_row(ref, other, agreement(sides[ref], sides[other], labels=labels), labels))
    return pd.DataFrame(rows)


def _row(ref: str, other: str, ag: dict, labels: Sequence[str] = LABELS) -> dict:
    row = {"reference": ref, "other": other, "n": ag["n"], "accuracy": ag["accuracy"],
           "macro_f1": ag["macro_f1"], "alpha": ag["alpha"]}
    for lab in labels:
        row[f"f1_{lab}"] = ag["per_label"][lab]["f1"]
        row[f"support_{lab}"] = ag["per_label"][lab]["support"]
    return row


def consensus_labels(codes: pd.DataFrame) -> pd.Series:
    """One label per row: the adjudicated 'gold'/'final' column if present, else the majority of the coders
    (None when they tie or nobody coded the row)."""
    for col in ("gold", "final"):
        if col in codes.columns:
            return codes[col]
    coders = [c for c in coder_columns(codes)]
    out = []
    for _, row in codes[coders].iterrows():
        votes = Counter(v for v in row if _present(v))
        top = votes.most_common(2)
        out.append(top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else None)
    return pd.Series(out, index=codes.index, dtype=object)


def retrain(codes: pd.DataFrame, include_team: bool = True, level: str = "family",
            **params: object) -> RelationClassifier:
    """Train a RelationClassifier on the user's codes (consensus of coders), with the team set added
    unless `include_team=False`; `params` go to RelationClassifier."""
    labels = consensus_labels(codes)
    keep = labels.notna()
    items = list(zip(codes.loc[keep, "text"], codes.loc[keep, "pair"]))
    y = list(labels[keep])
    if include_team:
        team_items, team_y = team_examples()
        items, y = team_items + items, team_y + y
    if not items:
        raise ValueError("no coded pairs to train on (coders disagree on every row, or nothing is coded)")
    return RelationClassifier(level=level, **params).fit(items, y)


def adapt(codes: pd.DataFrame, model: RelationClassifier | None = None, folds: int = 5,
          random_state: int | None = 0, documents: Mapping[str, str] | None = None,
          **params: object) -> tuple[RelationClassifier, pd.DataFrame]:
    """The model with a coverage head (`framing.coverage_head`) fitted on the user's codes (the coders'
    consensus), and the evidence for using it: agreement with the consensus of the model as it is, of the
    model without a head, and of a head fitted on the other `folds` only (documents never split across
    folds, labels stratified). The adapted head replaces the shipped one; `documents` (`document_contexts`)
    lets each unit be read in its document, as the analysis read it; `params` go to CoverageHead.

        >>> adapted, report = adapt(read_codes("codes.csv"))  # doctest: +SKIP
        >>> adapted.save("adapted.skops")  # doctest: +SKIP
    """
    from sklearn.model_selection import StratifiedGroupKFold

    model = model if model is not None else default_relation_model()
    labels = consensus_labels(codes)
    keep = [i for i, lab in enumerate(labels) if _present(lab)]
    rows = codes.iloc[keep]
    items, y = coded_items(rows, documents), [str(labels.iloc[i]) for i in keep]
    counts = Counter(y)
    short = [f"{lab} has {counts[lab]}" for lab in model.classes_ if counts[lab] < folds]
    if short:
        raise ValueError(f"adapting needs at least {folds} agreed codes of each label ({folds} folds): "
                         + ", ".join(short))
    groups = list(rows["doc_id"].astype(str)) if "doc_id" in rows.columns else list(range(len(rows)))
    split = StratifiedGroupKFold(n_splits=folds, shuffle=random_state is not None, random_state=random_state)
    parts = [list(test) for _, test in split.split(np.zeros(len(y)), y, groups)]
    outputs = [model.base_outputs([items[i] for i in part]) for part in parts]  # the model's work, done once
    part_labels = [[y[i] for i in part] for part in parts]
    shipped = getattr(model, "coverage_head_", None) if coverage_enabled() else None
    names = ["model", "model without coverage head", f"adapted ({folds} folds, each unseen)"]
    sides: dict[str, list[str]] = {name: [NOT_FOUND] * len(y) for name in names}
    crossed = cross_fit_outputs(model, outputs, part_labels, **params)
    for part, output, found in zip(parts, outputs, crossed):
        for name, labels in zip(names, (output_labels(model.classes_, output, len(part), shipped),
                                        output_labels(model.classes_, output, len(part)), found)):
            for i, label in zip(part, labels):
                sides[name][i] = NOT_FOUND if label is None else label
    report = pd.DataFrame([_row("consensus", name, agreement(y, pred)) for name, pred in sides.items()])
    adapted = copy.copy(model)
    adapted.coverage_head_ = fit_outputs(model, outputs, part_labels, **params)
    return adapted, report


def coded_pairs(units_path: str | os.PathLike, documents: dict[str, str]) -> tuple[list[dict], list[str]]:
    """(items, human labels) for every coded pair of a units file ({uid, doc, text, concepts, pairs}, the
    format of ../shared/tools/score_relations_docs.py); each item carries its document's text from
    `documents` (by the unit's "doc") as context, as `framewatch relations` sees it."""
    items, labels = [], []
    path = Path(units_path)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                unit = json.loads(line)
                coded = unit["pairs"].items()
                text, doc = unit["text"], unit["doc"]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}:{n}: not a coded unit ({exc})") from exc
            for pair, label in coded:
                items.append({"text": text, "pair": pair, "context": documents.get(doc, "")})
                labels.append(label)
    return items, labels


def read_check(folder: str | os.PathLike) -> tuple[list[dict], list[str], dict[str, str]]:
    """(items, human labels, documents by id) of a coded check: a folder with records.jsonl ({id, title,
    text}) and units.jsonl, each document's title and text the context of its units."""
    folder = Path(folder)
    records = []
    for n, line in enumerate((folder / "records.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rec = json.loads(line)
                records.append({"id": rec["id"], "title": rec.get("title"), "text": str(rec["text"])})
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{folder / 'records.jsonl'}:{n}: not a record ({exc})") from exc
    documents = document_contexts(records)
    items, labels = coded_pairs(folder / "units.jsonl", documents)
    return items, labels, documents


def score_labels(path: str | os.PathLike, model: RelationClassifier) -> pd.DataFrame:
    """The model against a coded JSONL ({text, pairs}), e.g. ../shared/labels/seed-units.jsonl."""
    items, y = read_labelled(path)
    return pd.DataFrame([_row("labels", "model", agreement(y, model_codes(model, items)))])


def cross_validate_team(k: int = 5, level: str = "family", random_state: int = 0) -> pd.DataFrame:
    """Stratified k-fold cross-validation of a fresh RelationClassifier on the team set."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    items, y = team_examples()
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
    pred = cross_val_predict(RelationClassifier(level=level, random_state=random_state), items, y, cv=folds)
    return pd.DataFrame([_row("team set", f"model ({k}-fold cv)", agreement(y, list(pred)))])
