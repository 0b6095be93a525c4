"""The streamed analysis in worker processes gives what one process gives, and the anchor prefilter of
concept detection never drops a mention the exact patterns would find."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from framing.anchors import AnchorIndex, anchors, fold
from framing.concepts import ConceptDetector
from framing.running import RunningTimeseries, analyze_stream
from framing.units import unit_spans
from tests.test_speed_equivalence import demo_docs

KEYS = ["group", "period", "measure", "concept", "pair", "label"]


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.fillna({k: "" for k in KEYS}).sort_values(KEYS).reset_index(drop=True)


def test_two_workers_give_the_units_of_one_process_in_order() -> None:
    docs = demo_docs()
    one = [units for _, units in analyze_stream(docs, chunk_docs=10, progress=False)]
    two = [units for _, units in analyze_stream(docs, chunk_docs=10, workers=2, progress=False)]
    assert len(one) == len(two) == -(-len(docs) // 10)
    for a, b in zip(one, two):
        pd.testing.assert_frame_equal(a, b)


def test_counting_in_workers_equals_counting_in_one_process() -> None:
    docs = demo_docs()
    single = RunningTimeseries().consume(docs, chunk_docs=9, progress=False)
    kept: list[pd.DataFrame] = []
    pooled = RunningTimeseries().consume(docs, chunk_docs=9, workers=2, units=kept.append, progress=False)
    pd.testing.assert_frame_equal(_table(pooled.frame()), _table(single.frame()))
    assert pooled.attrs == single.attrs
    assert sum(len(k) for k in kept) == sum(len(u) for _, u in analyze_stream(docs, progress=False))
    assert single.frame()["count"].sum() > 100


def test_consume_refuses_another_level() -> None:
    with pytest.raises(ValueError, match="level"):
        RunningTimeseries(level="family").consume([], level="term")


def test_anchors_of_patterns() -> None:
    assert anchors(re.compile(r"harm\s+reduction", re.I)) == {"reduction"}
    assert anchors(re.compile(r"cent(?:re|er)s?")) == {"cent"}
    assert anchors(re.compile(r"[ab]+\w*")) is None  # no literal: the pattern is always run


def test_every_match_in_the_demo_corpus_holds_an_anchor_of_its_pattern() -> None:
    from framing.concepts import default_lexicon
    from framing.lexicon import LEVELS
    from framing.relations import _COMPILED

    lex = default_lexicon()
    patterns = [p for c in lex.concepts for lvl in LEVELS for p in lex.patterns(c, lvl)]
    patterns += [p for c in lex.concepts for p in lex.exclusions(c) if p is not None]
    patterns += [lex.site_reference] + [rx for *_, rx in _COMPILED]
    text = "\n\n".join(demo_docs()["text"])
    checked = 0
    for p in patterns:
        found = anchors(p)
        for m in p.finditer(text):
            assert found is not None and any(a in fold(m.group(0)) for a in found), (p.pattern[:60], m.group(0))
            checked += 1
    assert checked > 1000


def test_fold_keeps_offsets_and_ignorecase_equivalents() -> None:
    text = "İstanbul ſite KELVIN Straße"  # U+0130, long s, Kelvin sign
    assert len(fold(text)) == len(text)
    index = AnchorIndex({"SITE": [re.compile(r"site", re.I)], "K": [re.compile(r"kelvin", re.I)]})
    assert re.search(r"site", text, re.I) and re.search(r"kelvin", text, re.I)
    assert index.keys_in(text) == {"SITE", "K"}


def test_spans_are_searched_like_whole_units() -> None:
    detector = ConceptDetector()
    text = ("Harm reduction saves lives. The water treatment plant closed. Recovery, not economic recovery, "
            "matters.\n\nThe supervised consumption site opened. The facility sees 90 visits a day.")
    spans = [(s, e) for s, e, _ in unit_spans(text)]
    assert len(spans) == 5
    assert detector.names_site(text)
    got = detector.detect_units(text, spans)
    assert got == [detector.detect(text[s:e], site_context=True) for s, e in spans]
    assert [m.concept for m in got[4]] == ["HARM_REDUCTION", "SITE"]  # "The facility": a site named before
    plain = text.replace("supervised consumption site", "new library")
    assert [m.concept for m in detector.detect_units(plain, [(s, e) for s, e, _ in unit_spans(plain)])[4]] == []
    assert [m.concept for m in detector.detect_units(plain, [(s, e) for s, e, _ in unit_spans(plain)],
                                                     title="A supervised consumption site opens")[4]] == \
        ["HARM_REDUCTION", "SITE"]
    windows = [(s, e) for s, e, _ in unit_spans(text, unit="window", k=2)]  # overlapping
    assert detector.detect_units(text, windows) == [detector.detect(text[s:e], site_context=True) for s, e in windows]
