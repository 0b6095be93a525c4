"""The concept lexicon: loading, entry syntax, spelling variants, user additions, clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from framing.concepts import ConceptDetector
from framing.lexicon import Lexicon, LexiconError


def _finds(lex: Lexicon, concept: str, level: str, text: str) -> bool:
    return any(p.search(text) for p in lex.patterns(concept, level))


def test_default_lexicon_has_the_codebook_concepts_and_helpers() -> None:
    lex = Lexicon.load()
    assert lex.concepts == ["HARM_REDUCTION", "TREATMENT", "RECOVERY", "ABSTINENCE", "SITE"]
    assert lex.implies("SITE") == ["HARM_REDUCTION"]
    assert lex.implies("ABSTINENCE") == ["RECOVERY"]
    assert lex.is_helper("SITE") and not lex.is_helper("TREATMENT")


@pytest.mark.parametrize("text", ["harm reduction", "harm-reduction", "Harm\nReduction", "HARM REDUCTION"])
def test_space_in_entry_matches_hyphen_linebreak_and_any_case(text: str) -> None:
    assert _finds(Lexicon.load(), "HARM_REDUCTION", "term", text)


@pytest.mark.parametrize("text", ["what backers call “overdose prevention” sites", 'so-called "safe injection" sites',
                                  "the “overdose prevention sites” debate", "a supervised “consumption room”"])
def test_a_quote_mark_beside_a_space_in_a_name_still_matches(text: str) -> None:
    assert _finds(Lexicon.load(), "SITE", "term", text)


@pytest.mark.parametrize("text", ['"overdose", prevention sites', "overdose. “Prevention sites"])
def test_punctuation_other_than_a_quote_mark_still_breaks_a_name(text: str) -> None:
    assert not _finds(Lexicon.load(), "SITE", "term", text)


@pytest.mark.parametrize("text", ["the longer-term harms are also reduced", "harm can be minimised when",
                                  "drug-related harms were lessened"])
def test_harm_reduced_in_the_passive_is_harm_reduction(text: str) -> None:
    assert _finds(Lexicon.load(), "HARM_REDUCTION", "term", text)


def test_harm_without_a_reducing_verb_is_not_harm_reduction() -> None:
    assert not _finds(Lexicon.load(), "HARM_REDUCTION", "term", "the harms were increased by the closure")


@pytest.mark.parametrize("text", ["overdose prevention centre", "overdose prevention center",
                                  "overdose prevention centres", "Overdose Prevention Centers"])
def test_spelling_table_expands_centre_and_center(text: str) -> None:
    assert _finds(Lexicon.load(), "SITE", "term", text)


def test_term_level_holds_literal_words_only() -> None:
    lex = Lexicon.load()
    assert _finds(lex, "TREATMENT", "term", "treatment beds")
    assert not _finds(lex, "TREATMENT", "term", "methadone")
    assert _finds(lex, "TREATMENT", "family", "methadone")


def test_abbreviations_are_case_sensitive() -> None:
    lex = Lexicon.load()
    assert _finds(lex, "TREATMENT", "family", "access to OAT")
    assert not _finds(lex, "TREATMENT", "family", "oat milk")
    assert _finds(lex, "SITE", "term", "two OPCs")
    assert not _finds(lex, "SITE", "term", "the ops team")


def test_whole_words_only() -> None:
    lex = Lexicon.load()
    assert not _finds(lex, "TREATMENT", "family", "rehabbed kitchens")  # "rehab" glued to "bed"
    assert not _finds(lex, "ABSTINENCE", "family", "a sobering statistic")


def test_with_terms_adds_a_term_without_touching_the_original() -> None:
    base = Lexicon.load()
    extended = base.with_terms("TREATMENT", ["hazelden"], level="family")
    assert _finds(extended, "TREATMENT", "family", "a month at Hazelden")
    assert not _finds(base, "TREATMENT", "family", "a month at Hazelden")
    assert not _finds(extended, "TREATMENT", "term", "a month at Hazelden")


def test_with_terms_can_add_an_excluded_sense_and_a_new_concept() -> None:
    lex = Lexicon.load().with_terms("RECOVERY", exclude=["recovery of (?:the )?painting"])
    exclude, _ = lex.exclusions("RECOVERY")
    assert exclude.search("the recovery of the painting")
    lex = lex.with_terms("DECRIMINALISATION", ["decriminali[sz]ation"], level="term")
    assert "DECRIMINALISATION" in lex.concepts
    assert _finds(lex, "DECRIMINALISATION", "term", "decriminalization")


def test_merge_joins_lists_of_two_files(tmp_path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text("[concepts.RECOVERY.en]\nfamily = ['wellbriety']\n", encoding="utf-8")
    merged = Lexicon.load().merge(Lexicon.load(extra))
    assert _finds(merged, "RECOVERY", "family", "the Wellbriety movement")
    assert _finds(merged, "RECOVERY", "term", "in recovery")


def test_languages_filter_drops_other_languages() -> None:
    both = Lexicon.load()
    english = Lexicon.load(languages=["en"])
    assert "fr" in both.languages and english.languages == ["en"]
    assert _finds(both, "RECOVERY", "term", "le rétablissement")
    assert not _finds(english, "RECOVERY", "term", "le rétablissement")


def test_user_file_without_code(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        "[concepts.HARM_REDUCTION.de]\nterm = ['Schadensminderung']\n"
        "[concepts.TREATMENT.de]\nterm = ['Behandlung']\n", encoding="utf-8")
    lex = Lexicon.load(path)
    assert lex.concepts == ["HARM_REDUCTION", "TREATMENT"]
    assert _finds(lex, "HARM_REDUCTION", "term", "Schadensminderung hilft")


def test_bad_pattern_names_file_concept_and_entry(tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[concepts.TREATMENT.en]\nterm = ['treat(ment']\n", encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        Lexicon.load(path)
    assert "bad.toml" in str(err.value) and "TREATMENT" in str(err.value) and "treat(ment" in str(err.value)


def test_bad_toml_and_missing_file_are_clear(tmp_path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[concepts.X\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="broken.toml: not valid TOML"):
        Lexicon.load(path)
    with pytest.raises(LexiconError, match="not found"):
        Lexicon.load(tmp_path / "nope.toml")


def test_unknown_list_name_is_rejected(tmp_path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text("[concepts.TREATMENT.en]\nterms = ['treatment']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown list 'terms'"):
        Lexicon.load(path)


def test_implies_must_name_a_known_concept(tmp_path) -> None:
    path = tmp_path / "implies.toml"
    path.write_text("[concepts.SITE]\nimplies = ['HARM']\n[concepts.SITE.en]\nterm = ['insite']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown concept 'HARM'"):
        Lexicon.load(path)


def test_a_helper_added_to_the_lexicon_reaches_relations(tmp_path, monkeypatch):
    import framing.concepts as C
    from framing.lexicon import Lexicon
    from framing.relations import pair_key, unit_pairs
    shipped = (Path(C.__file__).parent / "data" / "lexicon.toml").read_text(encoding="utf-8")
    extra = '''
[concepts.PEER_SUPPORT]
description = "Helper added by a user: peer support counts as RECOVERY."
helper = true
implies = ["RECOVERY"]

[concepts.PEER_SUPPORT.en]
term = ['peer supporters?']
'''
    path = tmp_path / "lexicon.toml"
    path.write_text(shipped + extra, encoding="utf-8")
    monkeypatch.setattr(C, "_DEFAULT_LEXICON", Lexicon.load(path))
    assert pair_key("PEER_SUPPORT", "HARM_REDUCTION") == "HARM_REDUCTION+RECOVERY"
    mentions = C.ConceptDetector().detect("Peer supporters work at the naloxone table.")
    assert unit_pairs(mentions) == ["HARM_REDUCTION+RECOVERY"]


@pytest.mark.parametrize(("text", "concepts"), [
    ("La ville ouvrira une salle de consommation à moindre risque près de la gare.", {"HARM_REDUCTION", "SITE"}),
    ("Le programme de réduction des risques oriente les usagers vers un traitement de substitution.",
     {"HARM_REDUCTION", "TREATMENT"}),
    ("Elle vit dans l’abstinence depuis sa cure de sevrage.", {"RECOVERY", "ABSTINENCE", "TREATMENT"}),
    ("Der Drogenkonsumraum am Bahnhof bietet auch Substitutionsbehandlung an.", {"HARM_REDUCTION", "SITE", "TREATMENT"}),
    ("Die Stadt setzt auf Schadensminderung und auf Abstinenz.", {"HARM_REDUCTION", "RECOVERY", "ABSTINENCE"}),
    ("El ayuntamiento abrirá una sala de consumo supervisado y ofrecerá tratamiento.",
     {"HARM_REDUCTION", "SITE", "TREATMENT"}),
    ("Kommunen åpner et sprøyterom og tilbyr behandling.", {"HARM_REDUCTION", "SITE", "TREATMENT"}),
])
def test_french_german_spanish_and_norwegian_pages_have_the_concepts(text: str, concepts: set[str]) -> None:
    assert {m.concept for m in ConceptDetector().detect(text)} == concepts


@pytest.mark.parametrize("text", ["le traitement des données personnelles", "die Behandlung von Anträgen",
                                  "a health savings account (HSA)", "the substitution of one word for another"])
def test_other_senses_and_english_look_alikes_are_not_treatment(text: str) -> None:
    assert "TREATMENT" not in {m.concept for m in ConceptDetector().detect(text)}
