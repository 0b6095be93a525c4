"""Anchors of regular expressions: which patterns may match where, where a scan may start, and the
site rule's scan of a whole document, each giving exactly what a plain scan from the start gives."""
from __future__ import annotations

import random
import re

import pytest

from framing.anchors import (Alternation, AnchorIndex, SpansUpTo, anchors, fold, matches_at_starts, scan_start, starts,
                             top_branches)
from framing.concepts import ConceptDetector, _EXCLUDE

PATTERNS = [
    re.compile(r"(?<![\w])(?:harm[\s-]+reduction|safe(?:r)?\s+suppl(?:y|ies))(?![\w])", re.IGNORECASE),
    re.compile(r"(?<!in )treatment\s+(?:beds?|centres?)", re.IGNORECASE),
    re.compile(r"\bSITE\b"),
    re.compile(r"recovery(?:\s+\w+){0,3}\s+hubs?"),
]
WORDS = ["harm", "reduction", "harm-reduction", "safe", "safer", "supply", "supplies", "in", "treatment",
         "beds", "centres", "SITE", "site", "recovery", "hub", "hubs", "the", "and", ".", ",", ";", "(", ")",
         "--", "\n\n", "Harm", "REDUCTION", "Treatment"]


def _texts(n: int) -> list[str]:
    rng = random.Random(5)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30))) for _ in range(n)]


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:30])
def test_a_scan_from_scan_start_finds_what_a_scan_from_0_finds(pattern: re.Pattern) -> None:
    index = AnchorIndex({"k": [pattern]})
    checked = 0
    for text in _texts(400):
        first = index.first_hits(text, ["k"])
        expected = [m.span() for m in pattern.finditer(text)]
        if "k" not in first:
            assert expected == []  # no anchor: no match
            continue
        start = scan_start(pattern, text, first["k"])
        assert [m.span() for m in pattern.finditer(text, start)] == expected
        checked += start > 0
    assert checked > 50  # the scans did start later than 0


def test_scan_start_is_0_for_patterns_that_can_hold_any_character() -> None:
    text = "one. two; three treatment"
    assert scan_start(re.compile(r"o.{0,20}treatment"), text, text.index("treatment")) == 0
    assert scan_start(re.compile(r"[^x]+treatment"), text, text.index("treatment")) == 0
    assert scan_start(re.compile(r"\w+\s+treatment"), text, text.index("treatment")) == text.index(";") + 1


def test_spans_up_to_reads_only_as_far_as_asked() -> None:
    pattern = re.compile(r"\bab\b")
    lazy = SpansUpTo(pattern, "ab x ab y ab z ab", 0)
    assert lazy.before(3) == [(0, 2), (5, 7)]  # the first span starting at or after 3 ends the reading
    assert lazy.before(100) == [(0, 2), (5, 7), (10, 12), (15, 17)]
    assert SpansUpTo(pattern, "ab", None).before(10) == []
    assert SpansUpTo(None, "ab", 0).before(10) == []


def test_avoid_prefers_anchors_apart_from_the_given_words() -> None:
    sense = re.compile(r"(?:waste\s?water|sewage)\s+treatments?", re.IGNORECASE)
    assert anchors(sense) == {"treatment"}
    assert anchors(sense, avoid={"treatment"}) == {"waste", "sewage"}
    index = AnchorIndex({"sense": [sense]}, avoid={"sense": {"treatment"}})
    assert index.keys_in("They need treatment now.") == set()
    assert index.keys_in("The sewage treatment plant.") == {"sense"}


def test_short_words_are_not_preferred_for_being_apart() -> None:
    sense = re.compile(r"treatment\s+of\s+(?:women|staff)", re.IGNORECASE)
    assert anchors(sense, avoid={"treatment"}) == {"women", "staff"}
    assert anchors(re.compile(r"treatment\s+(?:by|at)"), avoid={"treatment"}) == {"treatment"}


def test_starts_are_what_every_match_begins_with() -> None:
    assert starts(PATTERNS[0]) == ("harm", "safe")  # "safer" begins with "safe": no other offset
    assert starts(re.compile(r"(?:medically\s+)?(?:supervised|safe)\s+sites?", re.I)) == \
        ("safe", "medically", "supervised")
    assert starts(re.compile(r"\bSITE\b")) == ("site",)
    assert starts(re.compile(r"\w+\s+treatment")) is None  # may begin with any word
    assert starts(re.compile(r"(?:the\s+)?\w+\s+site")) is None


