"""Counts and rates over time (CODEBOOK.md section 5), each with a Wilson 95% interval.

`timeseries(docs, units)` returns a long ("tidy") table, one row per group × period × measure ×
concept/pair/label, with columns:

    group, period, period_start, measure, concept, pair, label, count, total, rate, ci_low, ci_high

Measures (`count` out of `total`):

- `documents_in_scope`: in-scope documents out of all (de-duplicated) documents of the period;
- `documents_mentioning` (concept): documents with the concept in some unit, out of in-scope documents;
- `units_mentioning` (concept): units with the concept, out of all units of in-scope documents;
- `cooccurring_units` (pair): units holding both concepts of the pair, out of all units;
- `units_by_relation` (pair, label): units relating the pair with `label`, out of labelled co-occurring units;
- `opposition_share` (pair): the oppositional share of the pair's co-occurrences;
- `documents_by_label` (label): documents with each framing label (`document_labels`), out of in-scope documents;
- `documents_undated` (period "undated"): in-scope documents with no date, out of all in-scope documents.

Syndicated copies (documents sharing `story_id`) count once: the earliest dated copy is kept.
Documents without a date are left out of every period and counted in `documents_undated` and in
`df.attrs["undated"]`. `df.attrs` also holds `documents` (all given), `documents_in_scope` (every copy),
`stories_in_scope` (syndicated copies counted once) and `out_of_scope`. With `min_date_confidence`, dated
documents whose `date_confidence` is below it are left out altogether (a wrong date would put them in
another period); their number is in `df.attrs["low_confidence_dropped"]`. A missing confidence is not
below any threshold.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from framing.doclabels import DOC_LABELS, label_documents, unit_flags
from framing.lexicon import HELPERS, MAIN_CONCEPTS
from framing.prevalence import Validation, add_corrected_shares, shipped_validation
from framing.records import as_frame
from framing.relations import LABELS, PAIRS

FREQS = {"M": "M", "month": "M", "monthly": "M", "Q": "Q", "quarter": "Q", "quarterly": "Q",
         "Y": "Y", "A": "Y", "year": "Y", "yearly": "Y", "annual": "Y"}
COLUMNS = ["group", "period", "period_start", "measure", "concept", "pair", "label",
           "count", "total", "rate", "ci_low", "ci_high"]


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (95% by default); (nan, nan) when n is 0.

    >>> tuple(round(x, 3) for x in wilson_interval(5, 10))
    (0.237, 0.763)
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def _scope_labels(scope: str | Iterable[str] | None) -> set[str] | None:
    if scope is None or scope == "all":
        return None
    return {scope} if isinstance(scope, str) else set(scope)


def _deduplicate(docs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep one document per story_id (the earliest dated; undated copies last, then by id)."""
    if "story_id" not in docs.columns:
        return docs, 0
    story = docs["story_id"].astype(object).where(docs["story_id"].notna(), "\x00doc:" + docs["id"].astype(str))
    ordered = docs.assign(_story=story).sort_values(["_date", "id"], na_position="last", kind="stable")
    kept = ordered.drop_duplicates("_story", keep="first").drop(columns="_story")
    return kept.sort_index(), len(docs) - len(kept)


def _count(group: object, period: str, start: object, measure: str, count: int, total: int,
           concept: str | None = None, pair: str | None = None, label: str | None = None) -> tuple:
    """One count row: group, period, period_start, measure, concept, pair, label, count, total."""
    return (group, period, start, measure, concept, pair, label, int(count), int(total))


def _rated(rows: Iterable[tuple]) -> pd.DataFrame:
    """The tidy table (COLUMNS) of count rows (group, period, period_start, measure, concept, pair, label,
    count, total), each with its rate and Wilson interval."""
    out = []
    for row in rows:
        count, total = row[7], row[8]
        out.append((*row, count / total if total else math.nan, *wilson_interval(count, total)))
    return pd.DataFrame(out, columns=COLUMNS)


def _sums(table: pd.DataFrame, keys: list[str], columns: list[str]) -> dict[tuple, dict[str, int]]:
    """Per (group, period): the number of rows (`_n`) and the sum of each boolean column."""
    if table.empty:
        return {}
    grouped = table.groupby(keys, observed=True)
    sums = grouped[columns].sum().astype(int)
    sums["_n"] = grouped.size()
    return sums.to_dict("index")


def _drop_low_confidence(frame: pd.DataFrame, threshold: float | None) -> tuple[pd.DataFrame, int]:
    """The table without dated documents whose `date_confidence` is below `threshold`, and how many."""
    if threshold is None:
        return frame, 0
    if "date_confidence" not in frame.columns:
        raise ValueError("docs table lacks column 'date_confidence'; min_date_confidence needs it")
    confidence = pd.to_numeric(frame["date_confidence"], errors="coerce")
    low = frame["_date"].notna() & (confidence < threshold)
    return frame[~low], int(low.sum())


