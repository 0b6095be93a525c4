"""Units: Punkt sentences with shipped parameters, paragraphs, windows, documents."""
from __future__ import annotations

import json

import pytest

from framing.units import PARAMS_PATH, TRAINING_TEXT, load_punkt, save_punkt, split_units, train_punkt

TEXT = (
    "Dr. Lee of St. Paul's Hospital spoke first. The U.S. has two sites, e.g. OnPoint NYC. "
    "The bill (No. 223) passed at approx. 5 p.m. on Friday. “We need both,” she said.\n\n"
    "A second paragraph starts here. It ends here?\n"
)


def test_sentences_respect_abbreviations_and_report_spans() -> None:
    units = split_units(TEXT)
    assert [u.text for u in units] == [
        "Dr. Lee of St. Paul's Hospital spoke first.",
        "The U.S. has two sites, e.g. OnPoint NYC.",
        "The bill (No. 223) passed at approx. 5 p.m. on Friday.",
        "“We need both,” she said.",
        "A second paragraph starts here.",
        "It ends here?",
    ]
    assert [u.index for u in units] == list(range(6))
    assert [u.paragraph for u in units] == [0, 0, 0, 0, 1, 1]
    assert all(TEXT[u.start:u.end] == u.text for u in units)


def test_paragraphs_split_on_blank_lines_only_when_there_are_any() -> None:
    assert [u.text for u in split_units("One.\nstill one.\n\n  Two. ", unit="paragraph")] == [
        "One.\nstill one.", "Two."]
    # extracted web text: one paragraph per line when no blank line exists
    assert [u.text for u in split_units("Methods\nWe asked ten people.", unit="paragraph")] == [
        "Methods", "We asked ten people."]
    assert [u.text for u in split_units("Methods\nWe asked ten people.")] == ["Methods", "We asked ten people."]


def test_sentences_never_cross_a_paragraph() -> None:
    units = split_units("The site opened in\n\nMarch. It closed later.")
    assert [u.text for u in units] == ["The site opened in", "March.", "It closed later."]


def test_windows_slide_by_one_sentence() -> None:
    windows = split_units("A one. B two. C three. D four.", unit="window", k=2)
    assert [w.text for w in windows] == ["A one. B two.", "B two. C three.", "C three. D four."]
    assert [w.index for w in windows] == [0, 1, 2]
    short = split_units("Only one sentence here.", unit="window", k=3)
    assert [w.text for w in short] == ["Only one sentence here."]


def test_document_unit_and_empty_text() -> None:
    assert [(u.text, u.start) for u in split_units("  Whole text. Two.  ", unit="document")] == [
        ("Whole text. Two.", 2)]
    for kind in ("sentence", "paragraph", "window", "document"):
        assert split_units("   \n\n ", unit=kind) == []


def test_bad_arguments_are_clear() -> None:
    with pytest.raises(ValueError, match="unit must be one of"):
        split_units("x", unit="clause")
    with pytest.raises(ValueError, match="at least 1"):
        split_units("x. y.", unit="window", k=0)
    with pytest.raises(ValueError, match="at least one text"):
        train_punkt([])


def test_shipped_parameters_are_what_the_shipped_training_text_gives(tmp_path) -> None:
    rebuilt = tmp_path / "params.json"
    save_punkt(train_punkt([TRAINING_TEXT.read_text(encoding="utf-8")]), rebuilt)
    assert json.loads(rebuilt.read_text(encoding="utf-8")) == json.loads(PARAMS_PATH.read_text(encoding="utf-8"))


def test_training_on_a_corpus_learns_its_abbreviations(tmp_path) -> None:
    corpus = ["The Cttee. met on Monday. The Cttee. chair spoke. Members of the Cttee. voted. "
              "Then the Cttee. adjourned. A report by the Cttee. followed."] * 20
    plain = train_punkt(["Nothing about it here. Another sentence."], abbreviations=())
    learned = train_punkt(corpus, abbreviations=())
    text = "The Cttee. chair resigned. Nobody was surprised."
    assert len(list(plain.span_tokenize(text))) == 3  # split_units then rejoins "chair", a lower-case start
    assert [u.text for u in split_units(text, tokenizer=learned)] == [
        "The Cttee. chair resigned.", "Nobody was surprised."]
    save_punkt(learned, tmp_path / "mine.json")
    again = load_punkt(tmp_path / "mine.json")
    assert len(split_units(text, tokenizer=again)) == 2


