"""Hard cases of CODEBOOK.md section 3 found on real academic and policy text, with our own sentences:
rule-layer scoping fixes and the default model's labels on them."""
from __future__ import annotations

import pytest

from framing.analyze import analyze
from framing.classifier import default_relation_model
from framing.concepts import ConceptDetector
from framing.relations import rule_relation

HT, HR, TR = "HARM_REDUCTION+TREATMENT", "HARM_REDUCTION+RECOVERY", "TREATMENT+RECOVERY"


def rule(text: str, pair: str):
    det = ConceptDetector()
    return rule_relation(text, det.detect(text, site_context=det.names_site(text)), pair)


@pytest.fixture(scope="module")
def model():
    return default_relation_model()


def pairs_of(model, text: str) -> dict:
    merged: dict = {}
    for p in analyze([{"id": "d", "text": text}], model=model)["pairs"]:
        merged.update(p)
    return merged


def test_access_to_both_services_is_a_list_not_a_stance(model):
    text = "Rural clinics report poor access to both harm reduction and addiction treatment services, the survey found."
    assert rule(text, HT).label == "neutral"
    assert pairs_of(model, text) == {HT: "neutral"}
    # "we need both" still says they belong together
    assert pairs_of(model, "We need both harm reduction and treatment.") == {HT: "complementary"}


def test_law_and_programme_names_in_a_factual_sentence_are_neutral(model):
    closing = ("The first two supervised consumption sites in Marlow closed on Friday under the province's "
               "Safe Streets Recovery Act.")
    v = rule(closing, HR)
    assert v.features.get("proper_name") == 1.0 and not any(m.name == "refusal" for m in v.markers)
    assert pairs_of(model, closing) == {HR: "neutral"}
    assert pairs_of(model, "Recovery Northland now manages the overdose prevention site on King Street.") == \
        {HR: "neutral"}
    # the same closure with the concept used, not named, is still a refusal
    assert pairs_of(model, "The province will close the supervised consumption site and fund recovery "
                           "homes instead.") == {HR: "opposition"}


def test_two_halves_of_one_plan_is_complementary(model):
    said = '"Naloxone and treatment are two halves of the same plan," the councillor told the meeting.'
    assert pairs_of(model, said) == {HT: "complementary"}


def test_negation_reaches_across_a_dash_aside(model):
    text = "They never saw the two ideas—naloxone and sobriety—as incompatible."
    v = rule(text, HR)
    assert v.label == "complementary" and not any(m.name == "refusal" for m in v.markers)
    assert pairs_of(model, text) == {HR: "complementary"}


def test_negated_integration_is_opposition(model):
    text = "Most residences still are not compatible with methadone treatment, one sober house operator admitted."
    assert rule(text, TR).label == "opposition"
    assert pairs_of(model, text) == {TR: "opposition"}


def test_one_concept_defined_to_include_the_other_is_complementary(model):
    text = "Her team defines harm reduction broadly enough to include recovery coaching."
    assert rule(text, HR).label == "complementary"
    # a list after "include" with no concept before it stays neutral
    assert rule("Services include naloxone, detox and recovery homes.", TR).label == "neutral"


def test_capitalised_and_stresses_that_both_belong(model):
    assert pairs_of(model, "Harm reduction AND recovery.") == {HR: "complementary"}


def test_unit_wide_words_far_from_the_pair_do_not_relate_it():
    text = ("Participants who had used the needle exchange in the past year were asked about treatment, and "
            "in a separate module much later in the interview the team asked about comprehensive primary care.")
    v = rule(text, HT)
    assert "m:integrated" not in v.features and v.label is None


def test_either_or_needs_the_concepts_on_both_sides():
    far = ("Many respondents were either in recovery themselves or, when they were still using, had worked "
           "for years at the needle exchange.")
    assert rule(far, HR).label != "opposition"
    near = "The county framed it as either harm reduction or recovery, never both."
    assert rule(near, HR).label == "opposition"


def test_treatment_works_keeps_its_addiction_sense():
    det = ConceptDetector()
    assert [m.concept for m in det.detect("Treatment works best when a bed is free the same day.")] == ["TREATMENT"]
    assert det.detect("The sewage treatment works by the river will be upgraded.") == []


def test_mere_experience_of_a_concept_is_not_one_informing_the_other():
    described = "The survey left out the experiences of recovery coaches who work outside harm reduction programs."
    assert rule(described, HR).label is None
    drew_on = "She drew on her recovery in her harm reduction work."
    assert [m.name for m in rule(drew_on, HR).markers] == ["informs"]
    assert rule(drew_on, HR).label == "complementary"


def test_a_listed_pair_set_against_a_third_concept_is_not_related_to_itself():
    against = "This tension comes from policies that put treatment and recovery ahead of harm reduction."
    assert rule(against, TR).label == "neutral"
    drew = "Peers had experiences with treatment and recovery that they drew on in their harm reduction work."
    assert rule(drew, TR).label == "neutral"
    assert rule(drew, HT).label == "complementary"
    # all three in one list, or the pair alone: the word does relate them
    assert rule("Harm reduction, treatment and recovery should work hand in hand.", TR).label == "complementary"
    assert rule("Harm reduction and recovery are in tension.", HR).label == "opposition"


def test_a_named_service_that_refuses_the_other_is_opposition_but_a_law_title_is_not(model):
    refusing = 'The clinic on Pier Road will become a Recovery Commons that "will not offer supervised consumption."'
    assert rule(refusing, HR).label == "opposition"
    assert pairs_of(model, refusing)[HR] == "opposition"
    titled = "Three supervised consumption sites closed last week under the Healthy Recovery Act."
    assert rule(titled, HR).label != "opposition"