ONSET_PATTERNS = PATTERNS + [
    re.compile(r"(?<![\w])(?:(?:economic|market|k)[\s-]+recovery|recovery\s+of\s+\w+)(?![\w])", re.IGNORECASE),
    re.compile(r"(?:vaccin\w*|flu|shots?)\W+(?:\w+\W+){0,3}?injection", re.IGNORECASE),
    re.compile(r"ab|ba"),  # matches that follow one another: "abab" is two, "aba" one
]
ONSET_WORDS = WORDS + ["economic", "Market", "k", "of", "vaccine", "flu", "shots", "injection", "ab", "ba", "abab",
                       "aba", "K-recovery"]


@pytest.mark.parametrize("pattern", ONSET_PATTERNS, ids=lambda p: p.pattern[:30])
def test_trying_a_pattern_at_its_starts_finds_what_a_scan_finds(pattern: re.Pattern) -> None:
    rng = random.Random(7)
    heads = starts(pattern)
    assert heads is not None
    found = 0
    for _ in range(400):
        text = " ".join(rng.choice(ONSET_WORDS) for _ in range(rng.randint(1, 300)))
        folded = fold(text)
        expected = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in matches_at_starts(pattern, text, folded, heads)] == expected
        s, e = len(text) // 3, 2 * len(text) // 3  # a unit of the text, as detection runs it
        unit = text[s:e]
        assert [m.span() for m in matches_at_starts(pattern, unit, folded, heads, offset=s)] == \
            [m.span() for m in pattern.finditer(unit)]
        lazy = SpansUpTo(pattern, text, 0, None, folded)
        for end in sorted(rng.randrange(len(text) + 1) for _ in range(3)):
            assert lazy.before(end)[:len([x for x in expected if x[0] < end])] == [x for x in expected if x[0] < end]
        assert lazy.before(len(text) + 1) == expected
        found += len(expected)
    assert found > 50


def test_an_alternation_s_starts_are_those_of_its_narrowed_pattern() -> None:
    whole = re.compile(r"(?<![\w])(?:harm\s+reduction|safer?\s+supply|\w+\s+site|(?:medically\s+)?supervised)(?![\w])",
                       re.IGNORECASE)
    alternation = Alternation("k", whole, r"(?<![\w])(?:", r")(?![\w])")
    k = alternation.keys
    assert set(alternation.starts([k[0], k[1]])) == set(starts(alternation.narrowed([k[0], k[1]]))) == {"harm", "safe"}
    assert alternation.starts([k[0], k[3]]) == ("harm", "medically", "supervised")
    assert alternation.starts(k) is None and starts(whole) is None  # "\w+ site" may begin anywhere
    assert alternation.starts(["other"]) is None