def test_unreadable_parameters_name_the_file(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json"):
        load_punkt(bad)


def test_the_shipped_tokenizer_splits_as_stock_punkt_does() -> None:
    """Punkt's regexes run with `re` (no ReDoS guard) give the stock tokenizer's spans on awkward text."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from framing.units import load_punkt

    ours = load_punkt()
    stock = PunktSentenceTokenizer(ours._params)
    texts = [
        "Dr. Lee met Sen. Ortiz at 9 a.m. on Jan. 4. They spoke for 2.5 hours... Then she left!",
        "\u201cWe need beds,\u201d she said. \u201cNow.\u201d (The clinic agreed.) Costs rose 4.3%. U.S. data lag.",
        "Item no. 12 -- the budget -- passed 7-2. Ms. O\u2019Neil: \u00abyes\u00bb. The end?! Yes.",
        "Numbers like 1,000.50. And initials J. R. R. Tolkien wrote. \u00c9t\u00e9 est l\u00e0. Fin.",
    ]
    for text in texts:
        assert list(ours.span_tokenize(text)) == list(stock.span_tokenize(text))


def test_sentence_spans_in_one_pass_equal_nltk_span_tokenize_on_random_text() -> None:
    """The shipped tokenizer's one-pass `sentence_spans` (lists, no generator chain) gives NLTK's own
    `span_tokenize` spans on awkward generated text: quotes and brackets after breaks, ellipses, initials,
    abbreviations, tabs and line breaks before a word, '--', repeated punctuation, a text without a break."""
    import random

    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from framing.units import _MemoPunkt, load_punkt

    ours = load_punkt()
    stock = PunktSentenceTokenizer(ours._params)
    assert isinstance(ours, _MemoPunkt)
    pieces = ["Dr.", "Lee", "said", "no.", "12", "U.S.", "J.", "R.", "the", "site", "opened.", "It", "closed!",
              "Why?", "\u201cNow.\u201d", "(Yes.)", "[sic].", "--", "Then...", "ok.\tNext", "end.\nNew", "'quoted.'",
              "\u00ab\u00e9t\u00e9.\u00bb", "2.5", "a.m.", "!!!", "?!", ".", ")", "\u2019s", "Jan.", "4.", "x.y"]
    rng = random.Random(7)
    texts = ["", "   ", "no break here", "One. Two."]
    texts += [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(1500)]
    for text in texts:
        assert ours.sentence_spans(text) == list(stock.span_tokenize(text)), text
        assert list(ours.span_tokenize(text)) == list(stock.span_tokenize(text))


def test_a_hard_wrapped_line_carries_on_its_sentence_but_a_headline_stands_alone():
    text = ("Six consumption sites were converted into Housing and\nAddiction Support Hubs last spring.\n"
            "City Weighs New Site\nCouncil heard the site referred only\n9 per cent of visitors, a councillor said.")
    units = [u.text for u in split_units(text)]
    assert units[0].startswith("Six") and units[0].endswith("last spring.")
    assert "City Weighs New Site" in units
    assert any(u.startswith("Council heard") and u.endswith("a councillor said.") for u in units)
    wrapped = [u.text for u in split_units("The detox unit sits a floor above\nRiverbend's injection room.")]
    assert wrapped == ["The detox unit sits a floor above\nRiverbend's injection room."]


def test_a_period_before_a_lower_case_word_ends_no_sentence():
    """Punkt ends a sentence at a period it does not know as an abbreviation ("across B.C. and"); a sentence
    never opens on a lower-case word, so the two halves stay one unit."""
    text = "Crews cleared camps across B.C. and moved people indoors. Then the rain came."
    units = [u.text for u in split_units(text)]
    assert units == ["Crews cleared camps across B.C. and moved people indoors.", "Then the rain came."]


@pytest.mark.parametrize("text, first", [
    ("Sobriety Vs. Harm Reduction Is The Wrong Question\n\nThe debate came back this spring.",
     "Sobriety Vs. Harm Reduction Is The Wrong Question"),
    ("The judge cited Riverside (Attorney General) v. Northside Outreach Society. The site stayed open.",
     "The judge cited Riverside (Attorney General) v. Northside Outreach Society."),
])
def test_versus_ends_no_sentence(text, first):
    """"vs." and "v." join the two sides of a contest or a case name, whatever the next word's case."""
    units = [u.text for u in split_units(text)]
    assert units[0] == first and len(units) == 2


def test_a_lead_in_ending_in_a_colon_takes_its_list_items_as_one_sentence():
    text = ("Backers say the new hub will:\n- cut overdose deaths downtown\n• refer people to detox beds.\n"
            "2) hire two nurses\nThe vote is next week.\nA plain line ends in a colon:\nAnd the next is prose.")
    units = [u.text for u in split_units(text)]
    assert units[0] == ("Backers say the new hub will:\n- cut overdose deaths downtown\n• refer people to detox "
                        "beds.\n2) hire two nurses")
    assert units[1:] == ["The vote is next week.", "A plain line ends in a colon:", "And the next is prose."]
    # items without a lead-in colon stay apart, as before
    assert [u.text for u in split_units("Our services\n- detox\n- counselling")] == ["Our services", "- detox",
                                                                                    "- counselling"]
