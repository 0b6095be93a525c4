"""Concept detection with sense filtering (CODEBOOK.md sections 2 and 3).

A mention is a lexicon match that does not fall in an excluded sense ("economic recovery", "water
treatment", "treatment group" ...). At family level, helper mentions also count as the concept they
belong to (a site name is HARM_REDUCTION; "sobriety" is RECOVERY). In a document that names a
consumption site, definite descriptions of it ("the facility", "these sites", "on site") are site
mentions too; `detect_document` decides that for the whole text, `detect(..., site_context=True)`
lets a caller that already split the document pass it per unit.

    >>> ConceptDetector().concepts_in("Harm reduction is a path to recovery, not economic recovery.")
    ['HARM_REDUCTION', 'RECOVERY']
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from framing.anchors import Alternation, AnchorIndex, SpansUpTo, anchors, fold, matches_at_starts, scan_start
from framing.lexicon import LEVELS, MAIN_CONCEPTS, WORD_END, WORD_START, Lexicon
from framing.sitenames import name_pattern, site_names

_DEFAULT_LEXICON: Lexicon | None = None
# anchor keys besides the concept names: site references, and each concept's excluded and kept senses
_SITE_REF, _EXCLUDE, _KEEP = "\x00site_reference", "\x00exclude:", "\x00keep:"
_ENTRY = "\x01"  # the key of a pattern's entries (one key each): "\x01" + pattern key + "\x00" + entry number
_PLANS_KEPT = 4096  # narrowed pattern sets kept per detector, one per set of anchor keys


def default_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once per process."""
    global _DEFAULT_LEXICON
    if _DEFAULT_LEXICON is None:
        _DEFAULT_LEXICON = Lexicon.load()
    return _DEFAULT_LEXICON


@dataclass(frozen=True)
class Mention:
    """One concept found in a text: character span, matched text, and the lexicon level that matched."""

    concept: str
    start: int
    end: int
    text: str
    level: str

    def to_dict(self) -> dict:
        """Plain dict, for JSON output."""
        return asdict(self)


def _first_of(alternation: Alternation, first: dict[str, int]) -> int | None:
    """The first anchor offset of any of `alternation`'s entries in `first` (`AnchorIndex.first_hits`)."""
    offsets = [first[k] for k in alternation.keys if k in first]
    return min(offsets) if offsets else None


def _longest_first(candidate: tuple[int, int, str]) -> tuple[int, bool, int]:
    s, e, level = candidate
    return s - e, level != "term", s


def _spans(pattern: re.Pattern | None, text: str) -> list[tuple[int, int]]:
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    for a, b in spans:
        if start < b and a < end:
            return True
    return False


