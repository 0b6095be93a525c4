"""Concept detection with sense filtering, site references and levels (CODEBOOK sections 2-3)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.concepts import ConceptDetector, Mention, concepts_in
from framing.lexicon import Lexicon

LABELLED = Path(__file__).resolve().parents[1] / "framing" / "data" / "concepts_labelled.jsonl"


@pytest.fixture(scope="module")
def det() -> ConceptDetector:
    return ConceptDetector()


@pytest.mark.parametrize("text", [
    "The economic recovery stalled.", "Police announced the recovery of stolen goods.",
    "The recovery of bodies took three days.", "Disaster recovery plans are due.",
    "Cost recovery fees rise in July.", "The wastewater treatment plant flooded.",
    "Workers described unfair treatment.", "The treatment group received the drug.",
    "Cancer treatment has improved.", "He gets treatment for HIV.",
    "Place her in the recovery position.", "The chamber gave it a sober second thought.",
])
def test_excluded_senses_are_not_counted(det: ConceptDetector, text: str) -> None:
    assert det.concepts_in(text, helpers=True) == []


@pytest.mark.parametrize("text, expected", [
    ("Harm reduction is not the opposite of recovery.", ["HARM_REDUCTION", "RECOVERY"]),
    ("She wants addiction and mental health treatment.", ["TREATMENT"]),
    ("He was treated for opioid use disorder.", ["TREATMENT"]),
    ("PRCs refer clients to OAT.", ["TREATMENT", "RECOVERY"]),
    ("Drug dens breed crime, the mayor said.", ["HARM_REDUCTION"]),
    ("Critics call it addiction enablement.", ["HARM_REDUCTION"]),
    ("Consumption and Treatment Services will close.", ["HARM_REDUCTION", "TREATMENT"]),
    ("Recovery Alberta runs the program.", ["RECOVERY"]),
    ("Abstinence-based programs dominate.", ["RECOVERY"]),
    ("The state funds overdose prevention.", ["HARM_REDUCTION"]),
    ("The state wants to prevent overdose deaths.", []),
    ("He wants to quit using drugs and eliminate it entirely.", []),
    # the kit a site hands out, reducing harm words apart, addiction medicine clinics
    ("Nurses hand out sterile injecting supplies and clean drug use kits.", ["HARM_REDUCTION"]),
    ("Volunteers pack sterile equipment for the outreach van.", ["HARM_REDUCTION"]),
    ("Staff give out safe supplies to people who smoke drugs.", ["HARM_REDUCTION"]),
    ("The goal is reducing deaths, infections and other drug-related harms.", ["HARM_REDUCTION"]),
    ("The charity works to decrease harm among people who use drugs.", ["HARM_REDUCTION"]),
    ("The town adds more witnessed inhalation sites.", ["HARM_REDUCTION"]),
    ("A Rapid Access Addiction Medicine clinic opens in May.", ["TREATMENT"]),
    ("She asked about addiction medications that doctors can prescribe.", ["TREATMENT"]),
    ("The town bought safe supplies of drinking water.", []),
    # a programme name's singular, limiting harm, treating substance abuse
    ("An Urgent Public Health Need Site stays open in the east end.", ["HARM_REDUCTION"]),
    ("The outreach team tries to limit harm for people who inject.", ["HARM_REDUCTION"]),
    ("Nurses with years of treating substance abuse staff the clinic.", ["TREATMENT"]),
    ("The new rules limit harmful emissions from the plant.", []),
])
def test_concepts_found_at_family_level(det: ConceptDetector, text: str, expected: list[str]) -> None:
    assert det.concepts_in(text) == expected


def test_reducing_harm_never_swallows_a_following_harm_reduction(det: ConceptDetector) -> None:
    mentions = det.detect("We must lessen the gap between harm reduction and treatment.")
    assert [(m.concept, m.text) for m in mentions] == [("HARM_REDUCTION", "harm reduction"), ("TREATMENT", "treatment")]


def test_helpers_are_reported_and_imply_their_concept(det: ConceptDetector) -> None:
    assert det.concepts_in("Insite kept her sober.", helpers=True) == [
        "HARM_REDUCTION", "RECOVERY", "ABSTINENCE", "SITE"]
    assert concepts_in("Insite kept her sober.") == ["HARM_REDUCTION", "RECOVERY"]


def test_term_level_counts_only_the_literal_words() -> None:
    term = ConceptDetector(level="term")
    assert term.concepts_in("Methadone, naloxone, sobriety and abstinence.", helpers=True) == ["ABSTINENCE"]
    assert term.concepts_in("Harm reduction, treatment and recovery.") == [
        "HARM_REDUCTION", "TREATMENT", "RECOVERY"]


def test_definite_site_description_needs_a_site_document(det: ConceptDetector) -> None:
    text = "Staff at the facility reversed twelve overdoses."
    assert det.concepts_in(text) == []
    assert det.concepts_in(text, site_context=True) == ["HARM_REDUCTION"]


@pytest.mark.parametrize("text", [
    "It incorporates new ideas.", "They recognise the limits.", "The new model starts in May.",
    "Staff and clients were interviewed.", "She drove to the city centre.",
    "The centre of the argument is cost.", "The treatment centre has forty beds.",
])
def test_pronouns_and_other_nouns_never_count_as_the_site(det: ConceptDetector, text: str) -> None:
    assert "HARM_REDUCTION" not in det.concepts_in(text, site_context=True)


def test_detect_document_decides_site_context_itself(det: ConceptDetector) -> None:
    with_site = "The overdose prevention site opened.\n\nThe facility had 90 visits on day one."
    without = "A new library opened.\n\nThe facility had 90 visits on day one."
    spans = [(m.concept, m.text) for m in det.detect_document(with_site)]
    assert ("HARM_REDUCTION", "The facility") in spans
    assert all(m.text != "The facility" for m in det.detect_document(without))
    assert det.names_site(with_site) and not det.names_site(without)


def test_mentions_carry_spans_levels_and_one_per_stretch_of_text(det: ConceptDetector) -> None:
    text = "Ask about harm-reduction and methadone treatment."
    mentions = det.detect(text)
    assert all(isinstance(m, Mention) and text[m.start:m.end] == m.text for m in mentions)
    by_text = {(m.concept, m.text, m.level) for m in mentions}
    assert ("HARM_REDUCTION", "harm-reduction", "term") in by_text
    assert ("TREATMENT", "methadone", "family") in by_text
    assert ("TREATMENT", "treatment", "term") in by_text
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


def test_site_name_gives_site_and_harm_reduction_on_the_same_span(det: ConceptDetector) -> None:
    mentions = det.detect("OnPoint NYC opened in 2021.")
    assert {(m.concept, m.start, m.end) for m in mentions} == {
        ("HARM_REDUCTION", 0, 11), ("SITE", 0, 11)}


def test_excluded_site_sense_removes_implied_harm_reduction_too(det: ConceptDetector) -> None:
    assert det.detect("Rotate the insulin injection site daily.", site_context=True) == []


def test_custom_lexicon_changes_what_is_found() -> None:
    lex = Lexicon.load().with_terms("RECOVERY", exclude=["recovery (?:of|from) (?:the )?ransomware"])
    assert ConceptDetector(lex).concepts_in("Recovery from the ransomware took weeks.") == []
    assert ConceptDetector().concepts_in("Recovery from the ransomware took weeks.") == ["RECOVERY"]


def test_bad_arguments_are_clear() -> None:
    with pytest.raises(ValueError, match="level"):
        ConceptDetector(level="word")
    with pytest.raises(TypeError, match="str"):
        ConceptDetector().detect(None)  # type: ignore[arg-type]


def _prf(rows: list[dict], det: ConceptDetector, concepts: list[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for c in concepts:
        tp = fp = fn = 0
        for row in rows:
            gold = set(row["concepts"]) | ({"RECOVERY"} if "ABSTINENCE" in row["concepts"] else set())
            found = c in det.concepts_in(row["text"], site_context=row.get("site_context", False), helpers=True)
            tp += found and c in gold
            fp += found and c not in gold
            fn += (not found) and c in gold
        out[c] = (tp / (tp + fp), tp / (tp + fn))
    return out


def test_labelled_set_covers_the_codebook_and_is_detected_well(det: ConceptDetector) -> None:
    rows = [json.loads(line) for line in LABELLED.open(encoding="utf-8")]
    assert len(rows) >= 250
    assert sum(1 for r in rows if not r["concepts"]) >= 60  # excluded senses and non-mentions
    scores = _prf(rows, det, ["HARM_REDUCTION", "TREATMENT", "RECOVERY", "ABSTINENCE", "SITE"])
    for concept, (p, r) in scores.items():
        assert p >= 0.95 and r >= 0.95, (concept, p, r)


def test_shared_seed_units_precision_and_recall(shared: Path, det: ConceptDetector) -> None:
    rows = [json.loads(line) for line in (shared / "labels" / "seed-units.jsonl").open(encoding="utf-8")]
    sites = {"seed" + p.name.split("_")[0]: det.names_site(p.read_text(encoding="utf-8"))
             for p in (shared / "seeds").glob("*.txt")}
    for row in rows:
        row["site_context"] = sites.get(row["doc"], False)
    for concept, (p, r) in _prf(rows, det, ["HARM_REDUCTION", "TREATMENT", "RECOVERY"]).items():
        assert p >= 0.9 and r >= 0.9, (concept, p, r)


def test_sharing_a_building_with_a_recovery_centre_is_no_economic_recovery():
    from framing.concepts import concepts_in
    assert concepts_in("The clinic shares a building with a recovery community centre.") == ["RECOVERY"]
    assert concepts_in("Bank shares rallied in a strong recovery after the election.") == []
