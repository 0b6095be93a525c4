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
from dataclasses import asdict, dataclass

from framing.lexicon import LEVELS, MAIN_CONCEPTS, Lexicon

_DEFAULT_LEXICON: Lexicon | None = None


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
    return any(start < b and a < end for a, b in spans)


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
        self._gates: dict[tuple, re.Pattern | None] = {}
        self._all = tuple(self.lexicon.concepts)

    def _levels(self) -> tuple[str, ...]:
        return ("term",) if self.level == "term" else LEVELS

    def _gate(self, concepts: tuple[str, ...], site_reference: bool) -> re.Pattern | None:
        """One regex that matches wherever any pattern of `concepts` (at this detector's levels), or the
        site references, would: a text it does not match holds none of their candidates, so detection
        can skip it. None when the patterns cannot be joined (then nothing is skipped)."""
        key = (concepts, site_reference)
        if key not in self._gates:
            pats = [p for c in concepts for lvl in self._levels() for p in self.lexicon.patterns(c, lvl)]
            if site_reference and self.lexicon.site_reference is not None:
                pats.append(self.lexicon.site_reference)
            # every lexicon pattern opens with the same word-start guard: test it once per position
            guard = r"(?<![\w])"
            parts = [("(?i:" if p.flags & re.IGNORECASE else "(?-i:") + p.pattern[len(guard):] + ")"
                     for p in pats if p.pattern.startswith(guard)]
            rest = [("(?i:" if p.flags & re.IGNORECASE else "(?-i:") + p.pattern + ")"
                    for p in pats if not p.pattern.startswith(guard)]
            joined = ([guard + "(?:" + "|".join(parts) + ")"] if parts else []) + rest
            try:
                self._gates[key] = re.compile("|".join(joined)) if joined else re.compile(r"(?!)")
            except re.error:
                self._gates[key] = None
        return self._gates[key]

    def _may_hold(self, text: str, concepts: tuple[str, ...], site_reference: bool = False) -> bool:
        gate = self._gate(concepts, site_reference)
        return gate is None or gate.search(text) is not None

    @property
    def concepts(self) -> list[str]:
        """Every concept this detector can report (main concepts, then helpers)."""
        return self.lexicon.concepts

    def _spans(self, pattern, text: str) -> list[tuple[int, int]]:
        return [] if pattern is None else [m.span() for m in pattern.finditer(text)]

    def _filtered(self, concept: str, candidates: list[tuple[int, int, str]], text: str,
                  cache: dict) -> list[tuple[int, int, str]]:
        if not candidates:
            return []
        if concept not in cache:
            exclude, keep = self.lexicon.exclusions(concept)
            cache[concept] = (self._spans(exclude, text), self._spans(keep, text))
        excluded, kept = cache[concept]
        return [(s, e, lvl) for s, e, lvl in candidates
                if not _overlaps(s, e, excluded) or _overlaps(s, e, kept)]

    def detect(self, text: str, site_context: bool = False) -> list[Mention]:
        """All mentions in `text`, in text order; `site_context` says the document names a site."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        site_refs = site_context and self.level == "family"
        if not self._may_hold(text, self._all, site_refs):
            return []  # no pattern matches anywhere: no candidates, so no mentions
        levels = self._levels()
        cache: dict = {}
        found: dict[str, list[tuple[int, int, str]]] = {}
        for concept in self.lexicon.concepts:
            cands = [(m.start(), m.end(), lvl) for lvl in levels
                     for pattern in self.lexicon.patterns(concept, lvl) for m in pattern.finditer(text)]
            if concept == "SITE" and site_refs:
                named = [(s, e) for s, e, _ in cands]
                cands += [(s, e, "family") for s, e in self._spans(self.lexicon.site_reference, text)
                          if not _overlaps(s, e, named)]
            found[concept] = self._filtered(concept, cands, text, cache)
        if self.level == "family":
            for concept in self.lexicon.concepts:
                for parent in self.lexicon.implies(concept):
                    implied = [(s, e, "family") for s, e, _ in found[concept]]
                    found[parent] = found[parent] + self._filtered(parent, implied, text, cache)
        mentions: list[Mention] = []
        for concept, cands in found.items():
            taken: list[tuple[int, int]] = []
            # longest first, term before family, so each stretch of text counts once per concept
            for s, e, lvl in sorted(cands, key=lambda c: (-(c[1] - c[0]), c[2] != "term", c[0])):
                if not _overlaps(s, e, taken):
                    taken.append((s, e))
                    mentions.append(Mention(concept, s, e, text[s:e], lvl))
        order = {c: i for i, c in enumerate(self.lexicon.concepts)}
        return sorted(mentions, key=lambda m: (m.start, order[m.concept]))

    def names_site(self, text: str) -> bool:
        """True when `text` names a consumption site (the condition for counting "the facility")."""
        if "SITE" not in self.lexicon.concepts:
            return False
        feeders = tuple(c for c in self.lexicon.concepts if "SITE" in self.lexicon.implies(c))
        if feeders and self.level == "family":  # another concept counts as SITE: the full detection decides
            return any(m.concept == "SITE" for m in self.detect(text, site_context=False))
        # what detect() would keep for SITE alone: its candidates that survive its sense filter
        if not self._may_hold(text, ("SITE",)):
            return False
        cands = [(m.start(), m.end(), lvl) for lvl in self._levels()
                 for pattern in self.lexicon.patterns("SITE", lvl) for m in pattern.finditer(text)]
        return bool(self._filtered("SITE", cands, text, {}))

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
