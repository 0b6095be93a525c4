"""Literal anchors of regular expressions, found for many patterns at once in one Aho-Corasick pass.

Every match of a lexicon entry or relation marker contains one of a few plain strings (its *anchors*):
any match of 'harm reduction' contains "reduction", any match of 'cent(?:re|er)s?' contains "cent".
`AnchorIndex` compiles the anchors of many keyed patterns into one automaton (pyahocorasick), scans a
text once and says which keys may match where. A key whose anchors are absent from a stretch of text
cannot match there, so its exact regex need not run; a key whose pattern has no anchor is always run.
The scan is done on a case-folded copy of the text that keeps every offset and folds exactly the
characters Python's `re.IGNORECASE` treats as equal, so a cased or case-blind match always holds its
anchor in the folded text. `scan_start` says where a scan for a pattern may begin given its first anchor
(after the last character no match of it can hold), which lets a long text be searched from there.

    >>> index = AnchorIndex({"HR": [re.compile(r"harm\\s+reduction", re.I)]})
    >>> index.keys_in("Harm  Reduction works.")
    {'HR'}
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

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

def _canon(code: int) -> int:
    """The smallest code point `re.IGNORECASE` treats as equal to the lower-case `code`."""
    return min((code,) + _EXTRA_CASES.get(code, ()))


class _FoldTable(dict):
    """The `str.translate` table of `fold`, filled one code point at a time as texts hold them (building it
    for all of Unicode at once took over a second in every process)."""

    def __missing__(self, code: int) -> int:
        low = chr(code).lower()
        value = self[code] = _canon(ord(low[0]))  # U+0130: its simple lower case is "i"
        return value


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """`text` case-folded as `re.IGNORECASE` compares characters, one character for one (offsets kept)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


_RARE_MIN = 4  # shorter strings ("of", "for") are common whatever they share: not preferred for being apart


def _common(option: set[str], avoid: frozenset[str]) -> bool:
    """True when an option shares text with an `avoid` string (one occurs wherever the other does, or nearly)."""
    return any(s in a or a in s for s in option for a in avoid)


def _required(items: Sequence, avoid: frozenset[str] = frozenset()) -> set[str] | None:
    """Strings one of which occurs in every match of the parsed sequence `items`, or None. Of several
    such options the longest is taken, one sharing no text with `avoid` first (a rarer anchor)."""
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
            found = _required(av[-1], avoid)
        elif op is ATOMIC_GROUP:
            found = _required(av, avoid)
        elif op is BRANCH:
            branches = [_required(b, avoid) for b in av[1]]
            if all(branches):
                found = set().union(*branches)  # type: ignore[arg-type]
        elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _required(av[2], avoid)
        # anything else (classes, lookarounds, word boundaries, optional parts) breaks the literal run
        if found:
            options.append(found)
    if run:
        options.append({"".join(run)})
    if not options:
        return None
    return max(options, key=lambda o: (min(len(s) for s in o) >= _RARE_MIN and not _common({fold(s) for s in o}, avoid),
                                       min(len(s) for s in o), -len(o)))


_ANCHORS: dict[tuple[int | Source, frozenset[str]], tuple[re.Pattern | Source, set[str] | None]] = {}


def anchors(pattern: re.Pattern | Source, avoid: Iterable[str] = ()) -> set[str] | None:
    """Folded strings one of which every match of `pattern` contains, or None when it has none; where a
    pattern offers a choice, strings sharing no text with the folded `avoid` strings are preferred. Kept per
    pattern object, so a detector built for every chunk of a stream does not parse its patterns again."""
    # a compiled pattern by its id (hashing a long source costs more), a `Source` by its value
    key = (pattern if isinstance(pattern, Source) else id(pattern), frozenset(avoid))
    held = _ANCHORS.get(key)
    if held is not None and (held[0] is pattern or isinstance(pattern, Source)):
        return None if held[1] is None else set(held[1])
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - a pattern the parser cannot read is simply not anchored
        parsed = None
    found = None if parsed is None else _required(parsed.data if hasattr(parsed, "data") else list(parsed), key[1])
    out = None if not found else {fold(s) for s in found}
    _ANCHORS[key] = (pattern, out)  # the pattern is kept, so its id is not reused
    return None if out is None else set(out)


