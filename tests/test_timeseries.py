"""Time series of concepts and relations (CODEBOOK section 5)."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from framing.timeseries import timeseries, wilson_interval

HR, TR, RE = "HARM_REDUCTION", "TREATMENT", "RECOVERY"
HR_RE, HR_TR = f"{HR}+{RE}", f"{HR}+{TR}"


def _docs() -> pd.DataFrame:
    return pd.DataFrame([
        # a and b are one syndicated story: b (earlier) is kept, a is a copy
        {"id": "a", "date": dt.date(2024, 1, 20), "text": "", "scope_label": "core", "story_id": "s1", "outlet": "Wire"},
        {"id": "b", "date": dt.date(2024, 1, 5), "text": "", "scope_label": "core", "story_id": "s1", "outlet": "Herald"},
        {"id": "c", "date": "2024-01-28", "text": "", "scope_label": "core", "story_id": None, "outlet": "Herald"},
        {"id": "d", "date": dt.date(2024, 3, 2), "text": "", "scope_label": "core", "story_id": None, "outlet": "Post"},
        {"id": "e", "date": None, "text": "", "scope_label": "core", "story_id": None, "outlet": "Post"},
        {"id": "f", "date": dt.date(2024, 1, 9), "text": "", "scope_label": "out", "story_id": None, "outlet": "Post"},
        {"id": "g", "date": dt.date(2024, 3, 30), "text": "", "scope_label": "adjacent", "story_id": None, "outlet": "Post"},
    ])


def _units() -> pd.DataFrame:
    rows = [
        ("a", [HR, RE], {HR_RE: "opposition"}),          # a copy: must not be counted
        ("b", [HR, RE], {HR_RE: "opposition"}),
        ("b", [TR], {}),
        ("b", [], {}),
        ("c", [HR, RE, "ABSTINENCE"], {HR_RE: "complementary"}),
        ("c", [HR, TR], {HR_TR: "neutral"}),
        ("d", [RE], {}),
        ("e", [HR], {}),
        ("f", [HR, TR], {HR_TR: "opposition"}),          # out of scope
        ("g", [TR, RE], {f"{TR}+{RE}": "complementary"}),  # adjacent
    ]
    return pd.DataFrame([{"doc_id": d, "unit": i, "text": "", "concepts": c, "pairs": p}
                         for i, (d, c, p) in enumerate(rows)])


def _value(ts: pd.DataFrame, period: str, measure: str, **keys: str) -> tuple[int, int]:
    sel = (ts["period"] == period) & (ts["measure"] == measure)
    for column, value in keys.items():
        sel &= ts[column] == value
    row = ts[sel]
    assert len(row) == 1, (period, measure, keys, len(row))
    return int(row["count"].iloc[0]), int(row["total"].iloc[0])


def test_wilson_interval_known_values() -> None:
    low, high = wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    assert wilson_interval(10, 10)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_monthly_counts_rates_and_intervals() -> None:
    ts = timeseries(_docs(), _units(), freq="M")
    # January: b (syndicated copy a dropped) and c in scope; f is out of scope
    assert _value(ts, "2024-01", "documents_in_scope") == (2, 3)
    assert _value(ts, "2024-01", "documents_mentioning", concept=HR) == (2, 2)
    assert _value(ts, "2024-01", "documents_mentioning", concept=TR) == (2, 2)
    assert _value(ts, "2024-01", "units_mentioning", concept=HR) == (3, 5)
    assert _value(ts, "2024-01", "units_mentioning", concept="ABSTINENCE") == (1, 5)
    assert _value(ts, "2024-01", "cooccurring_units", pair=HR_RE) == (2, 5)
    assert _value(ts, "2024-01", "units_by_relation", pair=HR_RE, label="opposition") == (1, 2)
    assert _value(ts, "2024-01", "units_by_relation", pair=HR_RE, label="complementary") == (1, 2)
    assert _value(ts, "2024-01", "opposition_share", pair=HR_RE) == (1, 2)
    assert _value(ts, "2024-01", "opposition_share", pair=HR_TR) == (0, 1)
    assert _value(ts, "2024-01", "documents_by_label", label="oppositional") == (1, 2)
    assert _value(ts, "2024-01", "documents_by_label", label="integrative") == (1, 2)
    row = ts[(ts["period"] == "2024-01") & (ts["measure"] == "units_mentioning") & (ts["concept"] == HR)].iloc[0]
    assert row["rate"] == pytest.approx(0.6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_interval(3, 5))


def test_empty_periods_are_kept_with_zero_counts() -> None:
    ts = timeseries(_docs(), _units(), freq="M")
    assert sorted(ts["period"].unique()) == ["2024-01", "2024-02", "2024-03", "undated"]
    feb = ts[(ts["period"] == "2024-02") & (ts["measure"] == "documents_mentioning")]
    assert (feb["count"] == 0).all() and feb["rate"].isna().all()
    assert str(ts.loc[ts["period"] == "2024-02", "period_start"].iloc[0].date()) == "2024-02-01"


def test_undated_documents_are_stated_and_left_out_of_periods() -> None:
    ts = timeseries(_docs(), _units(), freq="M")
    assert ts.attrs["undated"] == 1
    assert _value(ts, "undated", "documents_undated") == (1, 4)
    assert ts.loc[ts["measure"] == "documents_in_scope", "count"].sum() == 3
    assert ts.attrs["syndicated_copies_dropped"] == 1


def test_scope_choice_changes_what_counts() -> None:
    core_and_adjacent = timeseries(_docs(), _units(), freq="M", scope=["core", "adjacent"])
    assert _value(core_and_adjacent, "2024-03", "documents_in_scope") == (2, 2)
    everything = timeseries(_docs(), _units(), freq="M", scope=None)
    assert _value(everything, "2024-01", "documents_in_scope") == (3, 3)
    assert _value(everything, "2024-01", "opposition_share", pair=HR_TR) == (1, 2)
    no_scope_column = timeseries(_docs().drop(columns="scope_label"), _units(), freq="M")
    assert _value(no_scope_column, "2024-01", "documents_in_scope") == (3, 3)


def test_quarter_and_year() -> None:
    q = timeseries(_docs(), _units(), freq="Q")
    assert _value(q, "2024Q1", "documents_in_scope") == (3, 5)
    y = timeseries(_docs(), _units(), freq="year")
    assert _value(y, "2024", "documents_mentioning", concept=RE) == (3, 3)


def test_by_outlet_splits_and_keeps_the_earliest_copy_outlet() -> None:
    ts = timeseries(_docs(), _units(), freq="M", by="outlet")
    assert set(ts["group"]) == {"Herald", "Post"}      # the Wire copy was dropped
    herald = ts[ts["group"] == "Herald"]
    assert _value(herald, "2024-01", "documents_in_scope") == (2, 2)
    post = ts[ts["group"] == "Post"]
    assert _value(post, "2024-01", "documents_in_scope") == (0, 1)
    assert _value(post, "undated", "documents_undated") == (1, 2)


def test_records_input_and_story_id_absent() -> None:
    records = _docs().drop(columns="story_id").to_dict("records")
    ts = timeseries(records, _units(), freq="M")
    assert _value(ts, "2024-01", "documents_in_scope") == (3, 4)
    assert ts.attrs["syndicated_copies_dropped"] == 0


def test_bad_input_is_clear() -> None:
    with pytest.raises(ValueError, match="freq"):
        timeseries(_docs(), _units(), freq="W")
    with pytest.raises(ValueError, match="date"):
        timeseries(_docs().drop(columns="date"), _units())
    with pytest.raises(ValueError, match="outlet2"):
        timeseries(_docs(), _units(), by="outlet2")
    units = _units()
    units.attrs["level"] = "term"
    with pytest.raises(ValueError, match="level"):
        timeseries(_docs(), units, level="family")


def test_units_computed_by_analyze_when_not_given() -> None:
    pytest.importorskip("framing.analyze")
    docs = pd.DataFrame([
        {"id": "x", "date": "2024-05-02", "text": "We need both harm reduction and treatment."},
        {"id": "y", "date": "2024-05-09", "text": "The council met about parking."},
    ])
    ts = timeseries(docs, freq="M")
    assert _value(ts, "2024-05", "documents_mentioning", concept=HR) == (1, 2)
    assert _value(ts, "2024-05", "cooccurring_units", pair=HR_TR) == (1, 2)
    assert _value(ts, "2024-05", "units_by_relation", pair=HR_TR, label="complementary") == (1, 1)


def test_cli_missing_corpus_is_a_clear_error(tmp_path, capsys) -> None:
    from corpus.cli import main

    assert main(["timeseries", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no corpus at" in capsys.readouterr().err


def test_cli_timeseries_from_a_corpus(tmp_path, capsys) -> None:
    pytest.importorskip("framing.analyze")
    import json

    from corpus.cli import main
    from corpus.documents import Document
    from corpus.store import Corpus

    db = tmp_path / "c.sqlite"
    with Corpus.open(db, create=True) as corpus:
        for i, (day, text) in enumerate([
            (dt.date(2024, 1, 3), "The overdose prevention site opened. We need both harm reduction and treatment."),
            (dt.date(2024, 2, 3), "Supervised consumption sites should be replaced by recovery beds instead."),
            (None, "Insite is busy."),
        ]):
            corpus.upsert(Document(url=f"https://example.org/{i}", title=str(i), text=text, date=day,
                                   date_source="feed" if day else "none", outlet="Herald", source="test", scope_label="core",
                                   date_confidence=(0.9, 0.25, None)[i]))
    out = tmp_path / "ts.jsonl"
    assert main(["timeseries", "--db", str(db), "--freq", "month", "--format", "json", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    found = {(r["period"], r["measure"], r["concept"]): (r["count"], r["total"]) for r in rows}
    assert found[("2024-01", "documents_mentioning", HR)] == (1, 1)
    assert found[("2024-02", "documents_mentioning", RE)] == (1, 1)
    assert found[("undated", "documents_undated", None)] == (1, 3)
    assert "0 dropped for date confidence" in capsys.readouterr().err
    # asked for, the document dated at 0.25 leaves the series and is counted
    assert main(["timeseries", "--db", str(db), "--freq", "month", "--format", "json", "--out", str(out),
                 "--min-date-confidence", "0.5"]) == 0
    assert "1 dropped for date confidence" in capsys.readouterr().err
    assert '"2024-02"' not in out.read_text(encoding="utf-8")


def test_min_date_confidence_drops_less_surely_dated_documents_and_counts_them() -> None:
    docs = _docs().assign(date_confidence=[0.9, 0.9, 0.25, 0.8, None, 0.9, None])
    kept = timeseries(docs, _units(), freq="M", min_date_confidence=0.5)
    assert kept.attrs["low_confidence_dropped"] == 1  # c (a bare year); e is undated, g has no confidence
    jan = kept[(kept["period"] == "2024-01") & (kept["measure"] == "documents_in_scope")].iloc[0]
    everything = timeseries(docs, _units(), freq="M")
    jan_all = everything[(everything["period"] == "2024-01") & (everything["measure"] == "documents_in_scope")].iloc[0]
    assert (jan["count"], jan_all["count"]) == (1, 2)
    assert everything.attrs["low_confidence_dropped"] == 0
    with pytest.raises(ValueError, match="date_confidence"):
        timeseries(_docs(), _units(), freq="M", min_date_confidence=0.5)


def test_a_units_table_without_its_empty_units_counts_the_same() -> None:
    docs, units = _docs(), _units()
    full = timeseries(docs, units, correction=None)
    active = units[[bool(c) or bool(p) for c, p in zip(units["concepts"], units["pairs"])]].copy()
    active.attrs["units_per_doc"] = units["doc_id"].astype(str).value_counts().to_dict()
    assert len(active) < len(units)
    pd.testing.assert_frame_equal(timeseries(docs, active, correction=None), full)


def test_iter_analyze_without_empty_units_keeps_the_other_rows_and_counts_every_unit() -> None:
    from framing.analyze import analyze, iter_analyze

    docs = [{"id": "d1", "text": "The council met. Harm reduction is not the opposite of recovery. Parking."},
            {"id": 7, "text": "Nothing here. Nor here."}, {"id": "d3", "text": "Treatment works. Rain fell."}]
    whole = analyze(docs, progress=False)
    (kept,) = iter_analyze(docs, progress=False, empty_units=False)
    assert kept.attrs["units_per_doc"] == {"d1": 3, "7": 2, "d3": 2}
    with_concept = whole[[bool(c) for c in whole["concepts"]]].reset_index(drop=True)
    assert kept.to_dict("records") == with_concept.to_dict("records")
