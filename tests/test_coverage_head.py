"""The coverage head: a correction learned from coded real coverage, stacked on the relation model.

Our own sentences only; the shipped head was fitted on local checks whose text never enters the repository.
"""
from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pytest

from framing import coverage_head as ch
from framing.classifier import default_relation_model, model_fingerprint
from framing.coverage_head import CoverageHead, cross_fit_labels, fit_head, shipped_head, write_head
from framing.modelfile import file_sha256

HT, TR = "HARM_REDUCTION+TREATMENT", "TREATMENT+RECOVERY"

# Sentences where the team model reads a link (complementary) and these "coders" read a plain statement
# of services side by side (neutral): a head fitted on such codes must learn to follow the coders.
HOUSED = [
    "The {n} building houses the supervised consumption site and an addiction treatment clinic.",
    "Upstairs from the supervised injection site, the {n} centre also houses opioid agonist treatment.",
    "The {n} health hub houses a safe consumption site, a pharmacy and a detox program.",
]
NAMES = ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Garry", "Hemlock", "Ironwood", "Juniper"]


def _coded() -> tuple[list[tuple[str, str]], list[str]]:
    items, labels = [], []
    for name in NAMES:
        for text in HOUSED:
            items.append((text.format(n=name), HT))
            labels.append("neutral")
        items.append((f"Critics in {name} said the money would be better spent on rehab than on the injection site.", HT))
        labels.append("opposition")
        items.append((f"Staff at the {name} consumption site refer clients to treatment every day.", HT))
        labels.append("complementary")
    return items, labels


@pytest.fixture(scope="module")
def model():
    base = default_relation_model()
    bare = type(base).__new__(type(base))
    bare.__dict__.update({k: v for k, v in base.__dict__.items() if k != "coverage_head_"})
    return bare


def test_a_head_learns_the_coders_reading_and_is_averaged_with_the_model(model):
    items, labels = _coded()
    unseen = ("The Kestrel building houses the supervised consumption site and an addiction treatment clinic.", HT)
    before = model.predict_proba([unseen])[0]
    head = fit_head(model, items, labels, weight=1.0)
    model.coverage_head_ = head
    try:
        after = model.predict_proba([unseen])[0]
        classes = list(model.classes_)
        assert after[classes.index("neutral")] > before[classes.index("neutral")]
        assert model.predict([unseen])[0] == "neutral"
        # an explicit opposition the coders share stays opposition
        assert model.predict([("Critics said the cash would be better spent on rehab than on the injection site.", HT)])[0] == "opposition"
        # weight 0.6: 0.6 x head + 0.4 x model, row by row
        rows, pairs, base, _ = model.base_outputs([unseen])
        own = head.lr_.predict_proba(head._matrix(rows, pairs, base))
        head.set_params(weight=0.6)
        assert np.allclose(head.predict_proba(rows, pairs, base), 0.6 * own + 0.4 * base)
        assert "before_coverage_head" in model.explain(unseen)
        # a negated opposition keeps the model's verdict (the codebook's rule); a specific marker is the
        # head's to weigh
        negated = ("Treatment and sobriety are not at odds, the Kestrel counsellor said.", TR)
        assert np.allclose(model.predict_proba([negated]), model.base_outputs([negated])[2])
        assert model.predict([negated])[0] == "complementary"
        marked = ("Staff at the Kestrel site said they fund detox instead of the consumption site.", HT)
        assert not np.allclose(model.predict_proba([marked]), model.base_outputs([marked])[2])
    finally:
        del model.coverage_head_


def test_the_switch_turns_the_head_off(model, monkeypatch):
    items, labels = _coded()
    model.coverage_head_ = fit_head(model, items, labels, weight=1.0)
    unseen = [("The Larch building houses the supervised consumption site and an addiction treatment clinic.", HT)]
    try:
        on = model.predict_proba(unseen)
        monkeypatch.setenv("FRAMEWATCH_COVERAGE_HEAD", "0")
        off = model.predict_proba(unseen)
        assert np.allclose(off, model.base_outputs(unseen)[2])
        assert not np.allclose(on, off)
    finally:
        del model.coverage_head_


def test_unlocated_pairs_stay_abstentions_and_bad_input_is_named(model):
    items, labels = _coded()
    items.append(("Recovery housing opened downtown.", HT))  # no harm reduction: no probabilities to correct
    labels.append("neutral")
    head = fit_head(model, items, labels)
    assert head.n_train_ == len(items) - 1
    model.coverage_head_ = head
    try:
        assert model.predict([("Recovery housing opened downtown.", HT)])[0] is None
    finally:
        del model.coverage_head_
    with pytest.raises(ValueError, match="two different labels"):
        fit_head(model, items[:3], ["neutral"] * 3)
    with pytest.raises(ValueError, match="weight"):
        fit_head(model, items, labels, weight=1.5)