_CLASS_OF = {"CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W", "CATEGORY_SPACE": r"\s",
             "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D"}
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")


def _consumed(items: Sequence, out: list[str]) -> bool:
    """Add to `out` a character-class fragment for every character the parsed `items` can consume
    (lookarounds consume none); False when that cannot be told (any character, negated classes ...)."""
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(f"\\U{av:08x}")
        elif name == "IN":
            for kind, value in av:
                kind = str(kind)
                if kind == "LITERAL":
                    out.append(f"\\U{value:08x}")
                elif kind == "RANGE":
                    out.append(f"\\U{value[0]:08x}-\\U{value[1]:08x}")
                elif kind == "CATEGORY" and str(value) in _CLASS_OF:
                    out.append(_CLASS_OF[str(value)])
                else:
                    return False
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            if not _consumed(av[-1] if name == "SUBPATTERN" else av, out):
                return False
        elif name == "BRANCH":
            if not all(_consumed(b, out) for b in av[1]):
                return False
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if not _consumed(av[2], out):
                return False
        elif name not in _ZERO_WIDTH:
            return False
    return True


_OUTSIDE: dict[int, tuple[re.Pattern, re.Pattern | None]] = {}  # by id: hashing a long pattern costs more


def _outside(pattern: re.Pattern) -> re.Pattern | None:
    """One character no match of `pattern` can hold (a class compiled with its flags), or None when any can."""
    held = _OUTSIDE.get(id(pattern))
    if held is not None and held[0] is pattern:
        return held[1]
    found: re.Pattern | None = None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        fragments: list[str] = []
        if _consumed(parsed.data if hasattr(parsed, "data") else list(parsed), fragments):
            found = re.compile("[^" + "".join(dict.fromkeys(fragments)) + "]" if fragments else "(?s:.)",
                               pattern.flags & (re.IGNORECASE | re.ASCII))
    except Exception:  # noqa: BLE001 - a pattern the parser cannot read is scanned from the start
        found = None
    _OUTSIDE[id(pattern)] = (pattern, found)  # the pattern is kept, so its id is not reused
    return found


def scan_start(pattern: re.Pattern, text: str, hit: int, like: re.Pattern | None = None) -> int:
    """Where scanning `text` for `pattern` may start when no anchor of it occurs before offset `hit`: just
    after the last character before `hit` that no match can hold. A match holds one of its anchors, at or
    after `hit`, and every character from its start to there, so none starts earlier; and a search from
    that offset still sees the text before it for lookbehinds, so it finds exactly what a scan from 0 finds.
    `like`: a pattern whose matches can hold every character `pattern`'s can (the whole pattern of a
    narrowed alternation), whose character class is then used (it is computed once per pattern)."""
    outside = _outside(like if like is not None else pattern)
    if outside is None or hit <= 0:
        return 0
    hi, width = hit, 64
    while hi > 0:
        lo = max(0, hi - width)
        last = None
        for last in outside.finditer(text, lo, hi):
            pass
        if last is not None:
            return last.end()
        hi, width = lo, 4 * width
    return 0


_STARTS_MAX = 48  # more opening strings than this: a plain scan is as cheap, the pattern gets none


def _openings(items: Sequence, heads: set[str]) -> tuple[set[str], bool]:
    """`heads` extended by what every match of the parsed `items` begins with, and True when the items are
    literal throughout (each extended head then spells a whole match of them, so what follows may extend it)."""
    items = list(items)
    for i, (op, av) in enumerate(items):
        name = str(op)
        if name == "LITERAL":
            heads = {h + chr(av) for h in heads}
            continue
        if name in _ZERO_WIDTH:  # consumes nothing: the match goes on with the next item
            continue
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            taken, _ = _openings(av[2], heads)
            if av[0] == 0:  # optional: a match may begin with what follows instead
                return taken | _openings(items[i + 1:], heads)[0], False
            return taken, False
        if name == "SUBPATTERN":
            subs = [av[-1]]
        elif name == "ATOMIC_GROUP":
            subs = [av]
        elif name == "BRANCH":
            subs = av[1]
        else:  # a class, any character, a back-reference ...: the literal opening ends here
            return heads, False
        found: set[str] = set()
        whole = True
        for sub in subs:
            got, literal = _openings(sub, heads)
            found |= got
            whole = whole and literal
        heads = found
        if not whole or len(heads) > _STARTS_MAX:
            return heads, False
    return heads, True


