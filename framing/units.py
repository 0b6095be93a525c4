"""Units of text a concept is detected in: sentences, paragraphs, k-sentence windows, whole documents.

Sentences come from NLTK's Punkt with parameters this project trained on its own text
(`framing/data/punkt_train.txt`, shipped as `framing/data/punkt_params.json`); nothing is
downloaded. Train on your own corpus with `train_punkt(texts)` and pass the result as `tokenizer`.

Paragraphs are separated by blank lines. A text with no blank line but several line breaks (how
extracted web pages usually arrive) has one paragraph per line. Sentences never cross a paragraph.

    >>> [u.text for u in split_units("Dr. Lee runs the site. It opened in 2017.")]
    ['Dr. Lee runs the site.', 'It opened in 2017.']
"""
from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer, PunktToken, PunktTrainer

DATA = Path(__file__).resolve().parent / "data"
TRAINING_TEXT = DATA / "punkt_train.txt"
PARAMS_PATH = DATA / "punkt_params.json"
UNIT_KINDS = ("sentence", "paragraph", "window", "document")
# abbreviations every model gets, on top of what Punkt learns (lower case, without the last period)
COMMON_ABBREVIATIONS = (
    "dr", "mr", "mrs", "ms", "prof", "st", "ave", "rd", "blvd", "mt", "ft", "no", "nos", "vol", "pp", "p",
    "fig", "figs", "e.g", "i.e", "etc", "vs", "approx", "incl", "est", "u.s", "u.k", "u.n", "e.u", "d.c",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "sen", "rep", "gov", "lt", "gen", "col", "capt", "sgt", "cpl", "insp", "supt", "hon", "rev",
    "jr", "sr", "inc", "ltd", "co", "corp", "dept", "univ", "assn", "al", "ph.d", "ont", "ct", "min",
    "pct", "yrs", "mon", "tues", "wed", "thurs", "fri", "a.m", "p.m", "s.b", "h.b", "n",
)


@dataclass(frozen=True)
class Unit:
    """One unit of a text: its position among the units, text, character span and paragraph number."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int


class _ReLanguageVars(PunktLanguageVars):
    """Punkt's own fixed regexes compiled with `re`, as NLTK 3.9 ran them. NLTK 3.10 sends every regex
    through its ReDoS guard (the `regex` engine under a timeout), meant for caller-supplied patterns and
    3x slower here; these patterns are NLTK's, not input, and the texts are only matched by them."""

    re_boundary_realignment = re.compile(PunktLanguageVars.re_boundary_realignment.pattern, re.MULTILINE)

    def _word_tokenizer_re(self) -> re.Pattern:
        try:
            return self._re_word_tokenizer
        except AttributeError:
            self._re_word_tokenizer = re.compile(self._word_tokenize_fmt % {
                "NonWord": self._re_non_word_chars, "MultiChar": self._re_multi_char_punct,
                "WordStart": self._re_word_start}, re.UNICODE | re.VERBOSE)
            return self._re_word_tokenizer

    def period_context_re(self) -> re.Pattern:
        try:
            return self._re_period_context
        except AttributeError:
            self._re_period_context = re.compile(self._period_context_fmt % {
                "NonWord": self._re_non_word_chars, "SentEndChars": self._re_sent_end_chars},
                re.UNICODE | re.VERBOSE)
            return self._re_period_context


_NON_PUNCT = re.compile(r"[^\W\d]", re.UNICODE)


class _ReToken(PunktToken):
    """PunktToken with its fixed regexes compiled by `re` (see `_ReLanguageVars`)."""

    __slots__ = ()

    _RE_ELLIPSIS = re.compile(r"\.\.+$")
    _RE_NUMERIC = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
    _RE_INITIAL = re.compile(r"[^\W\d]\.$", re.UNICODE)
    _RE_ALPHA = re.compile(r"[^\W\d]+$", re.UNICODE)

    @property
    def is_non_punct(self) -> re.Match | None:
        return _NON_PUNCT.search(self.type)


_ASCII_SPACE = string.whitespace  # what NLTK's Punkt takes for the space before a word
_OTHER_SPACE = re.compile("[" + re.escape(string.whitespace.replace(" ", "")) + "]")


