"""RelationClassifier, the default model and analyze(): hard cases of the codebook with our own sentences."""
from __future__ import annotations

import json
import zipfile
from collections import Counter

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from framing.analyze import analyze
from framing.classifier import (SHIPPED_MANIFEST, SHIPPED_MODEL, RelationClassifier, default_relation_model,
                                mask_text, shipped_model_is_current, team_examples, team_files)
from framing.modelfile import file_sha256, load_model, save_model
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


def test_team_set_is_large_balanced_and_in_news_registers():
    items, labels = team_examples()
    assert len(items) >= 3000
    pairs = [it["pair"] if isinstance(it, dict) else it[1] for it in items]
    for pair in (HT, HR, TR):
        for lab in ("complementary", "neutral", "opposition"):
            n = sum(1 for p, l in zip(pairs, labels) if p == pair and l == lab)
            assert n >= 300, (pair, lab, n)
    registers = {json.loads(line).get("register") for f in team_files() for line in f.open(encoding="utf-8")}
    assert {"wire", "oped", "gov"} <= registers
    with_context = [it for it in items if isinstance(it, dict)]
    assert with_context and all(it["context"] for it in with_context)


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
    path = model.save(tmp_path / "m")
    assert path.suffix == ".skops"
    loaded = RelationClassifier.load(path)
    items = [("Harm reduction is a path to recovery.", HR)]
    assert np.allclose(loaded.predict_proba(items), model.predict_proba(items))
    loaded.sklearn_version_ = "0.0"
    old = save_model(loaded, tmp_path / "old.skops")
    with pytest.raises(ValueError, match="scikit-learn 0.0"):
        RelationClassifier.load(old)
    (tmp_path / "junk.skops").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a skops model"):
        RelationClassifier.load(tmp_path / "junk.skops")


class _Boom:
    """Unpickling this writes a file: the proof that a load executed code from data."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_a_pickle_or_joblib_model_is_refused_without_running_it(tmp_path):
    target = tmp_path / "pwned"
    for name in ("evil.joblib", "evil.pkl"):
        path = tmp_path / name
        joblib.dump({"model": _Boom(str(target))}, path)
        with pytest.raises(ValueError, match="not a skops model file"):
            RelationClassifier.load(path)
        assert not target.exists()


def test_a_skops_file_with_foreign_types_is_refused(tmp_path):
    import skops.io as sio
    path = tmp_path / "foreign.skops"
    sio.dump({"model": Counter(a=1)}, path)
    with pytest.raises(ValueError, match="does not trust.*Counter"):
        load_model(path)


def test_a_planted_cache_file_is_not_loaded(model, tmp_path, monkeypatch):
    import framing.classifier as C
    monkeypatch.setenv("FRAMEWATCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(C, "_DEFAULT", {})
    monkeypatch.setattr(C, "shipped_model_is_current", lambda: False)
    monkeypatch.setattr(C, "build_default_model", lambda level: model)
    fingerprint = C.model_fingerprint("family")
    planted = tmp_path / f"relations-family-{fingerprint[:24]}.skops"
    joblib.dump(_Boom(str(tmp_path / "pwned")), planted)
    planted.with_suffix(".json").write_text(json.dumps({"sha256": file_sha256(planted)}))
    assert C.default_relation_model(disk_cache=True) is model
    assert not (tmp_path / "pwned").exists()
    # the model trained instead replaced the planted file, and its hash is recorded
    assert zipfile.is_zipfile(planted)
    assert json.loads(planted.with_suffix(".json").read_text())["sha256"] == file_sha256(planted)


def test_the_shipped_model_is_built_from_the_current_training_sets_and_code():
    # fails when a team set, the rules, the detector or the lexicon changed without
    # `python -m framing.build_model`; the model would then be retrained at every start
    assert shipped_model_is_current()
    manifest = json.loads(SHIPPED_MANIFEST.read_text())
    assert file_sha256(SHIPPED_MODEL) == manifest["sha256"]
    shipped = load_model(SHIPPED_MODEL, expected_sha256=manifest["sha256"])
    assert shipped.n_train_ == manifest["n_train"]


def test_the_model_abstains_when_a_pair_is_not_in_the_unit(model):
    items = [("Recovery housing opened downtown.", HT), ("Harm reduction instead of rehab.", HT)]
    labels = model.predict(items)
    assert labels[0] is None and labels[1] == "opposition"
    assert np.isnan(model.predict_proba(items)[0]).all()
    assert model.explain(items[0])["label"] is None


def test_analyze_checks_columns_and_carries_dates(model):
    with pytest.raises(ValueError, match="'body'"):
        analyze([{"id": 1, "text": "x"}], text_col="body", model=model)
    df = analyze([{"id": 1, "date": "2024-03-01", "text": "Harm reduction and rehab. Nothing."}], model=model)
    assert list(df["unit"]) == [0, 1] and set(df["date"]) == {"2024-03-01"}
    assert df.loc[0, "explanations"][HT] and df.loc[1, "pairs"] == {}


def test_the_embedding_head_is_averaged_in_only_where_the_extra_is_on(model, monkeypatch):
    from framing.embeddings import available
    if not available():
        pytest.skip("the framewatch[embed] extra is not installed")
    items, labels = team_examples()
    small = RelationClassifier(embeddings=True).fit(items[:300] + items[-300:], labels[:300] + labels[-300:])
    assert small.embed_head_.coef_.shape[1] == 384 + 3  # sentence vector and the pair
    probe = [("Outreach workers hand out naloxone and help people book detox appointments.", HT)]
    monkeypatch.delenv("FRAMEWATCH_EMBED", raising=False)
    assert np.allclose(small.predict_proba(probe), RelationClassifier().fit(
        items[:300] + items[-300:], labels[:300] + labels[-300:]).predict_proba(probe))  # off by default
    monkeypatch.setenv("FRAMEWATCH_EMBED", "1")
    with_head = small.predict_proba(probe)
    monkeypatch.setenv("FRAMEWATCH_EMBED", "0")
    without = small.predict_proba(probe)
    assert not np.allclose(with_head, without) and np.allclose(without.sum(), 1.0)


def test_pairs_no_rule_settles_are_read_by_the_text_head(model, monkeypatch):
    """Where the rules are silent the text-only head decides, not the joint model that learned "no marker
    means neutral" from the team sets; where a rule fires, the rule's label still wins."""
    from framing.classifier import _resolve
    from framing.relations import rule_relation
    monkeypatch.setenv("FRAMEWATCH_EMBED", "0")
    monkeypatch.setenv("FRAMEWATCH_COVERAGE_HEAD", "0")  # the model's own reading (tests/test_coverage_head.py)
    silent = ("Nurses at the overdose prevention site say many regulars later ask about detox.", HT)
    text, pair, mentions = _resolve([silent], "family")[0]
    assert rule_relation(text, mentions, pair).label is None
    rows = model.pipeline_.steps[0][1].transform([silent])
    text_only = model._shift_priors(model.text_head_.predict_proba(model._text_matrix(rows)), [HT])
    joint = model._shift_priors(model.pipeline_[1:].predict_proba(rows), [HT])
    assert np.allclose(model.predict_proba([silent]), text_only)
    assert not np.allclose(joint, text_only)
    marked = ("The city funds detox instead of the overdose prevention site.", HT)
    assert model.predict([marked])[0] == "opposition"


