"""Validation workflow: agreement statistics against hand-computed values, sampling, codes, retraining."""
from __future__ import annotations

import pandas as pd
import pytest
from nltk.metrics.agreement import AnnotationTask

from framing.validation import (agreement, consensus_labels, draw_sample, krippendorff_alpha, read_codes,
                                retrain, validation_report, write_sample)

C, N, O = "complementary", "neutral", "opposition"


def test_alpha_matches_a_hand_computation_and_nltk():
    a = ["x", "x", "y", "y"]
    b = ["x", "y", "y", "y"]
    # 8 values: x=3, y=5. Do = 2*1/8 = 0.25; De = (64 - 9 - 25) / (8*7) = 30/56; alpha = 1 - 0.25/(30/56)
    assert krippendorff_alpha(a, b) == pytest.approx(1 - 0.25 / (30 / 56))
    a2 = [C, C, N, O, O, N, C, O]
    b2 = [C, N, N, O, C, N, C, O]
    task = AnnotationTask(data=[("1", i, v) for i, v in enumerate(a2)] + [("2", i, v) for i, v in enumerate(b2)])
    assert krippendorff_alpha(a2, b2) == pytest.approx(task.alpha())
    assert krippendorff_alpha([C, C], [C, C]) == 1.0


def test_agreement_per_label_and_macro_f1_by_hand():
    gold = [C, C, C, N, N, O]
    pred = [C, C, N, N, O, O]
    ag = agreement(gold, pred)
    assert ag["n"] == 6 and ag["accuracy"] == pytest.approx(4 / 6)
    # complementary: P 2/2, R 2/3 -> F1 0.8; neutral: P 1/2, R 1/2 -> 0.5; opposition: P 1/2, R 1 -> 2/3
    assert ag["per_label"][C]["f1"] == pytest.approx(0.8)
    assert ag["per_label"][N]["f1"] == pytest.approx(0.5)
    assert ag["per_label"][O]["f1"] == pytest.approx(2 / 3)
    assert ag["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_agreement_skips_uncoded_rows():
    ag = agreement([C, None, O, ""], [C, O, float("nan"), O])
    assert ag["n"] == 1 and ag["accuracy"] == 1.0


def _units(n_docs: int = 30) -> pd.DataFrame:
    rows = []
    for i in range(n_docs):
        label = (C, N, O)[i % 3] if i < 27 else O
        pair = ("HARM_REDUCTION+TREATMENT", "TREATMENT+RECOVERY")[i % 2]
        rows.append({"doc_id": f"d{i}", "unit": 0, "text": f"unit {i}", "date": f"2024-0{1 + (i // 2) % 2}-15",
                     "pairs": {pair: label}, "probabilities": {pair: {label: 0.9}}})
    rows.append({"doc_id": "empty", "unit": 0, "text": "nothing", "date": None, "pairs": {}, "probabilities": {}})
    return pd.DataFrame(rows)


def test_sample_is_stratified_and_reproducible():
    units = _units()
    s1 = draw_sample(units, n=12, random_state=3)
    s2 = draw_sample(units, n=12, random_state=3)
    assert s1.equals(s2) and len(s1) == 12 and s1["sample_id"].is_unique
    # every stratum pair x label x period is represented (12 strata here, so one each)
    assert s1["stratum"].nunique() == 12
    assert set(s1["period"]) == {"2024-01", "2024-02"}
    big = draw_sample(units, n=1000)
    assert len(big) == 30  # capped at what exists
    with pytest.raises(ValueError, match="no unit has a pair"):
        draw_sample(units[units.doc_id == "empty"])


def test_coding_sheet_round_trip_and_clear_errors(tmp_path):
    sample = draw_sample(_units(), n=6, random_state=0)
    path = write_sample(sample, tmp_path / "sheet.csv")
    sheet = pd.read_csv(path)
    assert "model_label" not in sheet.columns and {"coder_1", "coder_2"} <= set(sheet.columns)
    labels = {"complementary", "neutral", "opposition"}
    assert not any(label in str(value) for value in sheet.to_numpy().ravel() for label in labels)  # blind
    sheet["coder_1"] = ["comp", "Opposition", "neutral", "o", "", "n"]
    sheet["coder_2"] = ["complementary", "opposition", "neutral", "opposition", "neutral", "opposition"]
    sheet.to_csv(path, index=False)
    codes = read_codes(path)
    assert list(codes["coder_1"]) == [C, O, N, O, None, N]
    assert list(consensus_labels(codes)) == [C, O, N, O, N, None]
    sheet.loc[2, "coder_2"] = "supportive"
    sheet.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"row 4, column 'coder_2': unknown label 'supportive'"):
        read_codes(path)


def _codes() -> pd.DataFrame:
    texts = [
        ("Rehab, not needle exchanges, is the answer.", "HARM_REDUCTION+TREATMENT", O, O),
        ("We need both naloxone and methadone.", "HARM_REDUCTION+TREATMENT", C, C),
        ("The office handles detox and sober housing permits.", "TREATMENT+RECOVERY", N, N),
        ("Harm reduction keeps the door to recovery open.", "HARM_REDUCTION+RECOVERY", C, N),
        ("Sobriety clubs oppose the safe supply pilot.", "HARM_REDUCTION+RECOVERY", O, O),
    ]
    return pd.DataFrame([{"text": t, "pair": p, "coder_1": a, "coder_2": b} for t, p, a, b in texts])


def test_report_compares_coders_with_each_other_and_with_the_model():
    from framing.classifier import default_relation_model

    report = validation_report(_codes(), model=default_relation_model())
    assert list(zip(report.reference, report.other)) == [("coder_1", "coder_2"), ("coder_1", "model"),
                                                         ("coder_2", "model")]
    first = report.iloc[0]
    assert first["n"] == 5 and first["accuracy"] == pytest.approx(0.8)
    assert first["alpha"] == pytest.approx(krippendorff_alpha([O, C, N, C, O], [O, C, N, N, O]))


def test_retrain_on_codes_uses_consensus_and_can_skip_the_team_set():
    model = retrain(_codes(), include_team=False, char_ngrams=None)
    assert model.n_train_ == 4  # the row where coders disagree is left out
    assert set(model.classes_) == {C, N, O}
    with_team = retrain(_codes(), char_ngrams=None)
    assert with_team.n_train_ > 450


def test_an_uncoded_sheet_is_refused_clearly(tmp_path, capsys):
    from corpus.cli import main

    path = write_sample(draw_sample(_units(), n=6, random_state=0), tmp_path / "sheet.csv")
    with pytest.raises(ValueError, match=r"sheet.csv: no row is coded yet \(columns coder_1, coder_2 are empty\)"):
        read_codes(path)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "no row is coded yet" in captured.err and "nan" not in captured.out.lower()