def test_one_scan_gives_the_keys_of_each_span_and_of_the_whole_text() -> None:
    index = AnchorIndex({f"k{i}": [p] for i, p in enumerate(PATTERNS)})
    for text in _texts(200):
        spans = [(0, len(text) // 2), (len(text) // 3, len(text)), (len(text), len(text))]
        by_span, present = index.scan(fold(text), spans)
        assert by_span == index.keys_by_span(text, spans)
        assert present == index.keys_in(text)


def _names_site_by_full_scan(det: ConceptDetector, text: str) -> bool:
    """The site rule as a scan of the whole text from its start, with the same sense filter."""
    keys = det._anchors().keys_in(text)
    if "SITE" not in keys:
        return False
    exclude, keep = det._senses["SITE"]
    excluded = [m.span() for m in exclude.finditer(text)] if exclude and _EXCLUDE + "SITE" in keys else []
    kept = [m.span() for m in keep.finditer(text)] if keep else []
    for _, pattern in det._patterns["SITE"]:
        for m in pattern.finditer(text):
            s, e = m.span()
            if not any(s < b and a < e for a, b in excluded) or any(s < b and a < e for a, b in kept):
                return True
    return False


def test_names_site_equals_a_scan_of_the_whole_text() -> None:
    det = ConceptDetector()
    rng = random.Random(11)
    parts = ["The supervised consumption site opened.", "An injection site reaction, with redness.",
             "Staff at the facility met.", "The overdose prevention site, the city said, will stay.",
             "Residents asked about parking.", "InSite and the SCS closed.", "A safe injection site; nurses.",
             "Pain at the injection site.", "the site", "Safe consumption sites\n\nwere debated."]
    texts = [" ".join(rng.choice(parts) for _ in range(rng.randint(1, 6))) for _ in range(300)]
    answers = [det.names_site(t) for t in texts]
    assert answers == [_names_site_by_full_scan(det, t) for t in texts]
    assert 30 < sum(answers) < 290  # both answers occur


def test_top_branches_split_only_outside_groups_and_classes() -> None:
    assert top_branches(r"\ba\b|(?:b|c)d|[|x]y|\|z") == [r"\ba\b", "(?:b|c)d", "[|x]y", r"\|z"]
    assert top_branches(r"[]|]x|[^]|]y") == ["[]|]x", "[^]|]y"]
    assert top_branches("plain") == ["plain"]


def test_a_narrowed_alternation_finds_what_the_whole_pattern_finds() -> None:
    whole = re.compile(r"\bnot\s+(?P<m>only)\b|\bside\s+by\s+side\b|\bone\s+another\b|\bonly\b", re.IGNORECASE)
    alternation = Alternation("k", whole)
    index = AnchorIndex(alternation.keyed())
    rng = random.Random(3)
    words = ["not", "only", "side", "by", "one", "another", "Only", "NOT", "and", "x"]
    narrower = 0
    for _ in range(500):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        narrowed = alternation.narrowed(index.keys_in(text))
        expected = [(m.span(), m.group("m") if "m" in m.re.groupindex else None) for m in whole.finditer(text)]
        got = [] if narrowed is None else [(m.span(), m.group("m") if "m" in m.re.groupindex else None)
                                           for m in narrowed.finditer(text)]
        assert [span for span, _ in got] == [span for span, _ in expected]
        assert [g for _, g in got if g] == [g for _, g in expected if g]  # named groups keep their text
        narrower += narrowed is not None and narrowed is not whole
    assert narrower > 100


def test_fold_filled_on_demand_folds_as_ignorecase_compares() -> None:
    text = "Réduction İstanbul ΣΑΣ straße KELVIN \u212a ﬁ"
    assert fold(text) == "réduction istanbul ςας straße kelvin k ﬁ"
    assert len(fold(text)) == len(text)
    for ch in "ÉİΣ\u212aß":  # every folded character is one re.IGNORECASE holds equal to the original
        assert re.fullmatch(re.escape(ch), fold(ch), re.IGNORECASE)


def test_anchors_are_kept_per_pattern_and_avoid_set() -> None:
    pattern = re.compile(r"(?:waste\s?water|sewage)\s+treatments?", re.IGNORECASE)
    first = anchors(pattern, avoid={"treatment"})
    first.add("changed by a caller")
    assert anchors(pattern, avoid={"treatment"}) == {"waste", "sewage"}
    assert anchors(pattern) == {"treatment"}


def test_detection_on_entries_narrowed_by_their_anchors_finds_what_the_whole_patterns_find() -> None:
    """Each lexicon pattern runs only the entries whose anchors a unit holds; at every position the same
    entry wins as in the whole pattern, so the mentions are those of the whole patterns (every key given)."""
    from framing.concepts import _KEEP, _SITE_REF

    det = ConceptDetector()
    det._anchors()
    alts = [alt for c in det._concepts for _, alt in det._alts[c]] + \
        [alt for pair in det._sense_alts.values() for alt in pair] + [det._site_alt]
    every = set(det._concepts) | {_SITE_REF} | {k + c for c in det._concepts for k in (_EXCLUDE, _KEEP)} | \
        {k for alt in alts if alt is not None for k in alt.keys}
    phrases = ["harm reduction", "treatment", "water treatment", "treatment group", "recovery", "economic recovery",
               "in recovery", "injection site", "supervised consumption site", "the facility", "the site", "detox",
               "rehab", "sobriety", "abstinence", "methadone", "flu shot at the injection site", "naloxone",
               "needle exchange", "safe supply", "overdose prevention sites", "treatment centre", "Insite",
               "the", "said", "and", "not", "beds", ",", ".", "recovering", "abstinent", "12-step"]
    rng = random.Random(5)
    narrower = 0
    for _ in range(1500):
        text = " ".join(rng.choice(phrases) for _ in range(rng.randint(1, 12)))
        keys = det._anchors().keys_in(text)
        context = rng.random() < 0.5
        assert det._detect(text, context, keys) == det._detect(text, context, every), text
        present, _, _ = det._plan(frozenset(keys))
        narrower += any(all(p is not whole for _, whole in det._patterns[c]) for c, pats in present for _, p in pats)
    assert narrower > 300
