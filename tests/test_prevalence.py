"""Shares corrected for the classifier's known errors (framing.prevalence)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from framing.prevalence import Validation, add_corrected_shares, corrected_share, shipped_validation
from framing.timeseries import timeseries


def test_a_classifier_that_misses_half_the_oppositions_is_corrected():
    # validation: of 40 coded oppositions the model finds 20 (calls the rest neutral); neutrals are right
    true = ["opposition"] * 40 + ["neutral"] * 40 + ["complementary"] * 40
    pred = ["opposition"] * 20 + ["neutral"] * 20 + ["neutral"] * 40 + ["complementary"] * 40
    v = Validation.from_pairs(true, pred, name="test")
    # a period whose true share is 0.5 (50 of 100): the model sees 25 oppositions
    point, low, high = corrected_share({"opposition": 25, "neutral": 50, "complementary": 25}, v)
    assert point == pytest.approx(0.5, abs=0.01)
    assert low < 0.5 < high and high - low < 0.6
    assert low > 0.25  # the raw share (25 of 100) lies below the corrected interval


def test_the_interval_widens_when_a_period_holds_few_units():
    v = shipped_validation("seeds")
    few = corrected_share({"opposition": 2, "neutral": 2, "complementary": 2}, v)
    many = corrected_share({"opposition": 200, "neutral": 200, "complementary": 200}, v)
    assert (few[2] - few[1]) > 2 * (many[2] - many[1])
    assert math.isnan(corrected_share({"opposition": 0}, v)[0])


def test_validation_needs_codes_and_labels():
    with pytest.raises(ValueError, match="2 codes but 1"):
        Validation.from_pairs(["neutral", "neutral"], ["neutral"])
    with pytest.raises(ValueError, match="no coded pair"):
        Validation.from_pairs(["neutral"], ["not found"])
    with pytest.raises(ValueError, match="no validation set 'nope'"):
        shipped_validation("nope")


def test_shipped_matrices_rest_on_coded_samples():
    for name in ("realnews", "seeds"):
        v = shipped_validation(name)
        assert v.n >= 100 and v.counts.shape == (3, 3) and v.description
        rates = v.rates()
        assert np.allclose(rates.sum(axis=0), 1.0)


def _docs_units():
    docs = pd.DataFrame({"id": ["a", "b", "c"], "date": ["2024-01-05", "2024-02-01", "2024-02-09"],
                         "text": ["x", "y", "z"]})
    units = pd.DataFrame({"doc_id": ["a", "b", "c"], "unit": [0, 0, 0], "text": ["", "", ""],
                          "concepts": [["HARM_REDUCTION", "RECOVERY"]] * 3, "helpers": [[]] * 3,
                          "pairs": [{"HARM_REDUCTION+RECOVERY": "opposition"},
                                    {"HARM_REDUCTION+RECOVERY": "neutral"},
                                    {"HARM_REDUCTION+RECOVERY": "opposition"}]})
    return docs, units


def test_timeseries_carries_raw_and_corrected_shares_side_by_side():
    docs, units = _docs_units()
    ts = timeseries(docs, units, freq="M")
    share = ts[(ts.measure == "opposition_share") & (ts.pair == "HARM_REDUCTION+RECOVERY")]
    assert list(share["rate"]) == [1.0, 0.5]
    assert share["corrected"].notna().all() and (share["corrected_low"] <= share["corrected"]).all()
    assert set(share["correction_set"]) == {f"realnews (n={shipped_validation().n})"}
    other = ts[ts.measure != "opposition_share"]
    assert other["corrected"].isna().all()
    assert ts.attrs["correction"]["set"] == "realnews"
    plain = timeseries(docs, units, freq="M", correction=None)
    assert "corrected" not in plain.columns


def test_a_users_own_codes_drive_the_correction():
    docs, units = _docs_units()
    mine = Validation.from_pairs(["opposition"] * 10 + ["neutral"] * 10,
                                 ["opposition"] * 10 + ["opposition"] * 5 + ["neutral"] * 5, name="mine")
    ts = add_corrected_shares(timeseries(docs, units, freq="M", correction=None), mine)
    feb = ts[(ts.measure == "opposition_share") & (ts.pair == "HARM_REDUCTION+RECOVERY")].iloc[1]
    # half the model's oppositions are neutral in truth, so February's 1 of 2 is corrected down
    assert feb["corrected"] < feb["rate"] and feb["correction_set"] == "mine (n=20)"