def _same_matrix(a, b) -> bool:
    return type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype and all(
        np.array_equal(getattr(a, k), getattr(b, k)) and getattr(a, k).dtype == getattr(b, k).dtype
        for k in ("data", "indices", "indptr"))


def test_features_counted_directly_equal_the_pipelines_own(model):
    """The rule features and n-grams built without the vectorizers' own transform are the same matrices,
    under either of scikit-learn's sparse interfaces, so the probabilities are the same to the bit."""
    import sklearn
    from framing.classifier import _step_transform
    items = [("We need both harm reduction and treatment.", HT), ("Rehab, not drug dens.", HT),
             ("Nurses at the overdose prevention site say many regulars later ask about detox.", HT),
             ("Recovery is the goal; treatment, the road there, and harm reduction keeps people alive.", TR)]
    rows = model.pipeline_.steps[0][1].transform(items)
    for interface in ("spmatrix", "sparray"):
        with sklearn.config_context(sparse_interface=interface):
            union = model.pipeline_.steps[1][1]
            for (name, fast), (_, part) in zip(model._union_parts(rows), union.transformer_list):
                assert _same_matrix(fast, part.transform(rows)), (interface, name)
    vec = union.transformer_list[0][1].steps[1][1]
    odd = [{"rule:neutral": 1, "fused": True, "not-a-feature": 2.0}, {}, {"list": 0.5}]
    assert _same_matrix(_step_transform(vec, odd), vec.transform(odd))
    texts = [{"rule": "neutral"}]  # strings are one-hot in a DictVectorizer: its own transform does them
    assert _same_matrix(_step_transform(vec, texts), vec.transform(texts))


def test_items_sharing_their_mentions_get_the_same_probabilities(model):
    from framing.classifier import _resolve
    text = "Harm reduction and treatment both matter, not recovery alone."
    spans = _resolve([(text, HT)], "family")[0][2]
    assert {s.concept for s in spans} == {"HARM_REDUCTION", "TREATMENT", "RECOVERY"}
    pairs = (HT, HR, TR)
    shared = model.predict_proba([(text, p, spans) for p in pairs])
    apart = model.predict_proba([(text, p, list(reversed(spans))) for p in pairs])
    streamed = model.predict_proba(((text, p, [tuple(vars(s).values()) for s in spans]) for p in pairs))
    alone = np.vstack([model.predict_proba([(text, p)]) for p in pairs])
    assert np.array_equal(shared, apart) and np.array_equal(shared, streamed) and np.array_equal(shared, alone)


def test_rule_trust_blends_each_ruled_row(model):
    learned = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    classes = [str(c) for c in model.classes_]
    out = model._trust_rules(learned, [classes[2], None, classes[0]])
    t = model.rule_trust
    expected = learned.copy()
    for row, col in ((0, 2), (2, 0)):
        expected[row] *= 1.0 - t
        expected[row, col] += t
    assert np.array_equal(out, expected) and np.array_equal(learned[1], out[1])


def test_an_opposition_no_rule_speaks_for_needs_a_majority():
    """A silent pair whose opposition holds only a plurality takes the next label; one with a majority, or a
    pair a rule settled, keeps it; the floor at 0 switches this off."""
    clf = RelationClassifier()
    clf.classes_ = np.array(["complementary", "neutral", "opposition"])
    learned = np.array([[0.25, 0.30, 0.45],   # silent, plurality only -> neutral
                        [0.20, 0.20, 0.60],   # silent, majority -> opposition stays
                        [0.25, 0.30, 0.45],   # a rule settled it -> untouched here
                        [0.50, 0.10, 0.40]])  # silent, not opposition -> untouched
    out = clf._floor_silent_opposition(learned, [None, None, "opposition", None])
    assert [clf.classes_[i] for i in out.argmax(axis=1)] == ["neutral", "opposition", "opposition", "complementary"]
    assert np.allclose(out.sum(axis=1), 1.0) and np.array_equal(out[1:], learned[1:])
    clf.silent_opposition_floor = 0.0
    assert np.array_equal(clf._floor_silent_opposition(learned, [None] * 4), learned)