def test_cross_fitting_labels_each_group_with_a_head_that_never_saw_it(model):
    items, labels = _coded()
    half = len(items) // 2
    groups = [(items[:half], labels[:half]), (items[half:] + [("Recovery housing opened downtown.", HT)],
                                              labels[half:] + ["neutral"])]
    first, second = cross_fit_labels(model, groups, weight=1.0)
    assert len(first) == half and len(second) == len(items) - half + 1
    assert second[-1] is None  # not found stays not found
    # each half is labelled by a head fitted on the other half only, which learned the same reading, also
    # where the rule layer's co-location marker ("Upstairs from") reads a link
    upstairs = [got for (text, _), got in zip(items[:half], first) if text.startswith("Upstairs")]
    assert upstairs and set(upstairs) == {"neutral"}
    assert all(got == "neutral" for got, label in zip(first, labels[:half]) if label == "neutral")


def test_the_shipped_head_is_verified_and_matches_the_shipped_model(tmp_path, monkeypatch):
    manifest = json.loads(ch.HEAD_MANIFEST.read_text())
    # stacked on this very build: a model rebuilt without refitting the head fails here
    assert manifest["base_fingerprint"] == model_fingerprint()
    head = shipped_head(model_fingerprint())
    assert isinstance(head, CoverageHead) and head.n_train_ == manifest["n_train"]
    assert default_relation_model().coverage_head_ is not None
    # a head fitted on another build is not used; nor one whose bytes changed
    assert shipped_head("0" * 64) is None
    bad = tmp_path / "coverage_head.skops"
    shutil.copy(ch.SHIPPED_HEAD, bad)
    with open(bad, "ab") as fh:
        fh.write(b"\0")
    monkeypatch.setattr(ch, "SHIPPED_HEAD", bad)
    assert shipped_head(model_fingerprint()) is None


def test_the_head_file_holds_numbers_not_text(model, tmp_path, monkeypatch):
    # hashed n-grams keep no vocabulary; the only names are the rule layer's features and the pairs
    head = shipped_head(model_fingerprint())
    assert not hasattr(head._hasher(), "vocabulary_")
    names = head.rules_.get_feature_names_out()
    assert all(" " not in str(n) for n in names)
    # write_head writes a skops zip with its hash and the build it is stacked on
    items, labels = _coded()
    monkeypatch.setattr(ch, "SHIPPED_HEAD", tmp_path / "h.skops")
    monkeypatch.setattr(ch, "HEAD_MANIFEST", tmp_path / "h.json")
    path = write_head(fit_head(model, items, labels), "f" * 64, ["ours (40 pairs)"])
    written = json.loads((tmp_path / "h.json").read_text())
    assert zipfile.is_zipfile(path) and written["sha256"] == file_sha256(path)
    assert written["base_fingerprint"] == "f" * 64 and shipped_head("f" * 64) is not None
    text = b"".join(zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist())
    assert b"houses" not in text and b"Birch" not in text


# Coders who read two services under one roof as linked (co-location is complementary) where the model reads a
# plain statement: the reading a user's own codes teach an adapted model.
COLOCATED = [
    ("The {n} building houses the supervised consumption site and an addiction treatment clinic.", "complementary"),
    ("The {n} health hub houses a safe consumption site, a pharmacy and a detox program.", "complementary"),
    ("In {n}, the injection site sits across the street from the methadone clinic.", "complementary"),
    ("The {n} consumption site opened in 2019, two years after the {n} detox centre.", "neutral"),
    ("Critics in {n} said the money would be better spent on rehab than on the injection site.", "opposition"),
]


def _codes(drop_opposition: int = 0):
    import pandas as pd

    codes = pd.DataFrame([{"doc_id": name, "text": text.format(n=name), "pair": HT, "coder_1": label,
                           "coder_2": label} for name in NAMES for text, label in COLOCATED])  # a document per town
    if drop_opposition:
        codes = codes.drop(codes.index[codes["coder_1"] == "opposition"][:drop_opposition])
    return codes


def test_adapting_to_a_users_codes_is_measured_on_unseen_folds(model):
    from framing.validation import adapt

    codes = _codes()
    adapted, report = adapt(codes, model=model, folds=5, weight=1.0, n_features=2 ** 12)  # small: fast to fit
    assert list(report["other"]) == ["model", "model without coverage head", "adapted (5 folds, each unseen)"]
    assert set(report["n"]) == {len(codes)}
    rows = report.set_index("other")
    # the coders read co-location as a link; heads fitted on the other towns' documents learned that reading
    assert rows.loc["adapted (5 folds, each unseen)", "macro_f1"] > rows.loc["model", "macro_f1"] + 0.2
    assert not hasattr(model, "coverage_head_")  # the given model is left as it was
    unseen = [("The Kestrel building houses the supervised consumption site and an addiction treatment clinic.", HT)]
    assert adapted.predict(unseen) == ["complementary"] and model.predict(unseen) == ["neutral"]
    assert adapted.coverage_head_.n_train_ == len(codes)  # the CLI test saves and reloads such a model


def test_adapting_needs_enough_codes_of_each_label(model):
    from framing.validation import adapt

    with pytest.raises(ValueError, match="opposition has 4"):
        adapt(_codes(drop_opposition=6), model=model, folds=5)