class _MemoPunkt(PunktSentenceTokenizer):
    """Punkt that remembers its verdict on each candidate break: whether "word. Next" holds a sentence
    break depends on that short context and the fixed parameters only, and news repeats its contexts."""

    _MEMO_SIZE = 200_000

    def text_contains_sentbreak(self, text: str) -> bool:
        memo = self.__dict__.setdefault("_memo", {})
        found = memo.get(text)
        if found is None:
            if len(memo) >= self._MEMO_SIZE:
                memo.clear()  # bounded: memory stays flat over any number of documents
            found = memo[text] = super().text_contains_sentbreak(text)
        return found

    def span_tokenize(self, text: str, realign_boundaries: bool = True) -> Iterator[tuple[int, int]]:
        if not realign_boundaries:
            return super().span_tokenize(text, realign_boundaries)
        return iter(self.sentence_spans(text))

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """NLTK's `span_tokenize` (boundaries realigned) computed in one pass into lists: the same candidate
        breaks, the same contexts and verdicts, the same realignment, without its chain of generators."""
        breaks, memo = self.text_contains_sentbreak, self.__dict__.setdefault("_memo", {})
        candidates: list[tuple[re.Match, int]] = []  # each candidate with the start of the word before it
        previous, word_start, word_stop = None, 0, 0
        for match in self._lang_vars.period_context_re().finditer(text):
            start = match.start()
            # the word before the candidate: after the last ASCII whitespace since the previous one (NLTK's
            # _get_last_whitespace_index, where 0 means none)
            space = text.rfind(" ", word_stop, start)
            if _OTHER_SPACE.search(text, max(space + 1, word_stop), start):  # a tab or line break after it
                space = max(text.rfind(c, word_stop, start) for c in _ASCII_SPACE)
            space -= word_stop
            begin = space + word_stop + 1 if space > 0 else word_start
            if previous is not None and word_stop <= begin:
                candidates.append((previous, word_start))
            previous, word_start, word_stop = match, begin, start
        if previous is not None:
            candidates.append((previous, word_start))
        slices: list[tuple[int, int]] = []
        last_break = 0
        for match, word_start in candidates:
            # NLTK's _slices_from_text for one candidate, with the context _match_potential_end_contexts gives:
            # the word before it, the candidate and what follows (one slice: they are adjacent in the text)
            context = text[word_start:match.end("after_tok")]
            found = memo.get(context)  # text_contains_sentbreak's memo, read here to spare a call per candidate
            if found if found is not None else breaks(context):
                slices.append((last_break, match.end()))
                last_break = match.start("next_tok") if match.group("next_tok") else match.end()
        slices.append((last_break, len(text.rstrip())))
        # NLTK's _realign_boundaries: closing punctuation after a break goes with the sentence before it
        out: list[tuple[int, int]] = []
        realign, last = 0, len(slices) - 1
        boundary = self._lang_vars.re_boundary_realignment
        for k, (a, b) in enumerate(slices):
            a += realign
            if k == last:
                if a < b:
                    out.append((a, b))
                continue
            c, d = slices[k + 1]
            m = boundary.match(text, c, d)  # as on text[c:d]: the pattern looks neither before c nor past d
            if m:
                out.append((a, c + len(m.group(0).rstrip())))
                realign = m.end() - c
            else:
                realign = 0
                if a < b:
                    out.append((a, b))
        return out


def train_punkt(texts: Iterable[str], abbreviations: Iterable[str] = COMMON_ABBREVIATIONS) -> PunktSentenceTokenizer:
    """Learn Punkt parameters (abbreviations, collocations, sentence starters) from `texts`.

    `abbreviations` (lower case, no final period) are added to what Punkt learns, so short corpora
    still know "Dr." and "U.S.".
    """
    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    n = 0
    for text in texts:
        trainer.train(text, finalize=False)
        n += 1
    if n == 0:
        raise ValueError("train_punkt needs at least one text")
    trainer.finalize_training()
    params = trainer.get_params()
    params.abbrev_types.update(a.lower().rstrip(".") for a in abbreviations)
    return PunktSentenceTokenizer(params)


def save_punkt(tokenizer: PunktSentenceTokenizer, path: str | Path) -> None:
    """Write a tokenizer's learned parameters as JSON (readable, diffable, no pickle)."""
    p = tokenizer._params
    data = {
        "abbrev_types": sorted(p.abbrev_types),
        "collocations": sorted([a, b] for a, b in p.collocations),
        "sent_starters": sorted(p.sent_starters),
        "ortho_context": dict(sorted(p.ortho_context.items())),
    }
    Path(path).write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")


def load_punkt(path: str | Path = PARAMS_PATH) -> PunktSentenceTokenizer:
    """A Punkt tokenizer from parameters written by `save_punkt`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read Punkt parameters: {exc}") from exc
    params = PunktParameters()
    params.abbrev_types = set(data["abbrev_types"])
    params.collocations = {tuple(c) for c in data["collocations"]}
    params.sent_starters = set(data["sent_starters"])
    for word, flags in data["ortho_context"].items():
        params.ortho_context[word] = flags
    return _MemoPunkt(params, lang_vars=_ReLanguageVars(), token_cls=_ReToken)


@lru_cache(maxsize=1)
def default_tokenizer() -> PunktSentenceTokenizer:
    """The shipped sentence tokenizer (loaded once)."""
    return load_punkt(PARAMS_PATH)


# A line break ends a paragraph unless the next line carries on the sentence in lower case (a wrapped
# line): headlines, subheads, captions, bullets and datelines stand alone even without a blank line.
_BREAK = re.compile(r"\n\s*(?![a-z])")
# ... nor does a single line break after a comma or a word no sentence ends on: a hard-wrapped text
# ("transitioned into Homelessness and / Addiction Recovery Treatment Hubs", "when only / 11 per cent",
# "the detox centre a floor above / Vancouver's injection site")
_WRAPPED = re.compile(r"(?:,|\b(?:and|or|but|nor|the|a|an|of|to|in|into|on|onto|for|with|by|at|from|as|than|that|"
                      r"only|its|their|his|her|our|which|who|whose|is|are|was|were|be|been|will|would|has|have|had|"
                      r"not|about|per|between|among|under|over|above|below|beneath|beside|near|across|behind|through|"
                      r"toward|towards|upon|within|against|during|via|including|called|named|despite|amid))[ \t]*$",
                      re.IGNORECASE)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the paragraphs of `text`, stripped, empty ones dropped."""
    splitter = _BREAK
    spans, pos = [], 0
    for m in splitter.finditer(text):
        if m.group().count("\n") == 1 and _WRAPPED.search(text, max(0, m.start() - 12), m.start()):
            continue
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        stripped = chunk.strip()
        if stripped:
            s += len(chunk) - len(chunk.lstrip())
            out.append((s, s + len(stripped)))
    return out


