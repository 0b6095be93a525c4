"""The rule layer: markers, their scope over concepts, negation, lists and fused names."""
from __future__ import annotations

import re

import pytest

from framing.relations import Span, pair_key, rule_relation, split_pair, unit_pairs


def spans(text: str, **concepts: str) -> list[Span]:
    """Spans for every occurrence of the given phrases, e.g. spans(t, TREATMENT="rehab")."""
    out = []
    for concept, phrase in concepts.items():
        for p in phrase.split("|"):
            out += [Span(concept, m.start(), m.end()) for m in re.finditer(re.escape(p), text)]
    return out


def label(text: str, pair: str, **concepts: str) -> str | None:
    return rule_relation(text, spans(text, **concepts), pair).label


HT, HR, TR = "HARM_REDUCTION+TREATMENT", "HARM_REDUCTION+RECOVERY", "TREATMENT+RECOVERY"


def test_pair_keys_are_canonical_and_helpers_fold_into_parents():
    assert pair_key("RECOVERY", "HARM_REDUCTION") == HR
    assert pair_key("ABSTINENCE", "SITE") == HR
    assert split_pair("recovery|treatment") == ("TREATMENT", "RECOVERY")
    with pytest.raises(ValueError, match="not a pair"):
        pair_key("RECOVERY", "ABSTINENCE")


def test_instead_of_scopes_over_the_concepts_on_each_side():
    t = "The county pays for rehab instead of a needle exchange, and runs a sober house too."
    m = spans(t, TREATMENT="rehab", HARM_REDUCTION="needle exchange", RECOVERY="sober house")
    v = rule_relation(t, m, HT)
    assert v.label == "opposition"
    assert v.markers[0].name == "instead_of" and set(v.markers[0].scope) == {"TREATMENT", "HARM_REDUCTION"}
    # the recovery mention is outside the marker's scope
    assert rule_relation(t, m, TR).label != "opposition"
    assert unit_pairs(m) == [HT, HR, TR]


def test_clause_initial_rather_than_compares_the_two_sides_of_the_comma():
    t = "Rather than opening more consumption sites, the city will buy detox beds."
    assert label(t, HT, HARM_REDUCTION="consumption sites", TREATMENT="detox") == "opposition"


@pytest.mark.parametrize("text", [
    "Harm reduction is not the opposite of recovery.",
    "Harm reduction and recovery are not incompatible, the pamphlet says.",
    "There is no divide between harm reduction and recovery here.",
    "The supposed conflict between harm reduction and recovery is overstated.",
])
def test_negated_opposition_is_complementary(text):
    assert label(text, HR, HARM_REDUCTION="harm reduction|Harm reduction", RECOVERY="recovery") == "complementary"


def test_tension_and_divide_are_opposition():
    t = "Staff spoke of a tension between harm reduction and recovery."
    v = rule_relation(t, spans(t, HARM_REDUCTION="harm reduction", RECOVERY="recovery"), HR)
    assert v.label == "opposition" and v.markers[0].name == "tension" and not v.markers[0].negated


def test_double_negation_in_a_misconception_is_an_assertion():
    t = "It is a misconception that abstinence is not harm reduction."
    assert label(t, HR, RECOVERY="abstinence", HARM_REDUCTION="harm reduction") == "complementary"
    t2 = "Abstinence is not harm reduction, the pastor said."
    assert label(t2, HR, RECOVERY="Abstinence", HARM_REDUCTION="harm reduction") == "opposition"


def test_path_and_connect_markers_are_complementary_and_target_their_object():
    t = "The outreach van hands out naloxone and connects people to treatment."
    v = rule_relation(t, spans(t, HARM_REDUCTION="naloxone", TREATMENT="treatment"), HT)
    assert v.label == "complementary" and any(m.name == "connect_to" for m in v.markers)
    t2 = "For her the needle exchange was a door to recovery."
    assert label(t2, HR, HARM_REDUCTION="needle exchange", RECOVERY="recovery") == "complementary"


def test_not_only_but_also_is_not_opposition():
    t = "The site offers not only drug checking but also treatment referrals."
    assert label(t, HT, HARM_REDUCTION="drug checking", TREATMENT="treatment") == "complementary"


def test_a_plain_list_and_a_fused_name_are_neutral():
    t = "Services include harm reduction, treatment and recovery support."
    m = spans(t, HARM_REDUCTION="harm reduction", TREATMENT="treatment", RECOVERY="recovery")
    assert [rule_relation(t, m, p).label for p in (HT, HR, TR)] == ["neutral"] * 3
    t2 = "She works in recovery-oriented treatment settings."
    v = rule_relation(t2, spans(t2, RECOVERY="recovery", TREATMENT="treatment"), TR)
    assert v.label == "neutral" and v.markers[-1].name == "fused_name"


def test_a_list_marker_does_not_reach_a_pair_outside_it():
    t = "They offered overdose education and drug treatment, as well as help with housing."
    assert label(t, HT, HARM_REDUCTION="overdose education", TREATMENT="drug treatment") != "complementary"


def test_refusing_one_concept_while_offering_the_other_is_opposition():
    t = "The hubs will offer treatment but will not offer supervised consumption."
    v = rule_relation(t, spans(t, TREATMENT="treatment", HARM_REDUCTION="supervised consumption"), HT)
    assert v.label == "opposition" and any(m.name == "refusal" for m in v.markers)


def test_opposition_across_two_sentences_of_a_paragraph():
    t = "The province is closing its consumption sites. The money will go to treatment beds instead."
    assert label(t, HT, HARM_REDUCTION="consumption sites", TREATMENT="treatment") == "opposition"
    t2 = "Supporters call it harm reduction. Critics say it is at odds with recovery."
    assert label(t2, HR, HARM_REDUCTION="harm reduction", RECOVERY="recovery") == "opposition"


def test_no_marker_gives_no_rule_verdict_and_missing_concepts_are_reported():
    t = "Harm reduction was discussed on Tuesday; recovery came up on Friday."
    assert label(t, HR, HARM_REDUCTION="Harm reduction", RECOVERY="recovery") is None
    assert rule_relation(t, spans(t, HARM_REDUCTION="Harm reduction"), HR).features == {"absent": 1.0}
