"""The scope scorer: site names are core, other senses of "injection site" and "recovery" are out."""
from __future__ import annotations

import pytest

from corpus.scope import LABELS, ScopeScorer, evaluate, load_labelled

scorer = ScopeScorer()


@pytest.mark.parametrize("title,text,label", [
    ("Council votes on overdose prevention site", "The pilot site would open next spring.", "core"),
    ("Housing block opens", "The new building has 80 units. Tenants live near the neighbourhood's supervised "
     "consumption site, which the society helped open.", "core"),
    ("Vancouver", "Insite in the Downtown Eastside has reversed thousands of overdoses.", "core"),
    ("Flu season", "Some redness at the injection site is normal after the flu vaccine.", "out"),
    ("Insulin tips", "Rotate the insulin injection site to avoid lumps.", "out"),
    ("Economy", "The economic recovery slowed as interest rates rose.", "out"),
    ("Storm", "A flood recovery site opened at the community hall for residents.", "out"),
    ("Software", "The InSite analytics platform shipped a new version.", "out"),
    ("Safe supply", "The province expanded its safe supply program and naloxone distribution to rural clinics.",
     "adjacent"),
    ("Decriminalization", "Possession of small amounts of drugs was decriminalized; police made fewer "
     "possession arrests.", "adjacent"),
])
def test_labels_follow_the_codebook(title: str, text: str, label: str) -> None:
    score, got = scorer.score(title, text)
    assert got == label, scorer.explain(title, text)
    assert 0.0 <= score <= 1.0


def test_a_keyword_alone_is_not_core() -> None:
    # "injection site" with vaccine words scores lower than the same phrase among drug-use words
    vaccine = scorer.score("Clinic", "Nurses checked each injection site after the booster vaccine.")[0]
    drugs = scorer.score("Clinic", "Nurses at the injection site reversed two fentanyl overdoses.")[0]
    assert drugs > 0.5 > vaccine


def test_explain_names_the_evidence() -> None:
    evidence = scorer.explain("Flu clinic", "Soreness at the injection site is normal after a vaccine.")
    kinds = {e.kind for e in evidence}
    assert "other_sense" in kinds and all(e.weight <= 0 for e in evidence if e.kind == "other_sense")


def test_empty_document_is_out() -> None:
    assert scorer.score(None, None)[1] == "out"
    assert scorer.score("", "")[1] == "out"


def test_labelled_set_is_large_and_balanced() -> None:
    frame = load_labelled()
    assert len(frame) >= 120
    counts = frame["label"].value_counts()
    assert set(counts.index) == set(LABELS) and counts.min() >= 30
    assert frame["id"].is_unique


def test_precision_and_recall_of_core_on_the_labelled_set() -> None:
    frame = load_labelled()
    dev = evaluate(frame[frame["split"] == "dev"])
    heldout = evaluate(frame[frame["split"] == "heldout"])
    print(f"dev: {dev}\nheldout: {heldout}")
    assert dev["core_precision"] >= 0.95 and dev["core_recall"] >= 0.9
    # written after the rules, without tuning on it: the honest figure
    assert heldout["core_precision"] >= 0.9 and heldout["core_recall"] >= 0.8