# a sentence does not open on a lower-case word: Punkt ends one at a period it does not know as an
# abbreviation ("camps across N.S. and moved people"), and such a period followed by "and" ends nothing
_LOWER_START = re.compile(r"[a-z]+\b")
# ... nor does the period of "vs." or "v.", whatever follows: "Abstinence Vs. Harm Reduction" (a title-case
# headline), "Canada (Attorney General) v. PHS Community Services Society" (a case name)
_VERSUS_END = re.compile(r"(?<![\w.])vs?\.$", re.IGNORECASE)


# a list item on its own line: a bullet, a dash or an item number ("- reduce deaths", "• counselling", "2) detox")
_ITEM = re.compile(r"(?:[•·‣▪◦●○■□*–—-]|\(?(?:\d{1,2}|[a-z])[.)])\s")


def _sentence_spans(text: str, tokenizer: PunktSentenceTokenizer) -> list[tuple[int, int, int]]:
    """Punkt's sentences within each paragraph; a sentence that ends in a colon takes the list items on the
    lines after it, since the lead-in and its items are one sentence ("The site aims to: - reduce deaths
    - connect people with treatment")."""
    out: list[tuple[int, int, int]] = []
    split = tokenizer.sentence_spans if isinstance(tokenizer, _MemoPunkt) else tokenizer.span_tokenize
    listing = False  # the last sentence is a colon's lead-in, still taking the items after it
    for p_index, (ps, pe) in enumerate(paragraph_spans(text)):
        if listing and _ITEM.match(text, ps):
            out[-1] = (out[-1][0], pe, out[-1][2])
            continue
        listing = text[pe - 1] == ":"
        for s, e in split(text[ps:pe]):
            s, e = ps + s, ps + e
            if out and out[-1][2] == p_index and text[out[-1][1] - 1] == "." and (
                    _LOWER_START.match(text, s) or _VERSUS_END.search(text, out[-1][1] - 3, out[-1][1])):
                out[-1] = (out[-1][0], e, p_index)
            else:
                out.append((s, e, p_index))
    return out


def unit_spans(text: str, unit: str = "sentence", k: int = 3,
               tokenizer: PunktSentenceTokenizer | None = None) -> list[tuple[int, int, int]]:
    """(start, end, paragraph) of each unit `split_units` gives, without building the units."""
    if unit not in UNIT_KINDS:
        raise ValueError(f"unit must be one of {', '.join(UNIT_KINDS)}, not {unit!r}")
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if unit == "paragraph":
        return [(s, e, i) for i, (s, e) in enumerate(paragraph_spans(text))]
    if unit == "document":
        stripped = text.strip()
        if not stripped:
            return []
        s = len(text) - len(text.lstrip())
        return [(s, s + len(stripped), 0)]
    sentences = _sentence_spans(text, tokenizer or default_tokenizer())
    if unit == "sentence":
        return sentences
    if k < 1:
        raise ValueError(f"window size k must be at least 1, not {k}")
    if not sentences:
        return []
    windows = []
    for i in range(max(1, len(sentences) - k + 1)):
        group = sentences[i : i + k]
        windows.append((group[0][0], group[-1][1], group[0][2]))
    return windows


def split_units(text: str, unit: str = "sentence", k: int = 3,
                tokenizer: PunktSentenceTokenizer | None = None) -> list[Unit]:
    """Split `text` into units: "sentence", "paragraph", "window" (k consecutive sentences, sliding
    by one, never fewer than one window) or "document"."""
    return [Unit(i, text[s:e], s, e, p) for i, (s, e, p) in enumerate(unit_spans(text, unit, k, tokenizer))]


if __name__ == "__main__":  # rebuild the shipped parameters from the shipped training text
    save_punkt(train_punkt([TRAINING_TEXT.read_text(encoding="utf-8")]), PARAMS_PATH)
    print(f"wrote {PARAMS_PATH}")
