"""The concept lexicon: the codebook's concepts as editable patterns, compiled to regular expressions.

The default lexicon is `framing/data/lexicon.toml`; its header explains how entries are read. Users
add terms, excluded senses or languages by editing a copy of that file, or in code::

    lex = Lexicon.load().with_terms("TREATMENT", ["hazelden"], level="family")
"""
from __future__ import annotations

import copy
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "lexicon.toml"
MAIN_CONCEPTS = ("HARM_REDUCTION", "TREATMENT", "RECOVERY")
HELPERS = ("ABSTINENCE", "SITE")
LEVELS = ("term", "family")
_LISTS = ("term", "family", "term_cased", "family_cased", "exclude", "keep")
# what a space or hyphen in an entry matches: spaces, line breaks, hyphens (soft ones too), and a double
# quote mark closing or opening beside the space, as news quotes part of a name: 'so-called “overdose
# prevention” sites', 'supervised "consumption rooms"'
_SEP = r"(?:[\s\u00ad]*[-\u2010\u2011]\s*|[\"\u201d]?[\s\u00ad]+[\"\u201c]?)"
# every compiled list is WORD_START + entry|entry|... + WORD_END: whole words only
WORD_START, WORD_END = r"(?<![\w])(?:", r")(?![\w])"


class LexiconError(ValueError):
    """A lexicon file or entry that cannot be used; the message names the file, concept and entry."""


def _expand(entry: str, spelling: Mapping[str, str]) -> str:
    """Turn one lexicon entry into a regex: spelling variants, and spaces/hyphens as separators."""
    for word, variants in spelling.items():
        entry = re.sub(r"(?<![A-Za-z])" + re.escape(word), lambda _m, v=variants: v, entry)
    out, depth, i = [], 0, 0
    while i < len(entry):
        ch = entry[i]
        if ch == "\\" and i + 1 < len(entry):
            out.append(entry[i : i + 2])
            i += 2
            continue
        if ch == "[" and depth == 0:
            depth = 1
        elif ch == "]" and depth == 1:
            depth = 0
        if depth == 0 and ch in " -":
            out.append(_SEP)
            while i + 1 < len(entry) and entry[i + 1] in " -":
                i += 1
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _compile(entries: Sequence[str], spelling: Mapping[str, str], cased: bool, where: str) -> re.Pattern | None:
    """One alternation of whole-word entries, or None when there are none."""
    if not entries:
        return None
    parts = []
    for entry in entries:
        rx = _expand(entry, spelling)
        try:
            re.compile(rx)
        except re.error as exc:
            raise LexiconError(f"{where}: entry {entry!r} is not a valid pattern: {exc}") from exc
        parts.append(rx)
    flags = 0 if cased else re.IGNORECASE
    return re.compile(WORD_START + "|".join(parts) + WORD_END, flags)


