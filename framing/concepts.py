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

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from framing.anchors import AnchorIndex, SpansUpTo, anchors, fold, scan_start
from framing.lexicon import LEVELS, MAIN_CONCEPTS, Lexicon
from framing.sitenames import name_pattern, site_names

_DEFAULT_LEXICON: Lexicon | None = None
# anchor keys besides the concept names: site references, and each concept's excluded and kept senses
_SITE_REF, _EXCLUDE, _KEEP = "\x00site_reference", "\x00exclude:", "\x00keep:"


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
        match there, so it is not run (see `framing.anchors`). Built once, with the lexicon's tables."""
        if self._index is None:
            lex = self.lexicon
            self._concepts = tuple(lex.concepts)
            self._order = {c: i for i, c in enumerate(self._concepts)}
            self._patterns = {c: [(lvl, p) for lvl in self._levels() for p in lex.patterns(c, lvl)]
                              for c in self._concepts}
            self._implied = [(c, tuple(lex.implies(c))) for c in self._concepts if lex.implies(c)]
            self._senses = {c: lex.exclusions(c) for c in self._concepts}
            keyed: dict[str, list] = {c: [p for _, p in self._patterns[c]] for c in self._concepts}
            # a sense pattern is anchored, where it can be, away from its concept's own anchors (and those of
            # the concepts implying it): "water" in "water treatment", not "treatment", which every candidate holds
            own = {c: {a for p in keyed[c] for a in anchors(p) or ()} for c in self._concepts}
            avoid: dict[str, set[str]] = {}
            for c, (exclude, keep) in self._senses.items():
                keyed[_EXCLUDE + c], keyed[_KEEP + c] = [exclude], [keep]
                near = own[c].union(*(own[child] for child, parents in self._implied if c in parents))
                avoid[_EXCLUDE + c] = avoid[_KEEP + c] = near
            keyed[_SITE_REF] = [lex.site_reference]
            self._index = AnchorIndex(keyed, avoid)
        return self._index

    @property
    def concepts(self) -> list[str]:
        """Every concept this detector can report (main concepts, then helpers)."""
        return self.lexicon.concepts

    def _spans(self, pattern, text: str) -> list[tuple[int, int]]:
        return [] if pattern is None else [m.span() for m in pattern.finditer(text)]

    def _filtered(self, concept: str, candidates: list[tuple[int, int, str]], text: str,
                  cache: dict, keys: set[str] | None = None) -> list[tuple[int, int, str]]:
        """The candidates not in an excluded sense (unless a kept phrase rescues them); `keys`, when given,
        are the anchor keys of `text`: a sense pattern whose anchors it lacks has no match to run for."""
        if not candidates:
            return []
        if concept not in cache:
            exclude, keep = self._senses[concept] if self._index is not None else self.lexicon.exclusions(concept)
            if keys is not None:
                exclude = exclude if _EXCLUDE + concept in keys else None
                keep = keep if _KEEP + concept in keys else None
            cache[concept] = [self._spans(exclude, text), keep]
        excluded, kept = cache[concept]
        if not excluded:
            return candidates
        if not isinstance(kept, list):  # kept phrases matter only once something is excluded: found then
            kept = cache[concept][1] = self._spans(kept, text)
        return [(s, e, lvl) for s, e, lvl in candidates
                if not _overlaps(s, e, excluded) or _overlaps(s, e, kept)]

    def detect(self, text: str, site_context: bool = False) -> list[Mention]:
        """All mentions in `text`, in text order; `site_context` says the document names a site."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        return self._detect(text, site_context, self._anchors().keys_in(text))

    def detect_units(self, text: str, spans: Sequence[tuple[int, int]], title: str | None = None) -> list[list[Mention]]:
        """Mentions in each unit span of a document, with the codebook's site rule decided for the whole
        document: definite descriptions ("the facility") count where the text or its `title` names a site.
        Whether it names one is looked up only when some unit holds such a description."""
        index = self._anchors()
        hits = index.hits(fold(text))  # one scan serves the units and the site rule
        keys = index.keys_by_span(text, spans, hits)
        site = self.level == "family" and any(_SITE_REF in k for k in keys) and (
            self._names_site(text, hits) or (isinstance(title, str) and self.names_site(title)))
        found = [self._detect(text[s:e], site, k) if k else [] for (s, e), k in zip(spans, keys)]
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

    def _detect(self, text: str, site_context: bool, keys: set[str]) -> list[Mention]:
        """`detect`, running only the patterns whose anchors are among `keys` (those `text` holds)."""
        site_refs = site_context and self.level == "family" and _SITE_REF in keys
        if not any(c in keys for c in self._concepts) and not site_refs:
            return []  # no pattern can match anywhere: no candidates, so no mentions
        cache: dict = {}
        found: dict[str, list[tuple[int, int, str]]] = {}
        for concept in self._concepts:
            cands = [(m.start(), m.end(), lvl) for lvl, pattern in self._patterns[concept]
                     for m in pattern.finditer(text)] if concept in keys else []
            if concept == "SITE" and site_refs:
                named = [(s, e) for s, e, _ in cands]
                cands += [(s, e, "family") for s, e in self._spans(self.lexicon.site_reference, text)
                          if not _overlaps(s, e, named)]
            found[concept] = self._filtered(concept, cands, text, cache, keys)
        if self.level == "family":
            for concept, parents in self._implied:
                for parent in parents:
                    implied = [(s, e, "family") for s, e, _ in found[concept]]
                    found[parent] = found[parent] + self._filtered(parent, implied, text, cache, keys)
        mentions: list[Mention] = []
        for concept, cands in found.items():
            if not cands:
                continue
            taken: list[tuple[int, int]] = []
            # longest first, term before family, so each stretch of text counts once per concept
            for s, e, lvl in sorted(cands, key=lambda c: (-(c[1] - c[0]), c[2] != "term", c[0])):
                if not _overlaps(s, e, taken):
                    taken.append((s, e))
                    mentions.append(Mention(concept, s, e, text[s:e], lvl))
        order = self._order
        return sorted(mentions, key=lambda m: (m.start, order[m.concept]))

    def names_site(self, text: str) -> bool:
        """True when `text` names a consumption site (the condition for counting "the facility")."""
        return self._names_site(text)

    def _names_site(self, text: str, hits: list | None = None) -> bool:
        """`names_site`, given the text's anchor `hits` when they are already found."""
        if "SITE" not in self.lexicon.concepts:
            return False
        feeders = tuple(c for c in self.lexicon.concepts if "SITE" in self.lexicon.implies(c))
        if feeders and self.level == "family":  # another concept counts as SITE: the full detection decides
            return any(m.concept == "SITE" for m in self.detect(text, site_context=False))
        # what detect() would keep for SITE alone: a candidate that survives its sense filter; the patterns
        # are scanned from their first anchors and only as far as the first survivor (framing.anchors)
        first = self._anchors().first_hits(text, ("SITE", _EXCLUDE + "SITE", _KEEP + "SITE"), hits)
        if "SITE" not in first:
            return False
        exclude, keep = self._senses["SITE"]
        excluded = SpansUpTo(exclude, text, first.get(_EXCLUDE + "SITE"))
        kept = SpansUpTo(keep, text, first.get(_KEEP + "SITE"))
        for _, pattern in self._patterns["SITE"]:
            for m in pattern.finditer(text, scan_start(pattern, text, first["SITE"])):
                s, e = m.span()
                if not _overlaps(s, e, excluded.before(e)) or _overlaps(s, e, kept.before(e)):
                    return True
        return False

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