_STARTS: dict[int, tuple[re.Pattern, tuple[str, ...] | None]] = {}  # by id, as _OUTSIDE


def _heads_of(source: str, flags: int) -> set[str] | None:
    """The folded strings one of which every match of the regex `source` begins with, or None."""
    try:
        parsed = _parser.parse(source, flags)
        heads, _ = _openings(parsed.data if hasattr(parsed, "data") else list(parsed), {""})
    except Exception:  # noqa: BLE001 - a pattern the parser cannot read is scanned
        return None
    return None if "" in heads or len(heads) > _STARTS_MAX else {fold(h) for h in heads}


def _fewest(heads: set[str] | None) -> tuple[str, ...] | None:
    """`heads` without those that begin with another (they add no offset), or None when there are too many."""
    if heads is None or len(heads) > _STARTS_MAX:
        return None
    kept: list[str] = []
    for head in sorted(heads, key=lambda h: (len(h), h)):
        if not head.startswith(tuple(kept)):
            kept.append(head)
    return tuple(kept)


def starts(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Folded strings one of which every match of `pattern` begins with (none the beginning of another), or
    None when that cannot be told or there are too many. Kept per pattern object."""
    held = _STARTS.get(id(pattern))
    if held is not None and held[0] is pattern:
        return held[1]
    found = _fewest(_heads_of(pattern.pattern, pattern.flags))
    _STARTS[id(pattern)] = (pattern, found)  # the pattern is kept, so its id is not reused
    return found


_FIRST_STRETCH = 512  # characters looked through for openings at first; each next stretch is 4 times longer


def _heads_at(folded: str, heads: tuple[str, ...], low: int, high: int, last: int) -> list[int]:
    """Sorted offsets in [low, high) where one of `heads` occurs in `folded` and ends by `last`."""
    find = folded.find
    positions: list[int] = []
    for head in heads:
        stop = min(last, high + len(head) - 1)
        i = find(head, low, stop)
        while i >= 0:
            positions.append(i)
            i = find(head, i + 1, stop)
    if len(heads) > 1:
        positions.sort()  # `starts` are none the beginning of another: no offset comes twice
    return positions


def matches_at_starts(pattern: re.Pattern, text: str, folded: str, heads: tuple[str, ...],
                      offset: int = 0) -> Iterator[re.Match]:
    """What `pattern.finditer(text)` yields, found by trying `pattern.match` only where one of its `starts`
    `heads` occurs: no match begins anywhere else, and none is empty, so each match is the first one at or
    after the end of the previous, as a scan finds it, without trying every position in between. `folded`:
    the `fold`ed document `text` lies in from `offset` on. The openings are looked for stretch by stretch,
    so a caller that stops early does not look through the whole text."""
    match = pattern.match
    last = offset + len(text)
    cur, low, width = 0, offset, _FIRST_STRETCH
    while low < last:
        high = min(last, low + width)
        for p in _heads_at(folded, heads, low, high, last):
            if p - offset >= cur:
                m = match(text, p - offset)
                if m is not None:
                    yield m
                    cur = m.end()
        low, width = high, 4 * width


class SpansUpTo:
    """The spans of `pattern.finditer(text)` (from `scan_start` at `hit`), read only as far as asked: a
    cheap test of the first candidates need not scan the rest of a long text. No pattern or `hit` None
    (no anchor in the text) gives no spans."""

    def __init__(self, pattern: re.Pattern | None, text: str, hit: int | None, like: re.Pattern | None = None,
                 folded: str | None = None, heads: tuple[str, ...] | None = None) -> None:
        """`folded`: the text `fold`ed, when at hand: a pattern with `starts` (`heads`, when already known) is
        then tried only where they occur (`matches_at_starts`), and only as far as asked."""
        self.spans: list[tuple[int, int]] = []
        heads = None if pattern is None or folded is None else heads or starts(pattern)
        self._matches: Iterator[re.Match] = iter(())
        if pattern is not None and hit is not None:
            self._matches = matches_at_starts(pattern, text, folded, heads) if heads is not None else \
                pattern.finditer(text, scan_start(pattern, text, hit, like))
        self._done = False

    def before(self, end: int) -> list[tuple[int, int]]:
        """Every span that starts before `end` (and possibly a few more)."""
        while not self._done and (not self.spans or self.spans[-1][0] < end):
            match = next(self._matches, None)
            if match is None:
                self._done = True
            else:
                self.spans.append(match.span())
        return self.spans


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """(offset, character, group depth before it) of each character of a regex source that is neither
    escaped nor inside a character class: the characters that shape its groups and alternatives."""
    depth, i, in_class = 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 2 if source[i + 1:i + 2] == "]" else 3 if source[i + 1:i + 3] == "^]" else 1
            continue
        else:
            yield i, ch, depth
            depth += 1 if ch == "(" else -1 if ch == ")" else 0
        i += 1


def top_branches(source: str) -> list[str]:
    """The top-level alternatives of a regex source (outside groups and classes); one item when it has none."""
    parts, start = [], 0
    for i, ch, depth in _structure(source):
        if ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    return parts + [source[start:]]


_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # back-references and conditional groups


def _balanced(source: str) -> bool:
    """True when the parentheses of a regex source (outside classes and escapes) pair up."""
    depth = 0
    for _, ch, before in _structure(source):
        depth = before + (1 if ch == "(" else -1 if ch == ")" else 0)
        if depth < 0:
            return False
    return depth == 0


class Source(NamedTuple):
    """A regex's source text and flags: what `anchors` reads of a pattern, without compiling it."""

    pattern: str
    flags: int


class Alternation:
    """A pattern split into its top-level alternatives, each under its own key for an `AnchorIndex`.
    `narrowed(keys)` is the pattern of only the alternatives whose anchors a text holds: the others match
    nowhere in it, so at every position the same alternative wins and it finds exactly what the whole
    pattern finds, while trying fewer alternatives (a marker of forty words mostly runs one or two)."""

    _CACHE_SIZE = 4096  # narrowed patterns kept per alternation

    def __init__(self, key: str, pattern: re.Pattern, prefix: str = "", suffix: str = "") -> None:
        """`prefix` and `suffix`: what the pattern's source holds around its alternatives, e.g. a lexicon
        list's `(?<![\\w])(?:` and `)(?![\\w])` (every alternative then keeps them when narrowed)."""
        self.pattern = pattern
        source = pattern.pattern
        wrapped = (prefix or suffix) and source.startswith(prefix) and source.endswith(suffix) \
            and len(source) >= len(prefix) + len(suffix)
        self.prefix, self.suffix = (prefix, suffix) if wrapped else ("", "")
        inner = source[len(prefix):len(source) - len(suffix)] if wrapped else source
        self.parts = top_branches(inner)
        if _GLOBAL_FLAGS.match(source) or _BACKREF.search(source) or (wrapped and not _balanced(inner)):
            # a leading inline flag belongs to the whole pattern, and a group number or name would change
            # meaning with the alternatives before it gone: kept whole
            self.prefix, self.suffix, self.parts = "", "", [source]
        self.keys = [f"{key}\x00{i}" for i in range(len(self.parts))]
        self._keyset = frozenset(self.keys)
        self._position = {k: i for i, k in enumerate(self.keys)}
        self._narrowed: dict[frozenset[str], re.Pattern] = {}
        self._part_heads: list[set[str] | None] | None = None  # `_heads_of` each alternative, found on first use
        self._starts: dict[frozenset[str], tuple[str, ...] | None] = {}

    def keyed(self, compiled: bool = True) -> dict[str, list[re.Pattern | Source]]:
        """Each alternative under its key, for an `AnchorIndex`; `compiled=False` gives each as its `Source`,
        which is all an index reads (compiling every alternative took most of a detector's start)."""
        if len(self.parts) == 1:
            return {self.keys[0]: [self.pattern]}
        make = re.compile if compiled else Source
        return {k: [make(self.prefix + part + self.suffix, self.pattern.flags)]
                for k, part in zip(self.keys, self.parts)}

    def narrowed(self, keys: Iterable[str]) -> re.Pattern | None:
        """The pattern of the alternatives among `keys` (the keys a text may match), None when there are none."""
        if len(self.keys) == 1:
            return self.pattern if self.keys[0] in keys else None
        chosen = self._keyset.intersection(keys)
        if not chosen:
            return None
        if len(chosen) == len(self.keys):
            return self.pattern
        found = self._narrowed.get(chosen)
        if found is None:
            if len(self._narrowed) >= self._CACHE_SIZE:
                self._narrowed.clear()
            order = sorted(self._position[k] for k in chosen)
            found = self._narrowed[chosen] = re.compile(
                self.prefix + "|".join(self.parts[i] for i in order) + self.suffix, self.pattern.flags)
        return found

    def starts(self, keys: Iterable[str]) -> tuple[str, ...] | None:
        """`starts(self.narrowed(keys))`, from those of the alternatives (each parsed once, not every narrowed
        pattern): a match of the narrowed pattern is one of a chosen alternative, at the same offsets."""
        chosen = self._keyset.intersection(keys)
        found = self._starts.get(chosen, ())
        if found == ():
            if len(self._starts) >= self._CACHE_SIZE:
                self._starts.clear()
            if self._part_heads is None:
                self._part_heads = [_heads_of(self.prefix + part + self.suffix, self.pattern.flags)
                                    for part in self.parts]
            parts = [self._part_heads[self._position[k]] for k in chosen]
            found = None if not parts or None in parts else _fewest(set().union(*parts))
            self._starts[chosen] = found
        return found


class AnchorIndex:
    """The anchors of keyed patterns in one automaton: `hits(text)` says which keys may match where."""

    def __init__(self, patterns: Mapping[str, Iterable[re.Pattern | Source | None]],
                 avoid: Mapping[str, Iterable[str]] | None = None) -> None:
        """`avoid`: per key, folded strings its anchors should not share text with where its patterns
        allow another choice (e.g. an excluded sense is anchored on "water" rather than on "treatment",
        which every unit the sense matters in holds anyway)."""
        self.always: set[str] = set()  # keys with a pattern that has no anchor: never skipped
        by_anchor: dict[str, set[str]] = {}
        for key, pats in patterns.items():
            for p in pats:
                if p is None:
                    continue
                found = anchors(p, (avoid or {}).get(key, ()))
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
        if self._empty:
            return set(self.always)
        # each anchor carries one frozenset of keys: the distinct ones, then their union
        return self.always.union(*{keys for _, (_, keys) in self._automaton.iter(fold(text))})

    def first_hits(self, text: str, keys: Iterable[str]) -> dict[str, int]:
        """Offset of the first anchor occurrence in `text` of each of `keys` (0 for a key always run); a
        key none of whose anchors occurs is left out."""
        wanted = set(keys)
        out = dict.fromkeys(wanted & self.always, 0)
        missing = wanted - out.keys()
        for start, found in self.hits(fold(text)):
            if not missing:
                break
            if not missing.isdisjoint(found):
                for key in missing & found:
                    out[key] = start
                missing -= found
        return out

    def scan(self, folded: str, spans: Sequence[tuple[int, int]]) -> tuple[list[set[str]], set[str]]:
        """`keys_by_span` of an already `fold`ed text and the keys that may match anywhere in it (`keys_in`),
        from one pass of the automaton, without listing its hits."""
        out = [set(self.always) for _ in spans]
        distinct: set[frozenset[str]] = set()
        if self._empty:
            return out, set(self.always)
        begins = [s for s, _ in spans]
        for end, (n, keys) in self._automaton.iter(folded):
            distinct.add(keys)
            start = end - n + 1
            i = bisect_right(begins, start) - 1
            while i >= 0 and start < spans[i][1]:
                out[i] |= keys
                i -= 1
        return out, self.always.union(*distinct)

    def keys_by_span(self, text: str, spans: Sequence[tuple[int, int]]) -> list[set[str]]:
        """For each (start, end) span of `text`, the keys that may match inside it. The spans are sorted by
        start and by end (sentences, paragraphs, or overlapping windows of sentences)."""
        return self.scan(fold(text), spans)[0]
