"""Literal anchors of regular expressions, found for many patterns at once in one Aho-Corasick pass.

Every match of a lexicon entry or relation marker contains one of a few plain strings (its *anchors*):
any match of 'harm reduction' contains "reduction", any match of 'cent(?:re|er)s?' contains "cent".
`AnchorIndex` compiles the anchors of many keyed patterns into one automaton (pyahocorasick), scans a
text once and says which keys may match where. A key whose anchors are absent from a stretch of text
cannot match there, so its exact regex need not run; a key whose pattern has no anchor is always run.
The scan is done on a case-folded copy of the text that keeps every offset and folds exactly the
characters Python's `re.IGNORECASE` treats as equal, so a cased or case-blind match always holds its
anchor in the folded text.

    >>> index = AnchorIndex({"HR": [re.compile(r"harm\\s+reduction", re.I)]})
    >>> index.keys_in("Harm  Reduction works.")
    {'HR'}
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence

import ahocorasick

try:  # the regex parser of the standard library (re._parser since 3.11, sre_parse before)
    from re import _parser
    from re._casefix import _EXTRA_CASES
    from re._constants import (ATOMIC_GROUP, BRANCH, LITERAL, MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT,
                               SUBPATTERN)
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _parser  # type: ignore[no-redef]
    from sre_compile import _ignorecase_fixes as _FIXES  # type: ignore[attr-defined]
    from sre_constants import BRANCH, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[no-redef]

    _EXTRA_CASES = {k: tuple(v) for k, v in _FIXES.items()}
    ATOMIC_GROUP = POSSESSIVE_REPEAT = object()

_FOLD: dict[int, str] | None = None


def _canon(code: int) -> int:
    """The smallest code point `re.IGNORECASE` treats as equal to the lower-case `code`."""
    return min((code, *_EXTRA_CASES.get(code, ())))


def _fold_table() -> dict[int, str]:
    global _FOLD
    if _FOLD is None:
        table = {}
        for i in range(sys.maxunicode + 1):
            ch = chr(i)
            low = ch.lower()
            lower = ord(low) if len(low) == 1 else ord(low[0])  # U+0130: its simple lower case is "i"
            canon = _canon(lower)
            if canon != i:
                table[i] = chr(canon)
        _FOLD = table
    return _FOLD


def fold(text: str) -> str:
    """`text` case-folded as `re.IGNORECASE` compares characters, one character for one (offsets kept)."""
    if text.isascii():
        return text.lower()
    return text.translate(_fold_table())


def _required(items: Sequence) -> set[str] | None:
    """Strings one of which occurs in every match of the parsed sequence `items`, or None."""
    options: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append({"".join(run)})
            run = []
        found: set[str] | None = None
        if op is SUBPATTERN:
            found = _required(av[-1])
        elif op is ATOMIC_GROUP:
            found = _required(av)
        elif op is BRANCH:
            branches = [_required(b) for b in av[1]]
            if all(branches):
                found = set().union(*branches)  # type: ignore[arg-type]
        elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _required(av[2])
        # anything else (classes, lookarounds, word boundaries, optional parts) breaks the literal run
        if found:
            options.append(found)
    if run:
        options.append({"".join(run)})
    if not options:
        return None
    return max(options, key=lambda o: (min(len(s) for s in o), -len(o)))


def anchors(pattern: re.Pattern) -> set[str] | None:
    """Folded strings one of which every match of `pattern` contains, or None when it has none."""
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - a pattern the parser cannot read is simply not anchored
        return None
    found = _required(parsed.data if hasattr(parsed, "data") else list(parsed))
    return None if not found else {fold(s) for s in found}


class AnchorIndex:
    """The anchors of keyed patterns in one automaton: `hits(text)` says which keys may match where."""

    def __init__(self, patterns: Mapping[str, Iterable[re.Pattern | None]]) -> None:
        self.always: set[str] = set()  # keys with a pattern that has no anchor: never skipped
        by_anchor: dict[str, set[str]] = {}
        for key, pats in patterns.items():
            for p in pats:
                if p is None:
                    continue
                found = anchors(p)
                if found is None:
                    self.always.add(key)
                    continue
                for a in found:
                    by_anchor.setdefault(a, set()).add(key)
        self._automaton = ahocorasick.Automaton()
        for a, keys in by_anchor.items():
            self._automaton.add_word(a, (len(a), frozenset(keys)))
        self._empty = not by_anchor
        if not self._empty:
            self._automaton.make_automaton()

    def hits(self, folded: str) -> list[tuple[int, frozenset[str]]]:
        """(start offset, keys) of every anchor occurrence in an already `fold`ed text."""
        if self._empty:
            return []
        return [(end - n + 1, keys) for end, (n, keys) in self._automaton.iter(folded)]

    def keys_in(self, text: str) -> set[str]:
        """The keys that may match somewhere in `text` (including those always run)."""
        out = set(self.always)
        for _, keys in self.hits(fold(text)):
            out |= keys
        return out

    def keys_by_span(self, text: str, spans: Sequence[tuple[int, int]]) -> list[set[str]]:
        """For each (start, end) span of `text`, the keys that may match inside it. The spans are sorted by
        start and by end (sentences, paragraphs, or overlapping windows of sentences)."""
        out = [set(self.always) for _ in spans]
        if not spans:
            return out
        starts = [s for s, _ in spans]
        for start, keys in self.hits(fold(text)):
            i = bisect_right(starts, start) - 1
            while i >= 0 and start < spans[i][1]:
                out[i] |= keys
                i -= 1
        return out