def _period_counts(docs: pd.DataFrame | Iterable[Mapping[str, object]], units: pd.DataFrame | None, freq: str,
                   by: str | None, level: str, scope: str | Iterable[str] | None,
                   min_date_confidence: float | None) -> tuple[list[tuple], dict[str, object]]:
    """`timeseries` as count rows (see `_rated`) and the table's attributes, without rates or intervals: what
    a running series adds up chunk by chunk."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of M, Q, Y (or month, quarter, year), not {freq!r}")
    frame = as_frame(docs)
    for column in ("id", "date"):
        if column not in frame.columns:
            raise ValueError(f"docs table lacks column {column!r}; it needs id and date")
    if by is not None and by not in frame.columns:
        raise ValueError(f"cannot split by {by!r}: docs table has no such column")
    if units is None:
        from framing.analyze import analyze  # the relation layer; imported only when needed

        units = analyze(frame, level=level)
    elif units.attrs.get("level", level) != level:
        raise ValueError(f"units were computed at level {units.attrs['level']!r}, not {level!r}")
    # pandas deep-copies `attrs` into the result of every operation: read them once and work without them
    # (a table without empty units holds a count per document there, which would be copied at every step)
    every_per_doc = units.attrs.get("units_per_doc")
    units = units.copy(deep=False)
    units.attrs = {}

    frame = frame.assign(id=frame["id"].astype(str),
                         _date=pd.to_datetime(frame["date"], errors="coerce", utc=True, format="mixed").dt.tz_localize(None))
    frame, low_confidence = _drop_low_confidence(frame, min_date_confidence)
    wanted = _scope_labels(scope)
    if wanted is not None and "scope_label" in frame.columns:
        frame["_in_scope"] = frame["scope_label"].isin(wanted)
    else:
        frame["_in_scope"] = True
    n_documents, n_in_scope = len(frame), int(frame["_in_scope"].sum())
    frame, dropped = _deduplicate(frame)
    frame["_group"] = frame[by].fillna("unknown").astype(str) if by else "all"
    code = FREQS[freq]
    frame["_period"] = frame["_date"].dt.to_period(code)

    in_scope = frame[frame["_in_scope"]]
    doc_ids = units["doc_id"].astype(str)
    in_scope_ids = set(in_scope["id"])
    kept = doc_ids.isin(in_scope_ids)
    # every unit counts in the totals, but only units with a concept or a pair count in any measure: the
    # others are counted per document here and left out of the per-unit work below
    if every_per_doc is not None:  # a table without its empty units (iter_analyze(empty_units=False))
        every = pd.Series(every_per_doc, dtype="int64")
        units_per_doc = every[every.index.isin(in_scope_ids)]
    else:
        units_per_doc = doc_ids[kept].value_counts()
    flags = unit_flags(units["concepts"], units["pairs"], list(MAIN_CONCEPTS) + list(HELPERS))
    active = kept.to_numpy() & flags["any"]
    flags = {name: values[active] for name, values in flags.items()}
    units = units[active].copy()
    units["doc_id"] = doc_ids[active]
    units = units.merge(in_scope[["id", "_period", "_group"]], left_on="doc_id", right_on="id", how="left")
    concepts = list(MAIN_CONCEPTS) + [h for h in HELPERS if flags[h].any()]
    columns = {c: flags[c] for c in concepts}
    for pair in PAIRS:
        a, b = pair.split("+")
        columns["co:" + pair] = flags[a] & flags[b]
        columns["lab:" + pair] = np.logical_or.reduce([flags[f"{label}:{pair}"] for label in LABELS])
        columns.update({f"{label}:{pair}": flags[f"{label}:{pair}"] for label in LABELS})
    decisive = ("_n:opposition", "_n:complementary")  # what a document's label needs of its pairs
    columns.update({name: flags[name[3:]] > 0 for name in decisive})
    units = pd.concat([units, pd.DataFrame(columns, index=units.index)], axis=1)
    per_doc = units.groupby("doc_id")[concepts + list(decisive)].any()
    per_doc.index = per_doc.index.astype(str)  # an empty groupby has an integer index
    per_doc["_label"] = label_documents(per_doc[list(MAIN_CONCEPTS)].sum(axis=1), per_doc["_n:opposition"],
                                        per_doc["_n:complementary"])
    in_scope = in_scope.join(per_doc[concepts + ["_label"]], on="id")
    in_scope[concepts] = in_scope[concepts].fillna(False).astype(bool)
    in_scope["_label"] = in_scope["_label"].fillna("none")

    dated = frame[frame["_period"].notna()]
    if len(dated):
        periods = pd.period_range(dated["_period"].min(), dated["_period"].max(), freq=code)
    else:
        periods = pd.PeriodIndex([], freq=code)
    unit_cols = concepts + [f"{kind}:{pair}" for pair in PAIRS for kind in ("co", "lab", *LABELS)]
    for label in DOC_LABELS:
        in_scope["doc:" + label] = in_scope["_label"] == label
    doc_cols = concepts + ["doc:" + label for label in DOC_LABELS]
    keys = ["_group", "_period"]
    unit_sums = _sums(units, keys, unit_cols)
    n_units = in_scope.assign(_units=in_scope["id"].map(units_per_doc).fillna(0).astype(int)) \
        .groupby(keys, observed=True)["_units"].sum()
    for key, n in n_units.items():
        unit_sums.setdefault(key, {})["_n"] = int(n)
    doc_sums = _sums(in_scope[in_scope["_period"].notna()], keys, doc_cols)
    all_sizes = dated.groupby(keys, observed=True).size().to_dict()
    rows = []
    for group in sorted(frame["_group"].unique()):
        for period in periods:
            u = unit_sums.get((group, period), {})
            d = doc_sums.get((group, period), {})
            n_docs, n_units = d.get("_n", 0), u.get("_n", 0)
            key = (group, str(period), period.start_time)
            rows.append(_count(*key, "documents_in_scope", n_docs, all_sizes.get((group, period), 0)))
            for c in concepts:
                rows.append(_count(*key, "documents_mentioning", d.get(c, 0), n_docs, concept=c))
                rows.append(_count(*key, "units_mentioning", u.get(c, 0), n_units, concept=c))
            for pair in PAIRS:
                labelled = u.get("lab:" + pair, 0)
                rows.append(_count(*key, "cooccurring_units", u.get("co:" + pair, 0), n_units, pair=pair))
                for label in LABELS:
                    rows.append(_count(*key, "units_by_relation", u.get(f"{label}:{pair}", 0), labelled,
                                       pair=pair, label=label))
                rows.append(_count(*key, "opposition_share", u.get("opposition:" + pair, 0), labelled,
                                   pair=pair, label="opposition"))
            for label in DOC_LABELS:
                rows.append(_count(*key, "documents_by_label", d.get("doc:" + label, 0), n_docs, label=label))
        g_docs = in_scope[in_scope["_group"] == group]
        rows.append(_count(group, "undated", pd.NaT, "documents_undated",
                           int(g_docs["_period"].isna().sum()), len(g_docs)))
    attrs = {"undated": int(in_scope["_period"].isna().sum()), "syndicated_copies_dropped": dropped,
             "freq": code, "by": by, "level": level, "scope": None if wanted is None else sorted(wanted),
             "documents": n_documents, "documents_in_scope": n_in_scope,
             "out_of_scope": n_documents - n_in_scope, "stories_in_scope": len(in_scope),
             "low_confidence_dropped": low_confidence, "min_date_confidence": min_date_confidence}
    return rows, attrs


def timeseries(docs: pd.DataFrame | Iterable[Mapping[str, object]], units: pd.DataFrame | None = None,
               freq: str = "M", by: str | None = None, level: str = "family",
               scope: str | Iterable[str] | None = "core",
               min_date_confidence: float | None = None,
               correction: Validation | str | None = "realnews") -> pd.DataFrame:
    """Per period (`freq` "M", "Q" or "Y"), per concept and pair, the codebook's counts and rates.

    `opposition_share` rows also carry the share corrected for the classifier's measured errors
    (columns corrected, corrected_low, corrected_high, correction_set; see `framing.prevalence`): from
    the confusion matrix the project measured on real news (`correction="realnews"`, the default) or on
    the academic development set ("seeds"), or from your own codes (a `Validation`); None leaves them out.

    `docs` needs `id` and `date` (and `scope_label`, `story_id`, the `by` column when present);
    `units` is `framing.analyze` output for them (computed here at `level` when None). `scope`
    keeps documents whose `scope_label` is that label (or one of those labels; None keeps all);
    a table without `scope_label` is taken as all in scope. `by="outlet"` or `"source"` splits.
    `min_date_confidence` drops dated documents whose `date_confidence` is below it.
    """
    rows, attrs = _period_counts(docs, units, freq, by, level, scope, min_date_confidence)
    out = _rated(rows)
    out.attrs.update(attrs)
    if correction is not None:
        validation = correction if isinstance(correction, Validation) else shipped_validation(correction)
        out = add_corrected_shares(out, validation)
    return out
