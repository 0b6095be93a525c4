"""RelationClassifier, the default model and analyze(): hard cases of the codebook with our own sentences."""
from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from framing.analyze import analyze
from framing.classifier import RelationClassifier, default_relation_model, mask_text, team_examples
from framing.relations import Span

HT, HR, TR = "HARM_REDUCTION+TREATMENT", "HARM_REDUCTION+RECOVERY", "TREATMENT+RECOVERY"


@pytest.fixture(scope="module")
def model() -> RelationClassifier:
    return default_relation_model()


def pairs_of(model, text, unit="sentence"):
    df = analyze([{"id": "d", "text": text}], unit=unit, model=model)
    merged = {}
    for p in df["pairs"]:
        merged.update(p)
    return merged


def test_team_set_is_large_and_balanced():
    items, labels = team_examples()
    assert len(items) >= 450
    for pair in (HT, HR, TR):
        for lab in ("complementary", "neutral", "opposition"):
            n = sum(1 for (_, p), l in zip(items, labels) if p == pair and l == lab)
            assert n >= 45, (pair, lab, n)


def test_negated_opposition(model):
    assert pairs_of(model, "Treatment and sobriety are not at odds, the counsellor said.") == {TR: "complementary"}
    assert pairs_of(model, "Her clinic sees no divide between naloxone and methadone.") == {HT: "complementary"}


def test_reported_speech_counts_like_the_authors_words(model):
    said = pairs_of(model, 'Safe supply only keeps people hooked and away from recovery, a councillor claimed.')
    assert said == {HR: "opposition"}
    quoted = pairs_of(model, '"Drug checking got me into rehab," one man told the paper.')
    assert quoted == {HT: "complementary"}


def test_plain_lists_are_neutral(model):
    out = pairs_of(model, "Its budget covers needle exchanges, detox beds and recovery homes.")
    assert out == {HT: "neutral", HR: "neutral", TR: "neutral"}


def test_recovery_in_other_senses_makes_no_pair(model):
    df = analyze([{"id": "d", "text": "The economic recovery slowed as the city expanded its drug checking."}],
                 model=model)
    assert df.loc[0, "concepts"] == ["HARM_REDUCTION"] and df.loc[0, "pairs"] == {}


def test_opposition_across_two_sentences_within_a_paragraph_unit(model):
    text = ("The council voted to shut the overdose prevention site. Residents want the funds spent on "
            "addiction treatment instead.\n\nThe vote was close.")
    assert pairs_of(model, text, unit="sentence") == {}
    assert pairs_of(model, text, unit="paragraph") == {HT: "opposition"}


def test_definite_description_needs_a_document_that_names_a_site(model):
    text = "Insite opened downtown years ago. The facility now refers people to detox every week."
    df = analyze([{"id": "a", "text": text}, {"id": "b", "text": "The facility now refers people to detox."}],
                 model=model)
    second = df[(df.doc_id == "a") & (df.unit == 1)].iloc[0]
    assert second["concepts"] == ["HARM_REDUCTION", "TREATMENT"] and second["pairs"] == {HT: "complementary"}
    assert df[df.doc_id == "b"].iloc[0]["concepts"] == ["TREATMENT"]


def test_mask_hides_the_pair_so_ngrams_learn_the_relation():
    t = "rehab instead of harm reduction or sobriety"
    m = [Span("TREATMENT", 0, 5), Span("HARM_REDUCTION", 17, 31), Span("RECOVERY", 35, 43)]
    assert mask_text(t, HT, m) == "XCONCEPT instead of YCONCEPT or ZCONCEPT"


def test_estimator_contract_probabilities_and_explanations(model):
    params = model.get_params()
    assert params["random_state"] == 0 and not hasattr(clone(model), "pipeline_")
    items = [("We need both harm reduction and treatment.", HT), ("Rehab, not drug dens.", HT)]
    proba = model.predict_proba(items)
    assert proba.shape == (2, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(items)) == ["complementary", "opposition"]
    exp = model.explain(items[1])
    assert exp["label"] == "opposition" and exp["probability"] == max(exp["probabilities"].values())
    assert exp["markers"][0]["marker"] == "comma_not" and set(exp["markers"][0]["scope"]) == {
        "TREATMENT", "HARM_REDUCTION"}


def test_fit_is_deterministic_and_checks_its_input():
    items, labels = team_examples()
    a = RelationClassifier(char_ngrams=None).fit(items[:120], labels[:120])
    b = RelationClassifier(char_ngrams=None).fit(items[:120], labels[:120])
    assert np.array_equal(a.predict_proba(items[120:140]), b.predict_proba(items[120:140]))
    with pytest.raises(ValueError, match="unknown relation labels"):
        RelationClassifier().fit(items[:2], ["complementary", "supportive"])
    with pytest.raises(ValueError, match="relation item"):
        RelationClassifier().fit(["just text", "more"], ["neutral", "opposition"])
    with pytest.raises(RuntimeError, match="not fitted"):
        RelationClassifier().predict(items[:1])


def test_save_load_round_trip_and_version_check(model, tmp_path):
    path = model.save(tmp_path / "m.joblib")
    loaded = RelationClassifier.load(path)
    items = [("Harm reduction is a path to recovery.", HR)]
    assert np.allclose(loaded.predict_proba(items), model.predict_proba(items))
    blob = joblib.load(path)
    blob["sklearn"] = "0.0"
    joblib.dump(blob, tmp_path / "old.joblib")
    with pytest.raises(ValueError, match="scikit-learn 0.0"):
        RelationClassifier.load(tmp_path / "old.joblib")
    (tmp_path / "junk.joblib").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a framewatch relation model"):
        RelationClassifier.load(tmp_path / "junk.joblib")


def test_analyze_checks_columns_and_carries_dates(model):
    with pytest.raises(ValueError, match="'body'"):
        analyze([{"id": 1, "text": "x"}], text_col="body", model=model)
    df = analyze([{"id": 1, "date": "2024-03-01", "text": "Harm reduction and rehab. Nothing."}], model=model)
    assert list(df["unit"]) == [0, 1] and set(df["date"]) == {"2024-03-01"}
    assert df.loc[0, "explanations"][HT] and df.loc[1, "pairs"] == {}