class Lexicon:
    """Concepts, their term/family patterns, excluded senses and site references, per language.

    >>> Lexicon.load().concepts[:3]
    ['HARM_REDUCTION', 'TREATMENT', 'RECOVERY']
    """

    def __init__(self, data: Mapping[str, object], source: str = "<dict>") -> None:
        self.source = source
        self.data = self._validated(copy.deepcopy(dict(data)), source)
        self._compiled: dict[tuple, re.Pattern | None] = {}
        self._pattern_lists: dict[tuple[str, str], list[re.Pattern]] = {}

    @staticmethod
    def _validated(data: dict, source: str) -> dict:
        concepts = data.get("concepts")
        if not isinstance(concepts, dict) or not concepts:
            raise LexiconError(f"{source}: no [concepts.NAME] tables")
        for name, table in concepts.items():
            if not isinstance(table, dict):
                raise LexiconError(f"{source}: [concepts.{name}] must be a table")
            for parent in table.get("implies", []):
                if parent not in concepts:
                    raise LexiconError(f"{source}: {name} implies unknown concept {parent!r}")
            for lang, lists in table.items():
                if not isinstance(lists, dict):
                    continue
                for key, value in lists.items():
                    if key not in _LISTS:
                        raise LexiconError(f"{source}: [concepts.{name}.{lang}] has unknown list {key!r}; "
                                           f"use one of {', '.join(_LISTS)}")
                    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                        raise LexiconError(f"{source}: concepts.{name}.{lang}.{key} must be a list of strings")
        data.setdefault("spelling", {})
        data.setdefault("site_reference", {})
        return data

    @classmethod
    def load(cls, path: str | Path | None = None, languages: Iterable[str] | None = None) -> Lexicon:
        """Read a lexicon TOML file (the shipped default when `path` is None), optionally some languages only."""
        path = Path(path) if path is not None else DEFAULT_PATH
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise LexiconError(f"{path}: lexicon file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise LexiconError(f"{path}: not valid TOML: {exc}") from exc
        lex = cls(data, source=str(path))
        if languages is not None:
            keep = set(languages)
            for table in lex.data["concepts"].values():
                for lang in [k for k, v in table.items() if isinstance(v, dict) and k not in keep]:
                    del table[lang]
            lex.data["site_reference"] = {k: v for k, v in lex.data["site_reference"].items() if k in keep}
        lex._check_compiles()
        return lex

    def _check_compiles(self) -> None:
        for name in self.concepts:
            for level in LEVELS:
                self.patterns(name, level)
            self.exclusions(name)
        _ = self.site_reference

    # -- what is in it ---------------------------------------------------------------------------
    @property
    def concepts(self) -> list[str]:
        """Concept names in file order (the three main concepts first in the default lexicon)."""
        return list(self.data["concepts"])

    @property
    def languages(self) -> list[str]:
        """Languages present in any concept table."""
        langs: dict[str, None] = {}
        for table in self.data["concepts"].values():
            for k, v in table.items():
                if isinstance(v, dict):
                    langs[k] = None
        return list(langs)

    def implies(self, concept: str) -> list[str]:
        """Concepts a mention of `concept` also counts as at family level (SITE → HARM_REDUCTION)."""
        return list(self._table(concept).get("implies", []))

    def is_helper(self, concept: str) -> bool:
        """True for helper concepts (ABSTINENCE, SITE): reported, but not one of the three."""
        return bool(self._table(concept).get("helper", False))

    def entries(self, concept: str, key: str) -> list[str]:
        """The raw entries of one list (`term`, `family`, `term_cased`, `exclude` ...) over all languages."""
        out: list[str] = []
        for value in self._table(concept).values():
            if isinstance(value, dict):
                out.extend(value.get(key, []))
        return out

    def _table(self, concept: str) -> dict:
        try:
            return self.data["concepts"][concept]
        except KeyError:
            raise KeyError(f"unknown concept {concept!r}; the lexicon has {', '.join(self.concepts)}") from None

    # -- compiled patterns -----------------------------------------------------------------------
    def _get(self, key: tuple, build) -> re.Pattern | None:
        if key not in self._compiled:
            self._compiled[key] = build()
        return self._compiled[key]

    def patterns(self, concept: str, level: str) -> list[re.Pattern]:
        """Compiled regexes for the entries of exactly one level (`term` or `family`), case-folded and cased."""
        cached = self._pattern_lists.get((concept, level))
        if cached is not None:
            return list(cached)
        if level not in LEVELS:
            raise ValueError(f"level must be 'term' or 'family', not {level!r}")
        where = f"{self.source}: {concept}.{level}"
        spelling = self.data["spelling"]
        folded = self._get((concept, level, False),
                           lambda: _compile(self.entries(concept, level), spelling, False, where))
        cased = self._get((concept, level, True),
                          lambda: _compile(self.entries(concept, level + "_cased"), spelling, True, where))
        self._pattern_lists[(concept, level)] = [p for p in (folded, cased) if p is not None]
        return list(self._pattern_lists[(concept, level)])

    def exclusions(self, concept: str) -> tuple[re.Pattern | None, re.Pattern | None]:
        """(exclude, keep) regexes of a concept: excluded senses, and phrases that rescue a match."""
        spelling = self.data["spelling"]
        exclude = self._get((concept, "exclude"), lambda: _compile(
            self.entries(concept, "exclude"), spelling, False, f"{self.source}: {concept}.exclude"))
        keep = self._get((concept, "keep"), lambda: _compile(
            self.entries(concept, "keep"), spelling, False, f"{self.source}: {concept}.keep"))
        return exclude, keep

    @cached_property
    def site_reference(self) -> re.Pattern | None:
        """Definite descriptions of a site ("the facility", "on site"), used only in site documents."""
        entries = [p for table in self.data["site_reference"].values() for p in table.get("patterns", [])]
        return _compile(entries, self.data["spelling"], False, f"{self.source}: site_reference")

    # -- changing it -----------------------------------------------------------------------------
    def merge(self, other: Lexicon) -> Lexicon:
        """A new lexicon with the entries of both (lists joined, `other`'s settings win on conflicts)."""
        data = copy.deepcopy(self.data)
        for name, table in other.data["concepts"].items():
            mine = data["concepts"].setdefault(name, {})
            for key, value in table.items():
                if isinstance(value, dict):
                    lang = mine.setdefault(key, {})
                    for list_name, entries in value.items():
                        merged = lang.setdefault(list_name, [])
                        merged.extend(e for e in entries if e not in merged)
                else:
                    mine[key] = copy.deepcopy(value)
        data["spelling"].update(other.data["spelling"])
        for lang, table in other.data["site_reference"].items():
            mine = data["site_reference"].setdefault(lang, {}).setdefault("patterns", [])
            mine.extend(p for p in table.get("patterns", []) if p not in mine)
        return Lexicon(data, source=f"{self.source}+{other.source}")

    def with_terms(self, concept: str, terms: Iterable[str] = (), level: str = "family", *,
                   cased: bool = False, exclude: Iterable[str] = (), keep: Iterable[str] = (),
                   language: str = "en") -> Lexicon:
        """A new lexicon with entries added to one concept (created if new).

        >>> lex = Lexicon.load().with_terms("TREATMENT", ["hazelden"])
        >>> bool(lex.patterns("TREATMENT", "family")[0].search("went to Hazelden"))
        True
        """
        if level not in LEVELS:
            raise ValueError(f"level must be 'term' or 'family', not {level!r}")
        lists = {level + ("_cased" if cased else ""): list(terms), "exclude": list(exclude), "keep": list(keep)}
        extra = Lexicon({"concepts": {concept: {language: {k: v for k, v in lists.items() if v}}}},
                        source=f"with_terms({concept})")
        merged = self.merge(extra)
        merged._check_compiles()
        return merged

    def __repr__(self) -> str:
        return f"Lexicon({self.source!r}, concepts={self.concepts}, languages={self.languages})"