class ConceptDetector:
    """Finds the codebook's concepts in text at `level` "family" (default) or "term".

    >>> [m.concept for m in ConceptDetector().detect("They need treatment, not wastewater treatment.")]
    ['TREATMENT']
    """

    def __init__(self, lexicon: Lexicon | None = None, level: str = "family") -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be 'term' or 'family', not {level!r}")
        self.lexicon = lexicon if lexicon is not None else default_lexicon()
        self.level = level
        self._index: AnchorIndex | None = None

    def _levels(self) -> tuple[str, ...]:
        return ("term",) if self.level == "term" else LEVELS

    def _anchors(self) -> AnchorIndex:
        """The anchors of every concept's patterns (at this detector's levels), of its excluded and kept
        senses and of the site references, in one automaton: a pattern whose anchors a text lacks cannot
        match there, so it is not run (see `framing.anchors`). Each pattern is keyed as a whole and entry by
        entry (`Alternation`): a text runs only the entries whose anchors it holds, and at every position
        the same entry wins as in the whole pattern. Built once, with the lexicon's tables."""
        if self._index is None:
            lex = self.lexicon
            self._concepts = tuple(lex.concepts)
            self._order = {c: i for i, c in enumerate(self._concepts)}
            self._patterns = {c: [(lvl, p) for lvl in self._levels() for p in lex.patterns(c, lvl)]
                              for c in self._concepts}
            self._implied = [(c, tuple(lex.implies(c))) for c in self._concepts if lex.implies(c)]
            self._feeders = tuple(c for c in self._concepts if "SITE" in lex.implies(c))
            self._senses = {c: lex.exclusions(c) for c in self._concepts}

            def split(key: str, pattern):
                return None if pattern is None else Alternation(_ENTRY + key, pattern, WORD_START, WORD_END)

            self._alts = {c: [(lvl, split(f"{c}\x00{j}", p)) for j, (lvl, p) in enumerate(self._patterns[c])]
                          for c in self._concepts}
            self._sense_alts = {c: (split(_EXCLUDE + c, ex), split(_KEEP + c, kp))
                                for c, (ex, kp) in self._senses.items()}
            self._site_alt = split(_SITE_REF, lex.site_reference)
            keyed: dict[str, list] = {c: [p for _, p in self._patterns[c]] for c in self._concepts}
            # a sense pattern is anchored, where it can be, away from its concept's own anchors (and those of
            # the concepts implying it): "water" in "water treatment", not "treatment", which every candidate holds
            own = {c: {a for p in keyed[c] for a in anchors(p) or ()} for c in self._concepts}
            avoid: dict[str, set[str]] = {}
            for c, (exclude, keep) in self._senses.items():
                keyed[_EXCLUDE + c], keyed[_KEEP + c] = [exclude], [keep]
                near = own[c].union(*(own[child] for child, parents in self._implied if c in parents))
                avoid[_EXCLUDE + c] = avoid[_KEEP + c] = near
                for alt in self._sense_alts[c]:
                    for key in alt.keys if alt is not None else ():
                        avoid[key] = near
            keyed[_SITE_REF] = [lex.site_reference]
            alts = [alt for c in self._concepts for _, alt in self._alts[c]] + \
                [alt for pair in self._sense_alts.values() for alt in pair] + [self._site_alt]
            for alt in alts:
                if alt is not None:
                    keyed.update(alt.keyed(compiled=False))
            self._plans: dict[frozenset, tuple] = {}
            self._index = AnchorIndex(keyed, avoid)
        return self._index

    def _plan(self, keys: frozenset) -> tuple[list, dict, object]:
        """For a text's anchor `keys`: per concept its patterns narrowed to the entries the text may match
        ((level, pattern) pairs; concepts without any left out), per concept its narrowed (exclude, keep)
        patterns, and the narrowed site-reference pattern (None where no entry is left)."""
        plan = self._plans.get(keys)
        if plan is None:
            if len(self._plans) >= _PLANS_KEPT:
                self._plans.clear()  # bounded: memory stays flat over any number of documents
            concepts = []
            for c in self._concepts:
                narrowed = [(lvl, alt.narrowed(keys)) for lvl, alt in self._alts[c] if alt is not None]
                narrowed = [(lvl, p) for lvl, p in narrowed if p is not None]
                if narrowed:
                    concepts.append((c, narrowed))
            senses = {c: tuple(None if alt is None else alt.narrowed(keys) for alt in pair)
                      for c, pair in self._sense_alts.items()}
            site_ref = None if self._site_alt is None else self._site_alt.narrowed(keys)
            plan = self._plans[keys] = (concepts, senses, site_ref)
        return plan

    @property
    def concepts(self) -> list[str]:
        """Every concept this detector can report (main concepts, then helpers)."""
        return self.lexicon.concepts

    def _filtered(self, concept: str, candidates: list[tuple[int, int, str]], text: str,
                  cache: dict, senses: dict) -> list[tuple[int, int, str]]:
        """The candidates not in an excluded sense (unless a kept phrase rescues them); `senses`: per concept
        its (exclude, keep) patterns narrowed to the entries `text` may match (None: no entry left)."""
        if not candidates:
            return []
        held = cache.get(concept)
        if held is None:
            exclude, keep = senses[concept]
            held = cache[concept] = [_spans(exclude, text), keep]
        excluded, kept = held
        if not excluded:
            return candidates
        if not isinstance(kept, list):  # kept phrases matter only once something is excluded: found then
            kept = held[1] = _spans(kept, text)
        return [(s, e, lvl) for s, e, lvl in candidates
                if not _overlaps(s, e, excluded) or _overlaps(s, e, kept)]

    def detect(self, text: str, site_context: bool = False) -> list[Mention]:
        """All mentions in `text`, in text order; `site_context` says the document names a site."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        keys = self._anchors().keys_in(text)
        return self._detect(text, site_context, keys) if self._may_match(keys, site_context) else []

    def detect_units(self, text: str, spans: Sequence[tuple[int, int]], title: str | None = None) -> list[list[Mention]]:
        """Mentions in each unit span of a document, with the codebook's site rule decided for the whole
        document: definite descriptions ("the facility") count where the text or its `title` names a site.
        Whether it names one is looked up only when some unit holds such a description."""
        index = self._anchors()
        folded = fold(text)
        keys, present = index.scan(folded, spans)  # one scan serves the units and the site rule
        site = self.level == "family" and any(_SITE_REF in k for k in keys) and (
            self._names_site(text, present, folded) or (isinstance(title, str) and self.names_site(title)))
        may = self._may_match
        found = [self._detect(text[s:e], site, k) if may(k, site) else [] for (s, e), k in zip(spans, keys)]
        if self.level == "family" and "SITE" in self._concepts:
            self._add_site_names(text, spans, found)
        return found

    def _add_site_names(self, text: str, spans: Sequence[tuple[int, int]], found: list[list[Mention]]) -> None:
        """Count the names the document gives its sites ("Riverbend, the city's supervised consumption
        site") wherever else they occur in it, as the site (framing.sitenames)."""
        sites = [(s + m.start, s + m.end) for (s, _), ms in zip(spans, found) for m in ms if m.concept == "SITE"]
        pattern = name_pattern(site_names(text, sites)) if sites else None
        if pattern is None:
            return
        parents = [c for c in dict(self._implied).get("SITE", ()) if c in self._concepts]
        for (s, e), mentions in zip(spans, found):
            unit = text[s:e]
            taken = [(m.start, m.end) for m in mentions]
            added = [Mention(c, m.start(), m.end(), m.group(0), "family") for m in pattern.finditer(unit)
                     if not _overlaps(m.start(), m.end(), taken) for c in ["SITE", *parents]]
            if added:
                mentions.extend(added)
                mentions.sort(key=lambda m: (m.start, self._order[m.concept]))

    def _may_match(self, keys: set[str], site_context: bool) -> bool:
        """False when a text with anchor `keys` can hold no mention: no concept's anchor and no site reference
        that counts (`_anchors` must have run)."""
        return not keys.isdisjoint(self._concepts) or (site_context and self.level == "family" and _SITE_REF in keys)

    def _detect(self, text: str, site_context: bool, keys: set[str]) -> list[Mention]:
        """`detect`, running only the pattern entries whose anchors are among `keys` (those `text` holds); the
        caller has checked `_may_match` (where it is False no pattern can match: no mentions)."""
        site_refs = site_context and self.level == "family" and _SITE_REF in keys
        present, senses, site_ref = self._plan(frozenset(keys))
        cache: dict = {}
        found: dict[str, list[tuple[int, int, str]]] = {}
        for concept, patterns in present:
            cands = [(m.start(), m.end(), lvl) for lvl, pattern in patterns for m in pattern.finditer(text)]
            if cands:
                found[concept] = cands
        if site_refs and "SITE" in self._order:
            cands = found.get("SITE", [])
            named = [(s, e) for s, e, _ in cands]
            refs = [(s, e, "family") for s, e in _spans(site_ref, text) if not _overlaps(s, e, named)]
            if refs:
                found["SITE"] = cands + refs
        for concept, cands in found.items():
            found[concept] = self._filtered(concept, cands, text, cache, senses)
        if self.level == "family":
            for concept, parents in self._implied:
                if found.get(concept):
                    for parent in parents:
                        implied = [(s, e, "family") for s, e, _ in found[concept]]
                        kept = self._filtered(parent, implied, text, cache, senses)
                        if kept:
                            found[parent] = found.get(parent, []) + kept
        mentions: list[Mention] = []
        for concept, cands in found.items():
            if len(cands) == 1:
                s, e, lvl = cands[0]
                mentions.append(Mention(concept, s, e, text[s:e], lvl))
                continue
            taken: list[tuple[int, int]] = []
            # longest first, term before family, so each stretch of text counts once per concept
            for s, e, lvl in sorted(cands, key=_longest_first):
                if not _overlaps(s, e, taken):
                    taken.append((s, e))
                    mentions.append(Mention(concept, s, e, text[s:e], lvl))
        if len(mentions) < 2:
            return mentions
        order = self._order
        return sorted(mentions, key=lambda m: (m.start, order[m.concept]))

    def names_site(self, text: str) -> bool:
        """True when `text` names a consumption site (the condition for counting "the facility")."""
        return self._names_site(text)

    def _names_site(self, text: str, present: set[str] | None = None, folded: str | None = None) -> bool:
        """`names_site`, given the anchor keys `present` in the text and its `fold`ed copy when already found."""
        if "SITE" not in self.lexicon.concepts:
            return False
        index = self._anchors()
        if self._feeders and self.level == "family":  # another concept counts as SITE: the full detection decides
            return any(m.concept == "SITE" for m in self.detect(text, site_context=False))
        # what detect() would keep for SITE alone: a candidate that survives its sense filter; the patterns are
        # tried only where a match of an entry whose anchors occur can begin (or, narrowed to those entries,
        # scanned from their first anchors), and only as far as the first survivor (framing.anchors)
        if folded is None:
            folded = fold(text)
        if present is None:
            present = index.keys_in(text)
        if "SITE" not in present:
            return False
        first: dict[str, int] = {}  # the first anchor offsets of the site rule's keys, found on first use
        exclude, keep = self._sense_alts["SITE"]
        excluded = self._site_sense_spans(exclude, text, folded, present, first)
        kept = self._site_sense_spans(keep, text, folded, present, first)
        for _, alt in self._alts["SITE"]:
            heads = None if alt is None else alt.starts(present)
            if heads is not None:
                found = matches_at_starts(alt.pattern, text, folded, heads)
            else:
                pattern = None if alt is None else alt.narrowed(present)
                if pattern is None:
                    continue
                found = pattern.finditer(text, scan_start(pattern, text, self._site_first(alt, text, first),
                                                          alt.pattern))
            for m in found:
                s, e = m.span()
                if not _overlaps(s, e, excluded.before(e)) or _overlaps(s, e, kept.before(e)):
                    return True
        return False

    def _site_first(self, alt: Alternation, text: str, first: dict[str, int]) -> int | None:
        """The first anchor offset of `alt`'s entries in `text`; `first` holds the site keys' first offsets,
        looked up when a pattern is first scanned."""
        if not first:
            first.update(self._anchors().first_hits(text, self._site_keys()))
        return _first_of(alt, first)

    def _site_sense_spans(self, alt: Alternation | None, text: str, folded: str, present: set[str],
                          first: dict[str, int]) -> SpansUpTo:
        """The spans of a site sense filter's alternation in `text`, read as far as asked. Where the openings
        are known the alternation is tried whole: an entry whose anchors the text lacks matches nowhere in
        it, so at every offset the whole pattern matches as the narrowed one does (nothing compiled per text)."""
        if alt is None or present.isdisjoint(alt.keys):
            return SpansUpTo(None, text, None)
        heads = alt.starts(present)
        if heads is not None:
            return SpansUpTo(alt.pattern, text, 0, None, folded, heads)
        return SpansUpTo(alt.narrowed(present), text, self._site_first(alt, text, first), alt.pattern)

    def _site_keys(self) -> tuple[str, ...]:
        """The anchor keys the site rule looks at: SITE, its patterns' entries and those of its senses."""
        alts = [alt for _, alt in self._alts["SITE"]] + list(self._sense_alts["SITE"])
        return ("SITE", *(k for alt in alts if alt is not None for k in alt.keys))

    def detect_document(self, text: str) -> list[Mention]:
        """Mentions in a whole document, with definite site descriptions counted when it names a site."""
        return self.detect(text, site_context=self.names_site(text))

    def concepts_in(self, text: str, site_context: bool = False, helpers: bool = False) -> list[str]:
        """The distinct concepts in `text` in canonical order; helpers (ABSTINENCE, SITE) only if asked."""
        present = {m.concept for m in self.detect(text, site_context=site_context)}
        wanted = self.lexicon.concepts if helpers else [c for c in self.lexicon.concepts
                                                          if not self.lexicon.is_helper(c)]
        return [c for c in wanted if c in present]


def concepts_in(text: str, site_context: bool = False, level: str = "family") -> list[str]:
    """The main concepts in `text` with the default lexicon, e.g. ['HARM_REDUCTION', 'RECOVERY']."""
    detector = ConceptDetector(level=level)
    return [c for c in detector.concepts_in(text, site_context=site_context) if c in MAIN_CONCEPTS]
