"""The transparent rule layer for pair relations (CODEBOOK.md section 3).

Markers are found with regular expressions; each marker has a *scope rule* that decides which concept
mentions it relates (left/right of "instead of", the object of "a path to", the concepts of its sentence
for "tension", ...). For a pair of concepts the rules give a verdict (`complementary`, `opposition`,
`neutral` or None when nothing fired), the markers that fired and which concept each one scopes over,
and a dict of features the learned classifier uses.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from framing.anchors import AnchorIndex, Alternation, fold
from framing.lexicon import MAIN_CONCEPTS

CONCEPTS: tuple[str, ...] = MAIN_CONCEPTS
PAIRS: tuple[str, ...] = tuple(f"{a}+{b}" for i, a in enumerate(CONCEPTS) for b in CONCEPTS[i + 1:])
LABELS: tuple[str, ...] = ("complementary", "neutral", "opposition")


def parent_concept(concept: str) -> str:
    """The main concept a helper counts as, from the lexicon's `implies` (SITE -> HARM_REDUCTION,
    ABSTINENCE -> RECOVERY); a main concept or an unknown name is returned as it is."""
    return _parent_table().get(concept, concept)


def _parent_table() -> dict[str, str]:
    """concept -> the main concept it counts as, for the lexicon in use (built once per lexicon)."""
    from framing.concepts import default_lexicon  # the lexicon decides, so an added helper reaches relations

    lexicon = default_lexicon()
    held, table = _PARENTS[0]
    if held is not lexicon:  # the table of the lexicon in use, built once
        table = {}
        for name in lexicon.concepts:
            implied = [c for c in lexicon.implies(name) if c in CONCEPTS]
            table[name] = implied[0] if implied else name
        _PARENTS[0] = (lexicon, table)
    return table


_PARENTS: list[tuple] = [(None, {})]  # (lexicon, concept -> parent) of `parent_concept`, replaced as one

# Strength of a marker's scope: pair-specific markers beat unit-wide ones.
SPECIFIC, UNIT = 2, 1


def pair_key(a: str, b: str) -> str:
    """The canonical key of a pair, e.g. pair_key("RECOVERY", "HARM_REDUCTION") -> "HARM_REDUCTION+RECOVERY"."""
    a, b = parent_concept(a), parent_concept(b)
    if a == b or a not in CONCEPTS or b not in CONCEPTS:
        raise ValueError(f"not a pair of two different concepts: {a!r}, {b!r}")
    x, y = sorted((a, b), key=CONCEPTS.index)
    return f"{x}+{y}"


@lru_cache(maxsize=256)
def split_pair(pair: str) -> tuple[str, str]:
    """The two concepts of a pair key ("A+B" or "A|B"), validated and in canonical order (remembered: a
    corpus asks about the same three pairs again and again)."""
    parts = [p.strip().upper() for p in re.split(r"[+|]", pair) if p.strip()]
    if len(parts) != 2:
        raise ValueError(f"not a pair key: {pair!r} (expected e.g. 'HARM_REDUCTION+TREATMENT')")
    a, b = pair_key(parts[0], parts[1]).split("+")
    return a, b


@dataclass(frozen=True)
class Span:
    """A concept mention reduced to what relations need: concept (parent), start and end offsets."""

    concept: str
    start: int
    end: int


def as_spans(mentions: Iterable[object]) -> list[Span]:
    """Mentions (objects with concept/start/end, or (concept, start, end) tuples) as parent-concept spans.

    Every pair of a unit asks for the same mentions' spans: the last answer is kept and reused, also when
    it is what is asked about (the spans of spans are themselves)."""
    items = tuple(mentions)
    last = _LAST_SPANS[0]  # read once: another thread may replace it meanwhile
    # spans are compared with the last spans, anything else with the last mentions: the same objects compare
    # by identity, and no mention is compared with a span (dataclass equality across classes is slow)
    if (last[1] if items and isinstance(items[0], Span) else last[0]) == items:
        return list(last[1])
    out = []
    parents = None  # looked up once, when a mention needs it
    for m in items:
        if isinstance(m, Span):
            out.append(m)
            continue
        if isinstance(m, (tuple, list)):
            concept, start, end = m[0], int(m[1]), int(m[2])
        else:
            concept, start, end = m.concept, int(m.start), int(m.end)
        if parents is None:
            parents = _parent_table()
        concept = parents.get(concept, concept)
        if concept in CONCEPTS:
            out.append(Span(concept, start, end))
    # in text order; one name can carry two concepts on the same characters ("CTS"): the concepts' own order
    # breaks the tie, so the spans (and what a marker takes as its subject) never depend on set order. Equal
    # spans share a sort key and the first is kept (keyed in a dict: cheaper than hashing and keying spans).
    by_order: dict[tuple[int, int, int], Span] = {}
    for s in out:
        by_order.setdefault((s.start, s.end, CONCEPTS.index(s.concept)), s)
    spans = tuple(by_order[k] for k in sorted(by_order))
    _LAST_SPANS[0] = (items, spans)
    return list(spans)


_LAST_SPANS: list[tuple] = [(None, None)]  # the last (mentions, spans) of `as_spans` as tuples, replaced as one


_PAIR_SETS = tuple((p, frozenset(p.split("+"))) for p in PAIRS)


def unit_pairs(mentions: Iterable[object]) -> list[str]:
    """The pair keys present among `mentions`, in the canonical order of PAIRS."""
    present = {s.concept for s in as_spans(mentions)}
    return [p for p, both in _PAIR_SETS if both <= present]


@dataclass(frozen=True)
class Marker:
    """One marker that fired: its name, the label it votes for, where it is, and what it scopes over."""

    name: str
    label: str
    start: int
    end: int
    text: str
    scope: tuple[str, ...]
    negated: bool = False
    strength: int = UNIT

    def to_dict(self) -> dict:
        """A JSON-ready description of the marker."""
        return {"marker": self.name, "label": self.label, "text": self.text, "start": self.start,
                "end": self.end, "scope": list(self.scope), "negated": self.negated,
                "specific": self.strength == SPECIFIC}


@dataclass
class RuleVerdict:
    """The rule layer's answer for one pair in one unit."""

    pair: str
    label: str | None
    markers: list[Marker] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-ready description of the verdict."""
        return {"pair": self.pair, "rule_label": self.label, "markers": [m.to_dict() for m in self.markers]}


# --------------------------------------------------------------------------------------------------
# Marker table: (name, label, scope rule, regex). Scope rules:
#   binary  - a concept before the pivot and the other after it, in the same sentence
#   inner   - concepts inside group "l" versus concepts after the match (not X but Y; shift from X to Y)
#   target  - the concept just after the marker versus the other concept anywhere else in the unit
#   between - "between X and Y"
#   unary   - the concepts of the marker's sentence (extended to the previous sentence if needed)
#   cross   - a concept of the marker's sentence versus one of an earlier sentence ("... Instead, ...")
# A marker's pivot is group "m" when the regex has one, otherwise the whole match.
_W = r"[^.;:!?]"  # a character that stays inside the clause
_NOT_ONLY = r"(?!\s+(?:only|just|merely|simply|necessarily|least|always|all|so|yet|enough|surprisingly)\b)"


def _each(head: str, words: list[str], tail: str) -> str:
    """`head(?:word|word...)tail` written as one alternative per word: it finds the same matches (each word is
    tried with the tail before the next word, as in the group), but a marker's anchors are then the words, so
    a text runs only the words it holds (anchored on the tail's "to", the group would run in every text)."""
    return "|".join(head + w + tail for w in words)


_MARKERS: list[tuple[str, str, str, str]] = [
    # --- opposition: displacement and preference
    ("instead_of", "opposition", "binary", r"\binstead\s+of\b"),
    ("rather_than", "opposition", "binary", r"\brather\s+than\b"),
    ("rather_x_than", "opposition", "binary", r"\brather\b(?!\s+than)" + _W + r"{1,60}?(?P<m>\bthan\b)"),
    ("in_place_of", "opposition", "binary", r"\bin\s+(?:the\s+)?place\s+of\b|\bin\s+lieu\s+of\b"),
    ("as_opposed_to", "opposition", "binary", r"\bas\s+opposed\s+to\b|\bversus\b|\bvs\.?(?=\s)|\bunlike\b"),
    ("at_the_expense_of", "opposition", "binary", r"\bat\s+the\s+(?:expense|cost)\s+of\b"),
    # "closing the site in favour of a recovery model": displacement, like "instead of"
    # "dropped X in favour of Y"; being in favour of something ("she is in favour of the site") is support
    ("in_favour_of", "opposition", "binary",
     r"(?<!\bis\s)(?<!\bam\s)(?<!\bare\s)(?<!\bbe\s)(?<!\bwas\s)(?<!\bwere\s)(?<!\bbeen\s)(?<!\bvote\s)(?<!\bvoted\s)"
     r"(?<!\bvotes\s)(?<!\bspoke\s)(?<!\bspoken\s)(?<!\bspeak\s)(?<!\bspeaks\s)(?<!\bargued\s)(?<!\btestified\s)"
     r"(?<!\bstrongly\s)(?<!\bfirmly\s)(?<!\ball\s)\bin\s+favou?r\s+of\b"),
    ("preferred_over", "opposition", "binary",
     r"\b(?:prioriti[sz]\w*|priority|favou?r\w*|prefer\w*|privileg\w*|choos\w*|chose\w*|emphasi[sz]\w*|"
     r"valu\w*|put\w*|plac\w*|rank\w*)\b" + _W + r"{0,80}?(?P<m>\bover\b|\bahead\s+of\b|\babove\b)"),
    ("comma_not", "opposition", "binary", r"(?:,|\s[–—-]|—)\s*(?:and\s+)?(?:but\s+)?(?P<m>not)\b" + _NOT_ONLY),
    ("not_but", "opposition", "inner",
     r"\bnot\b" + _NOT_ONLY + r"(?P<l>" + _W + r"{1,100}?)(?P<m>\bbut\b)(?!\s+also\b)"),
    ("shift_away_from", "opposition", "inner",
     r"(?:\b(?:shift\w*|pivot\w*|transition\w*|redirect\w*|divert\w*|reallocat\w*|realign\w*|funnel\w*|reinvest\w*|"
     r"channel\w*|mov\w*\s+(?:money|funding|funds|resources|dollars|spending))\b" + _W + r"{0,50}?\bfrom\b|"
     r"\baway\s+from\b)"
     r"(?P<l>" + _W + r"{1,100}?)(?P<m>\b(?:to|toward|towards|into|in\s+favou?r\s+of)\b)"),
    ("replace", "opposition", "binary",
     # "opioid substitution clinic", "opioid substitutes": a medicine's name, no replacement
     r"(?<!opioid\s)(?<!opiate\s)(?<!nicotine\s)\b(?:replac\w*|convert\w*|substitut\w*|swap\w*|supplant\w*|(?:to|would|will|could|should|must)\s+trade\s+in|"
     r"trad(?:es|ed|ing)\s+in|displac\w*|"
     r"repurpos\w*)\b"),
    # a site turned into something else ("nine sites will transition into HART hubs", "became treatment
    # hubs"); people who move into treatment ("helps clients transition to detox") are not converted
    ("convert_into", "opposition", "binary",
     r"(?<!people\s)(?<!clients\s)(?<!patients\s)(?<!users\s)(?<!them\s)(?<!residents\s)(?<!help\s)"
     r"(?<!helps\s)(?<!helping\s)(?<!helped\s)(?<!individuals\s)\b(?P<m>(?:transition\w*|transform\w*|"
     r"morph\w*|rebrand\w*|switch\w*|turn\w*)\s+(?:(?:them|it|themselves|the\s+sites?)\s+)?(?:in)?to|"
     r"(?:become|became|becoming|reopen\w*\s+as|relaunch\w*\s+as)(?=\s+(?:an?\s+|the\s+)?(?:[\w()-]+\s+){0,6}?"
     r"(?:hubs?|centres?|centers?|clinics?|beds|facilit(?:y|ies)|programs?|programmes?|services?)\b))"),
    # "the transition of these nine sites into treatment hubs": the site before "into" is what is converted
    ("conversion_of", "opposition", "binary",
     r"\b(?:transition|conversion|transformation|rebranding)s?\s+of\s+(?:[\w'’-]+\s+){1,5}?(?P<m>into|to)\b"),
    # "readapt the province's overdose prevention sites into treatment facilities": a site object turned into
    # the other
    ("convert_object", "opposition", "binary",
     r"\b(?:convert\w*|transition\w*|transform\w*|re-?adapt\w*|retool\w*|turn\w*|repurpos\w*|remak\w*|"
     r"rebrand\w*|remodel\w*|reconfigur\w*)\s+(?=[^.;:!?]{1,60}?\b(?:sites?|facilit(?:y|ies)|centres?|centers?|"
     r"rooms?|services?|programs?|programmes?|clinics?|locations?)\b[^.;:!?]{0,25}?\binto\b)[^.;:!?]{1,85}?"
     r"(?P<m>\binto\b)"),
    # funding withheld from the other if it keeps the site ("funding will be withheld if they continue to
    # offer supervised consumption")
    ("conditional_funding", "opposition", "unary",
     r"\b(?:withh[eo]ld\w*|lose|loses|losing|lost|cut|cuts|pull\w*|revok\w*|strip\w*|den(?:y|ies|ied))\b"
     r"[^.;:!?]{0,60}?\bif\b[^.;:!?]{0,40}?\b(?:continu\w*|keep\w*|still)\b"),
    ("undermine", "opposition", "binary",
     r"\b(?:undermin\w*|sabotag\w*|discourag\w*|derail\w*|prolong\w*|perpetuat\w*|compet\w*\s+with|"
     r"threaten\w*|crowd\w*\s+out|drain\w*|siphon\w*|cannibali[sz]\w*|stand\w*\s+in\s+the\s+way\s+of|"
     r"get\w*\s+in\s+the\s+way\s+of|work\w*\s+against|runs?\s+counter\s+to|contradict\w*|"
     r"delay\w*|postpon\w*|deter(?:s|red|ring|rents?|rence)?|hinder\w*|obstruct\w*|defeat\w*|eclips\w*|"
     r"sidelin\w*|cloud\w*|dismiss\w*|trump(?:s|ed|ing)|erod\w*|weaken\w*)\b"),
    # the site's money moved to the other ("the OPS funding is being redirected to a detox clinic")
    ("funds_moved", "opposition", "binary",
     r"\b(?:redirect\w*|re-direct\w*|divert\w*|reallocat\w*|re-allocat\w*|reinvest\w*|re-invest\w*)"
     r"\s+(?:[\w'’-]+\s+){0,3}?(?P<m>to|toward|towards|into)\b"),
    # more money for one than for the other ("four times more funding for treatment than as consumption sites")
    ("more_funding_than", "opposition", "inner",
     r"\bmore\s+(?:funding|money|dollars|resources|investment|spending)\b(?P<l>" + _W + r"{1,100}?)(?P<m>\bthan\b)"),
    # preferring where money or effort goes ("better spent on recovery beds", "should go to treatment")
    ("better_spent", "opposition", "target",
     r"\b(?:better|best|wiser|more\s+wisely|more\s+usefully)\s+(?:be\s+)?(?:spent|used|invested|directed|"
     r"allocated|put|served\s+by|suited\s+(?:if|when|by|to))\s+(?:on|in|into|toward|towards|to|by)\b|"
     r"\b(?:money|funding|funds|dollars|resources)\s+(?:(?:for|on|earmarked\s+for|set\s+aside\s+for)\s+"
     r"[^.;:!?]{1,60}?\s+)?(?:should|must|would|ought\s+to)\s+(?:instead\s+)?"
     r"(?:go|be\s+(?:going|spent|put|directed|redirected))\s+(?:to|toward|towards|into|on)\b"),
    ("choice_between", "opposition", "unary",
     r"\b(?:choos\w*|choice|chose|pick\w*|decid\w*|trade-?offs?)\b" + _W + r"{0,30}\bbetween\b"),
    ("tension", "opposition", "unary",
     r"\b(?:tensions?|divides?|divisions?|divided|divisive|conflicts?|conflicting|at\s+odds|"
     r"incompatib\w*|opposites?|opposing|in\s+opposition|oppos\w*|rivals?|rivalry|clash\w*|competing|"
     r"at\s+war|battles?(?!\s+(?:(?:the|an?|this|that|our|their|its|[A-Z]\w*['’]s)\s+)?(?:[\w-]+\s+){0,2}?"
     r"(?:crisis|epidemic|addictions?|overdoses?|opioids?|drugs?|disease|deaths))|dichotom\w*|pitt(?:ed|ing)|"
     r"pits?\s+\w+\s+against|mutually\s+exclusive|antithe\w*|"
     r"enem(?:y|ies)|foes?|nemesis|"
     r"camps?|contradictions?|contradictory|disconnect|gulf|schism|rift|irreconcilable)\b"),
    # "either X or Y" sets X and Y up as alternatives only when Y follows "or" directly
    ("either_or", "opposition", "inner",
     r"\beither\b(?P<l>" + _W + r"{1,60}?)(?P<m>\bor\b)(?P<r>[^.;:!?,(]{1,40})"),
    ("enables_drug_use", "opposition", "unary",
     r"\benabl\w*\b" + _W + r"{0,25}\b(?:drug\s+use|addiction|using|use|habits?|users?)\b|"
     r"\bkeeps?\s+(?:people|them|users|addicts|patients|clients)\s+(?:using|addicted|sick|hooked|in\s+addiction)\b|"
     r"\bnormali[sz]\w*\s+(?:drug\s+use|addiction|drugs)\b|\bwrong\s+message\b|\bsubsidi[sz]\w*\s+addiction\b|"
     r"\benablement\b|\benabling\b(?!\s+(?:[A-Z]\w*\s+){1,4}to\b)|\bencourag\w*\s+(?:drug\s+use|addiction|using)\b|"
     r"\bmanag\w*\s+(?:decline|addiction|people's\s+addiction)\b|\bdead[\s-]end\b|\bgiv\w*\s+up\s+on\b"),
    ("last_resort", "opposition", "unary",
     r"\blast\s+resort\b|\bonly\s+(?:after|once|when|if)\b" + _W + r"{0,60}\bfail\w*"),
    ("only_one_way", "opposition", "unary",
     r"\b(?:abstinence|sobriety|treatment|recovery|abstinent)[\s-]+only\b|"
     r"\bthe\s+(?:only|real|true)\s+(?:answer|solution|fix|way\s+out|path|cure|goal)\b|"
     r"\bonly\s+(?:real|true|lasting)\s+(?:answer|solution|fix|path|way|cure)\b|"
     r"\bcondition\s+of\s+(?:service|treatment|entry|care|housing)\b|"
     r"\b(?:requir\w*|demand\w*|insist\w*\s+on|mandat\w*)\s+(?:\w+\s+){0,2}?(?:abstinence|sobriety)\b|"
     r"\bno\s+(?:one|body)\s+(?:ever\s+)?recover\w*\s+in\b"),
    ("instead_cross", "opposition", "cross", r"\binstead\b(?!\s+of)|\bin\s+contrast\b|\bby\s+contrast\b"),
    # --- complementary
    ("both_and", "complementary", "inner",
     r"\bboth\b(?!\s+of\s+(?:the|these|those|them|us|our|their|its|his|her)\b)(?P<l>" + _W + r"{1,80}?)(?P<m>\band\b)|\bnot\s+only\b(?P<l2>" + _W + r"{1,100}?)\bbut\s+also\b"),
    ("need_both", "complementary", "unary",
     r"\b(?:need\w*|want\w*|support\w*|fund\w*|offer\w*|provid\w*|requir\w*|take\w*|value\w*)\s+both\b|"
     r"\bboth\s+(?:are|matter|work|belong|have)\b|\bthe\s+two\s+(?:go|work|belong)\b|\beach\s+other\b|"
     r"\bone\s+another\b|\bgo\s+together\b|\bhand\s+in\s+hand\b|\bwork\w*\s+together\b|\bin\s+tandem\b|"
     r"\bside\s+by\s+side\b|\bmutually\s+(?:reinforc|support|beneficial)\w*|"
     r"\btwo\s+(?:halves|sides|parts|pieces|ends)\s+of\s+(?:the\s+same|one)\b|"
     # "we need harm reduction, and yes, we need treatment": the need said twice, once for each
     r"\b(?:we|you|they|communities|people)\s+(?:also\s+|still\s+)?need\b" + _W + r"{1,80}?\band\s+(?:yes,?\s+)?"
     r"(?:we|you|they|communities|people)\s+(?:also\s+|still\s+)?need\b"),
    # "he credits the site for his recovery": the one thanked for the other
    ("credited_for", "complementary", "inner",
     r"\bcredit(?:s|ed|ing)?\b(?P<l>" + _W + r"{1,80}?)(?P<m>\b(?:for|with)\b)"),
    # "committed to harm reduction, but also to investing in treatment": the one and the other too
    ("but_also", "complementary", "binary", r"\bbut\s+also\b"),
    ("as_well_as", "complementary", "binary",
     r"\bas\s+well\s+as\b|\balongside\b|\balong\s+with\b|\btogether\s+with\b|\bin\s+addition\s+to\b|"
     r"\bcoupled\s+with\b|\bin\s+conjunction\s+with\b|\bpaired\s+with\b|\bcombin\w*\s+with\b|"
     r"\bplus\b|\bnext\s+to\b|\bon\s+top\s+of\b|\bbeside\b|\bcomplement\w*\b|\bsupplement\w*\b|\bjoined\s+by\b"),
    ("path_to", "complementary", "target",
     r"\b(?:paths?|pathways?|doors?|doorways?|gateways?|gates?|bridges?|bridging|entry\s+points?|"
     r"on-?ramps?|stepping[\s-]+stones?|first\s+steps?|steps?|routes?|avenues?|springboards?|"
     r"portals?|way\s+in|journey|road|ladder|lifeline|foot\s+in\s+the\s+door|front\s+door)\s+"
     r"(?:back\s+)?(?:to|toward|towards|into|for|of)\b|"
     # "move them closer to treatment": nearer the other, on the way to it
     r"\b(?:mov\w*|bring\w*|brought|get\w*|got|step\w*|draw\w*|drew|nudg\w*|push\w*)\s+(?:[\w'’-]+\s+){0,3}?"
     r"(?:a\s+(?:step|little|bit)\s+)?closer\s+to(?:wards?)?\b"),
    ("connect_to", "complementary", "target",
     _each(r"(?<!instead\s)\b",
           [r"connect\w*", r"link\w*", r"refer(?!\w*\s+to\s+as\b)\w*", r"enrol\w*", r"steer\w*", r"guid\w*",
            r"navigat\w*", r"lead(?:s|ing)?", r"led", r"transition\w*", r"bring\w*", r"brought", r"usher\w*",
            r"channel\w*", r"direct\w*(?!\s+(?:money|funding|funds|resources|dollars|spending))", r"pathway",
            r"segue\w*", r"graduat\w*", r"progress(?!ive)\w*", r"feed\w*",
            # "get" and "got" apart (anchored on their own words: what they share, "to", is everywhere)
            *(verb + r"\s+(?:me|him|her|them|us|people|clients|patients|users|residents|"
                     r"(?:[\w-]+\s+){0,2}?(?:drug\s+users|addicts|individuals))"
              for verb in (r"get(?:s|ting)?", r"got(?:s|ting)?", r"mov(?:e|es|ed|ing)")),
            r"walk\w*\s+(?:me|him|her|them|people|clients|patients)\s+(?:over|across|down)"],
           r"\b" + _W + r"{0,40}?\b(?:to|into|with|toward|towards|onto)\b") +
     r"|\breferr(?:als?|ed|ing)\s+for\b|"
     # "put people who inject in contact with the recovery community"
     r"\b(?:put\w*|bring\w*|brought|get\w*|got|keep\w*|kept)\s+(?:[\w'’-]+\s+){0,5}?in\s+(?:contact|touch)\s+with\b"),
    # a place described by what people do there ("a room where clients may ask about recovery")
    ("place_where", "complementary", "provider",
     r"\bwhere\s+(?:people|persons|users|clients|individuals|patients|those|visitors|someone|anyone|participants)\b"
     r"[^.;:!?]{0,40}?\b(?:can|could|may|might|will|would|are\s+able\s+to)\s+(?:[\w'’-]+\s+){0,5}?"
     r"(?:seek|get|access|receive|find|start|begin|enter|obtain|be\s+(?:referred|connected|linked|offered))\b"),
    # one side helping people enter or take up the other ("encourage enrolment in treatment", "helped to
    # seek treatment", "offer them access to detox", "drawing users into treatment"); counts of people
    # who entered it ("1,140 entered treatment") are facts, so a helping verb must come first
    ("uptake", "complementary", "enabler",
     r"\b(?:encourag\w*|facilitat\w*|help\w*|assist\w*|allow\w*|enabl\w*|offer\w*|provid\w*|giv(?:e|es|en|ing)|"
     r"increas\w*|boost\w*|improv\w*|promot\w*|gain\w*|get|gets|getting|got|ensur\w*|easier|more\s+likely|"
     r"support\w*|want\w*|hop(?:e|es|ed|ing)|urg(?:e|es|ed|ing)|advis\w*|motivat\w*|prepar\w*|expand\w*|"
     r"widen\w*|broaden\w*|eas(?:e|es|ed|ing)|persuad\w*|convinc\w*|pressur\w*)"
     r"\s+(?:[\w'’-]+\s+){0,4}?(?:to\s+)?(?:access(?:es|ed|ing)?(?:\s+to)?|entry\s+(?:in)?to|uptake\s+(?:of|in)|"
     r"take-?up\s+of|engag(?:e|es|ed|ing|ement)\s+(?:with|in)|enrol(?:l?ment|l?ing|ls?|led)?\s+(?:in|into)|"
     r"admissions?\s+(?:to|into)|seek(?:s|ing)?(?:\s+out)?|apply(?:ing)?\s+for|(?:get|go|move)\s+into|get(?:s|ting)?(?=\s+(?:addiction\s+|drug\s+|the\s+|into\s+|some\s+|proper\s+)?(?:treatment|rehab|detox|help|sober)\b)|"
     r"enter(?:s|ed|ing)?(?:\s+into)?|pursu(?:e|es|ing)|undergo(?:es|ing)?|receiv(?:e|es|ing)|into|find(?:s|ing)?|"
     r"(?:the\s+)?(?:use|utili[sz]ation|rates?)\s+of)\b|"
     r"\b(?:draw\w*|drew|attract\w*|pull\w*|lur(?:e|es|ed|ing)|coax\w*)\s+(?:[\w'’-]+\s+){0,4}?into\b"),
    # one housed with the other ("a detox unit a floor above the site", "a room inside the treatment
    # centre", "next door to the clinic"): co-location
    ("co_located", "complementary", "binary",
     r"\b(?:(?:on\s+the\s+(?:\w+\s+)?|a\s+|one\s+)?floors?\s+(?:above|below|beneath|under)|upstairs\s+from|"
     r"downstairs\s+from|next\s+door\s+to|adjacent\s+to|attached\s+to|housed\s+(?:in|at|within|inside)|"
     r"located\s+(?:in|at|within(?!\s+\d)|inside)|(?:opens?|opened|opening|operates?|operating|based)\s+(?:inside|within)|"
     r"in\s+the\s+same\s+(?:building|premises)\s+as)\b"),
    ("integrated", "complementary", "unary",
     r"\bintegrat\w*|\bincorporat\w*|\bcontinuum\b|(?<!in)\bcompatib\w*|\bsynerg\w*|\bhybrid\b|"
     r"\bwrap-?around\b|\bfull\s+(?:range|spectrum|continuum)\b|\bspectrum\b|\bcontinuity\s+of\s+care\b|"
     r"\bunder\s+(?:one|the\s+same)\s+roof\b|\bco-?locat\w*|\bone-stop\b|\breconcil\w*|\bbridg\w*|"
     r"\balign\w*|\bno\s+wrong\s+door\b|\bpart\s+of\b|\bcomprehensive\b|\bholistic\b|\bcontinuous\b|"
     r"\bembrac\w*|\bblend\w*|\bfus\w*|\bmarry\w*|\bmarri\w*|\bweav\w*|\bbuilt\s+into\b|\bbuilds?\s+on\b|"
     r"\bgrounded\s+in\b|\bcompatible\b|\bcomplementary\b|\bcomplement(?:s|ed|ing)?\b|"
     r"\bsupport\w*\s+(?:each|one)\b|\bpartner(?:s|ed|ing)?\s+with\b|\bpartnership\w*|"
     r"\b(?:are|were|be|being|as|become|became)\s+(?:\w+\s+)?partners\b|\bco-?operat\w*|"
     r"\bcollaborat\w*|\bcoordinat\w*|\bstep\w*\s+(?:down|up)\b|\bgradual\w*|\bstage\w*|\bmultiple\s+pathways\b"),
    ("informs", "complementary", "unary",
     r"\b(?:drew|draw\w*|drawn)\s+on\b|\binform(?:s|ed|ing)?\b|\bfrom\s+(?:a|an|their|his|her)\s+\w+\s+"
     r"(?:standpoint|perspective|lens)\b|\blived\s+experience\b"),
    ("form_of", "complementary", "direct",
     r"\b(?:is|are|was)\s+(?=(?:not\s+)?(?:also\s+|itself\s+|simply\s+|just\s+|in\s+fact\s+)?"
     r"(?:(?:a|an|one|another)\s+|\w+\s+of\s+)?\w)(?!in\s|on\s)(?:not\s+)?"
     r"(?:also\s+|itself\s+|simply\s+|just\s+|in\s+fact\s+)?(?:(?:a|an|one|another)\s+)?"
     r"(?:(?:great|good|key|vital|core|important|effective|legitimate|valid|powerful|essential|central|"
     r"natural|necessary|crucial)\s+)?(?:(?:form|kind|type|part|component|element|pillar|piece|extension|"
     r"version|tool|means)\s+of\s+(?:a\s+|an\s+|the\s+)?)?|\bas\s+(?:a\s+|an\s+)?(?:(?:form|kind|type|part|"
     r"component|element|pillar|piece|extension|version|tool|means)\s+of\s+(?:a\s+|an\s+|the\s+)?)"),
    ("together", "complementary", "unary",
     r"\btogether\b|\bjoint(?:ly)?\b|\bsame\s+(?:room|building|roof|site|day|visit|team|place|journey|road)\b|"
     r"\bfollowed\s+by\b|\bsafety\s+net\b|\bcoexist\w*|\bjoin\w*\s+forces\b|\bfoundation\b|"
     # the two held equally needed ("just as important as", "crucial, just as treatment is", "each has a place")
     r"\b(?:just|equally)\s+as\s+(?:important|crucial|vital|necessary|essential|needed|valuable)\b|"
     r"\bequally\s+(?:important|crucial|vital|necessary|essential|needed|valuable)\b|(?:,|—|–|\s-)\s*just\s+as\b|"
     r"\b(?:each|all|both)\b[^.;:!?]{0,40}?\b(?:has|have)\s+(?:a|an|its|their)\s+(?:\w+\s+)?(?:place|role)\b"),
    ("until_ready", "complementary", "target", r"\blong\s+enough\s+to\b|\buntil\b|\bstability\s+to\b"),
    ("away_from", "opposition", "binary", r"\baway\s+from\b"),
    ("dismissive", "opposition", "unary",
     r"\bskeptic\w*\s+(?:of|about)|\bsuspicious\s+of|\bdistraction\b|\bdetour\b|\bsurrender\w*|"
     r"\b(?:does|do|did)\s*(?:not|n't)\s+count\b|\bcrutch\b|\bprofit\w*\s+from\b|"
     r"\bpush\w*\s+(?:people|them|patients|residents|clients)\s+(?:off|out|away)\b|\bfought\b|\bfight\w*\b|"
     r"\btrad(?:e|es|ed|ing)\b" + _W + r"{0,40}\bfor\b|\bscapegoat\w*"),
    # one concept defined to contain the other ("defined harm reduction to include recovery"); a list
    # after "include" with no concept before it stays a list
    ("includes", "complementary", "contains",
     r"\b(?:to\s+include|includ(?:es|ed)|encompass\w*|extend\w*\s+to|expand\w*\s+to|broaden\w*\s+to)\b"),
    # a service or site that itself provides the other ("the site offers same-day treatment", "the facility
    # will provide detox"): co-location, complementary; its subject is the last concept before the verb
    ("provides", "complementary", "provider",
     r"\b(?:provid(?:e|es|ing)|offer(?:s|ing)?|deliver(?:s|ing)?|dispens(?:e|es|ing)|"
     r"(?:will|also|now|to)\s+(?:provide|offer|deliver|dispense)|"
     r"(?:assist|help)(?:s|ed|ing)?\s+(?:(?:people|clients|patients|users|them)\s+)?with)\b(?!\s+only\b)"),
    # "within a recovery framework", "under a harm reduction umbrella"
    ("within_frame", "complementary", "target",
     r"\b(?:within|inside|under|into)\s+(?:a|an|the|their|its|this|one)\s+(?:broader\s+|wider\s+|larger\s+)?"
     r"(?=[\w\s'’-]{3,40}?\s(?:frameworks?|paradigms?|umbrellas?|philosoph(?:y|ies)|lens|continuum|vision)\b)"),
    # one concept named as the goal or end point of the other ("with a goal of recovery")
    ("goal_of", "complementary", "target",
     r"\b(?:goals?|aims?|end\s*points?|objectives?|hopes?|outcomes?)\s+(?:of\s+(?:that|this|the)\s+\w+\s+)?"
     r"(?:of|would\s+be|is|was|being)\b"),
    # one side as the means to the other's end ("the services they need to achieve lasting recovery")
    ("means_to", "complementary", "target",
     r"\b(?:need(?:s|ed)?\s+to|help(?:s|ed|ing)?\s+(?:\w+\s+){0,2}?(?:to\s+)?|in\s+order\s+to|so\s+as\s+to)\s*"
     r"(?:achieve|attain|reach|sustain|maintain)\b|"
     # a purpose clause: "keeping people alive so they can eventually recover"
     r"\bso\s+(?:that\s+)?(?=(?:they|people|users|clients|patients|he|she|we|you|individuals)\s+(?:can|could|may|"
     r"might|will|would)\s+(?:eventually\s+|one\s+day\s+|later\s+|then\s+|still\s+|some\s+day\s+)?"
     r"(?:recover|get\s+sober))"),
    # the attitude of one side toward the other
    ("wary_of", "opposition", "unary",
     r"\b(?:apprehensive|wary|reluctant|hesitant|uneasy|resistant|hostile|distrust\w*|mistrust\w*)\s+"
     r"(?:about|of|toward|towards|to|with)\b"),
    # --- neutral evidence
    ("list", "neutral", "unary",
     r"\b(?:such\s+as|including|includ(?:e|es)|like|e\.g\.|namely|services?|programs?|programmes?|"
     r"options?|supports?|resources?|offers?|range\s+of)\b"),
]
_COMPILED = [(n, lab, sc, re.compile(rx, re.IGNORECASE)) for n, lab, sc, rx in _MARKERS]
# "Harm reduction AND recovery": a capitalised conjunction stresses that both belong (case-sensitive)
_COMPILED.append(("emphatic_and", "complementary", "binary", re.compile(r"(?<=[a-z\s])\b(?:AND|PLUS|ALSO)\b(?=\s+[a-z])")))


class _Windowed:
    """A regex run on short windows of a unit (the words before or after a mention or a marker). Most windows
    hold none of its anchors (`framing.anchors`), and there it cannot match: one automaton pass says so,
    which is several times cheaper than the regex trying its alternatives at every position."""

    def __init__(self, pattern: re.Pattern) -> None:
        self.pattern = pattern
        index = AnchorIndex({"": [pattern]})
        self._anchored = not index.always
        self._anchors = index

    def _may_match(self, window: str) -> bool:
        return not self._anchored or bool(self._anchors.hits(fold(window)))

    def search(self, window: str) -> re.Match | None:
        """`pattern.search(window)`."""
        return self.pattern.search(window) if self._may_match(window) else None

    def match(self, window: str) -> re.Match | None:
        """`pattern.match(window)`."""
        return self.pattern.match(window) if self._may_match(window) else None

    def finditer(self, window: str) -> Iterator[re.Match]:
        """`pattern.finditer(window)`."""
        return self.pattern.finditer(window) if self._may_match(window) else iter(())


# Words that turn an opposition marker into negated opposition (and a path marker into a denial).
_NEGATOR = _Windowed(re.compile(
    r"\b(?:not|no|never|n't|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|nor|neither|without|"
    r"hardly|barely|less|lessen\w*|decreas\w*|reduc\w*|narrow\w*|clos(?:e|es|ed|ing)|overcom\w*|"
    r"end(?:s|ed|ing)?|ease\w*|heal\w*|dissolv\w*|eliminat\w*|break\w*\s+down|get\w*\s+past|"
    r"mov\w*\s+beyond|false|so-called|myth\w*|misconception\w*|mistake\w*|wrong(?:ly)?|supposed\w*|"
    r"seeming\w*|apparent\w*|perceived|needless\w*|unnecessar\w*|outdated|old|artificial|"
    r"bridg\w*|reconcil\w*|resolv\w*|navigat\w*|far\s+from|rather\s+than|instead\s+of|"
    r"overstat\w*|exaggerat\w*|overblown)\b|n't\b",
    re.IGNORECASE,
))
# the negators that deny outright, and words that call a claim false ("the myth that X is not Y")
_PLAIN_NEGATOR = re.compile(r"not|no|never|n't|\w+n't|nor|neither|without")
_DOUBTER = re.compile(r"\b(?:myth|misconception|mistake|wrong|false)\w*", re.IGNORECASE)
# Markers whose negation means the opposite label ("not incompatible", "not a path to").
_FLIPS = {"opposition": "complementary"}
_REQUIRED = re.compile(r"requir|demand|insist|mandat", re.IGNORECASE)  # abstinence as a condition
_FLIP_COMP = {"path_to", "connect_to", "uptake", "co_located", "form_of", "provides", "means_to"}
# a marker that gives way where another reads the same words more specifically: "the sites transition
# into hubs" is a conversion, not a referral
_YIELDS_TO = {"connect_to": ("convert_into", "conversion_of", "shift_away_from", "convert_object")}
# a link right after a displacement names what is pushed aside ("rather than helping them into recovery")
_DISPLACING = {"instead_of", "rather_than", "in_place_of", "as_opposed_to", "comma_not"}
_DISPLACED = {"uptake", "connect_to", "path_to", "provides"}
_NEG_WINDOW = 60
_ADDITIVE_NOT = re.compile(r"\bnot\s+(?:only|just|merely|simply|least)\b", re.IGNORECASE)
_DASH_ASIDE = re.compile(r"[—–][^—–.;!?]{1,80}[—–]|\s-\s[^.;!?]{1,80}\s-\s")
# a link that (almost) never happens: "few of its visitors are persuaded to try", "only 3% ... led to"
_FEW = re.compile(r"\b(?:(?:very\s+)?few\b(?!\s+(?:more|others?)\b)|"
                  r"only\s+(?:a\s+)?(?:small\s+|tiny\s+)?(?:handful|fraction|minority|\d[\d.,]*\s*(?:%|per\s*cent|percent))|"
                  r"rarely|seldom|fail(?:s|ed|ing)?\s+to|unable\s+to)",
                  re.IGNORECASE)
# a link made for nobody ("directed no users to treatment") or lowered ("would decrease their motivation of
# seeking treatment"): it fails
_NONE_LINKED = re.compile(r"\b(?:no|none|nobody|no\s+one|zero)\b", re.IGNORECASE)
_LOWERED = re.compile(r"\b(?:decreas|reduc|lower|diminish|sap|weaken|erod|dampen|destroy|kill)\w*\s+"
                      r"(?:(?!(?:and|or)\b)[\w'’´-]+\s+){0,3}$", re.IGNORECASE)
_PLAIN_NOT = re.compile(r"\b(?:not|never|no|cannot)\b|n't\b", re.IGNORECASE)
_NOT = re.compile(r"\bnot\b", re.IGNORECASE)
_NEAR = 60  # how far (characters) a unit-wide marker may sit from the pair's closest mentions
# "... is overstated", "..., but that is a myth": a denial after the marker, in the same sentence.
_AFTER_DENIAL = _Windowed(re.compile(r"^[^.;!?]{0,80}?\b(?:is|are|was|were|has\s+been|have\s+been|seems?)\s+"
                           r"(?:\w+\s+)?(?:overstat\w*|exaggerat\w*|overblown|a\s+myth|false|a\s+false\s+\w+|"
                           r"wrong|mistaken|illusory|an?\s+illusion|artificial|outdated|fading|disappear\w*|"
                           r"narrowing|shrinking|dissolv\w*)\b",
                           re.IGNORECASE))

# What a negated auxiliary must refuse, or fail to do, to be a refusal ("will not offer", "does not fund",
# "will never get anyone sober"), unlike a reported non-event ("did not ask about", "had never used")
_PROVISION = (r"(?:offer|provid|distribut|dispens|fund|financ|allow|permit|includ|support|operat|run|open|host|"
              r"approv|licen[cs]|renew|"
              r"accept|admit|prescrib|pay|cover|endors|back|pursu|expand|continu|tolerat|sanction|authori[sz]|"
              r"house|locat|build|recommend|participat|get|need|treat|lead|work|mention|help|make|bring|achiev|cur|fix|solv|do|go|"
              # "have" as possession ("will not have supervised consumption"), not "have to" or "have met"
              r"hav(?:e|ing)\b(?!\s+(?:to|been|\w+ed|\w+en|met|seen|done|had|gone|made|got|kept|brought|told|said|"
              r"shown|thought|felt|held|built|lost|paid|sent|spent|won|put|set|let|led|meant|sought|heard|found|left|"
              r"come|become|run|stood|understood|taught|caught|bought|fought)\b)|"
              r"be\s+(?:offered|provided|funded|allowed|permitted|part|found|reduced))\w*")
# A concept that a unit explicitly refuses while it affirms the other ("will not offer supervised consumption").
_REFUSAL = _Windowed(re.compile(
    r"(?:\b(?:(?:will|would|does|do|did|can|could|should|shall|must)\s*(?:not|n't)|won't|never)\s+"
    r"(?:be\s+able\s+to\s+)?(?:\w+\s+){0,2}?" + _PROVISION + r"|\bno\s+longer\b|"
    r"\brefus\w*|\bturn\w*\s+away|\bkick\w*\s+out|\bevict\w*|\bexpel\w*|"
    r"\bdeclin\w*\s+to\b(?!\s+(?:comment|say|discuss|answer|respond|speculate|elaborate|confirm|reveal|disclose|"
    r"specify|be\s+interviewed|give|name|identify))|\bban(?:s|ned|ning)?|\bexclud\w*|\bbar(?:s|red|ring)?|"
    r"\bblock(?:s|ed|ing)?\b(?!\s+(?:from|away|north|south|east|west|of)\b)|\bshut\w*(?:\s+down)?|"
    r"\b(?:closures?|conversions?)\s+of\b|\bclos(?:e|es|ed|ing)(?:\s+down)?(?!\s+(?:cooperation|co-operation|collaboration|partnership|contact|"
    r"proximity|ties|relationships?|to|by|attention|eye|watch|monitoring|working|links?|connections?|quarters)\b)|"
    r"\bcancel\w*|\bscrap\w*|\bdefund\w*|\babandon\w*|\breject\w*|"
    # "remove the site", not "remove barriers to treatment"
    r"\bremov(?:e|es|ed|ing|al\s+of)\b(?!\s+(?:the\s+|any\s+)?(?:[\w-]+\s+)?(?:barriers?|obstacles?|stigma|hurdles?|"
    r"red\s+tape|restrictions?|limits?|caps?|requirements?|waits?|waitlists?|wait\s+lists?)\b)|"
    r"\bphas\w*\s+out|\bdismantl\w*|\bshelv(?:e|es|ed|ing)\b|\bput\s+on\s+hold|\bh[eo]ld\w*\s+off\s+on|\bwind\w*\s+down|\bcut\w*|\bwithout\s+(?:offering|providing|allowing|any)|\bend(?:s|ed|ing)?(?!\s+(?:up\b|points?|goals?|results?|states?|users?|of\b))|\bstop\w*|\bhalt\w*|"
    r"\boppos(?:e|es|ed|ing)|\bagainst|\brestrict(?:s|ed|ing)?|\bcurtail\w*|\bpaus(?:e|es|ed|ing)|"
    r"\bfreez(?:e|es|ing)|\bfroze|\brevok\w*|\bveto(?:es|ed|ing)?|\bprohibit\w*|\boutlaw\w*|\bcrack\w*\s+down\s+on|"
    r"\bpull\w*\s+(?:the\s+)?(?:plug|funding)\s+(?:on|from)|\bdeny|\bdenie[sd]|\beliminat\w*|\blos(?:e|es|ing|t)\b(?=\s+(?:[\w'’-]+\s+){0,3}?(?:safe|supervised|overdose\s+prevention|consumption|"
    r"injection|harm|sites?|funding|access)\b|(?:\s+[\w'’-]+){0,2}\s*$))\b"
    # the refusing word reaches its concept within its own clause; a comma and a new gerund start another item
    # of a list ("stopping overdoses, giving access to treatment")
    r"(?:(?!,\s+(?:the|a|an|its|their|his|her|and|but|while|as|which|who|\w+ing)\b)[^.;:!?]){0,35}$|\bno\s+(?:[\w-]+\s+)?$",
    re.IGNORECASE,
))
# ... or shut down after it ("the consumption site will close"; not "will not have to close").
# the words between a mention and its closing stay in the mention's clause (not "recovery, but the beds ...")
_SAME_CLAUSE = r"(?:(?!,\s*(?:but|and|while|whereas|yet|though|although)\b|\s(?:but|while|whereas)\s)[^.;:!?]){0,25}?"
_REFUSAL_AFTER = _Windowed(re.compile(
    r"^" + _SAME_CLAUSE + r"(?<!\bnot\shave\s)(?<!n't\shave\s)(?<!\bnot\sneed\s)(?<!n't\sneed\s)(?<!\bno\sneed\s)"
    r"\b(?:will|would|is\s+to|are\s+to|to)\s+(?:be\s+)?(?:clos\w*|shut\w*|end\w*|scrapp\w*|"
    r"defund\w*|phas\w*\s+out|wound\s+down|disband\w*)|^" + _SAME_CLAUSE + r"\b(?:was|were|has\s+been|have\s+been|"
    r"is\s+being|are\s+being|has|have|had)\s+(?:now\s+|since\s+|already\s+)?(?:clos\w*|shut\w*|scrapp\w*|"
    r"defunded|cancel\w*|ended|ceased)\b|^\s*(?:sites?\s+|services?\s+)?(?:closures?|shutdowns?)\b|"
    r"^\s*(?:(?:is|are)\s+)?(?:clos(?:e|es|ing)|shut(?:s|ting)?\s+down)\b(?!\s+(?:to|in\s+on|by)\b)",
    re.IGNORECASE,
))
_RIGHT_STOP = re.compile(r"[;:]|,\s+(?:and|but|while|whereas|yet|or|which|who)\b|\s[—–-]\s|\bbut\b|\bwhile\b",
                         re.IGNORECASE)
# "while expanding access" (while + gerund) goes on with the same subject, so it breaks no clause
# a non-restrictive relative clause between commas: an aside about the noun before it
_ASIDE = re.compile(r",\s+(?:which|who)\b[^,;:.!?]{1,160},")
_CLAUSE_BREAK = re.compile(r"[;:!?]|\.(?=\s)|—|\s-\s|\bbut\b|\bwhile\b(?!\s+(?:also\s+)?\w+ing\b)|\bwhereas\b|"
                           r"\bhowever\b|\byet\b",
                           re.IGNORECASE)


# the words between a verb and the last item of its object list: noun phrases joined by commas, "and" or
# "including", with no clause of their own (no relative word, finite verb or infinitive)
_OBJECT_LIST = re.compile(r"(?:(?!\b(?:that|which|who|whom|whose|where|when|because|if|so|to|is|are|was|were|be|"
                          r"been|will|would|can|could|should|may|might|must|has|have|had|do|does|did|offer\w*|"
                          r"provid\w*|deliver\w*)\b)"
                          r"[^.;:!?—()])*"
                          r"[,]?\s*(?:and\s+|or\s+|including\s+|such\s+as\s+|like\s+)?"
                          r"(?:(?!(?:offer|provid|deliver)\w*\b)[\w'’-]+\s+){0,3}$",
                          re.IGNORECASE)


def _breaks(text: str, lo: int, hi: int) -> bool:
    """True when a clause break starts between `lo` and `hi` (the break may look past `hi`: "while expanding").
    A break inside a relative clause set off by commas ("SIFs, which are legal abroad but banned here, help
    ...") belongs to that aside, not to the clause around it."""
    found = _CLAUSE_BREAK.search(text, lo)
    while found is not None and found.start() < hi:
        aside = next((a for a in _ASIDE.finditer(text, lo, hi) if a.start() < found.start() < a.end()), None)
        if aside is None:
            return True
        found = _CLAUSE_BREAK.search(text, aside.end())
    return False


_SENT_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n\s*\n")
_FUSED_GAP = re.compile(r"^\s*[-–/]?\s*(?:(?:oriented|based|informed|focused|centred|centered|led|first|"
                        r"friendly|minded|driven|style|type)\s*[-–]?\s*)?$", re.IGNORECASE)
# the gap between two items of a plain list: an optional head noun closing the first item ("detox
# models and naloxone kits"), the conjunction, then a few modifiers of the next ("residential detox")
_LIST_GAP = re.compile(r"^(?:\s+(?:programs?|programmes?|models?|services?|options?|beds?|facilities|supports?|"
                       r"initiatives?|efforts?|resources|interventions?|strateg(?:y|ies)|approach(?:es)?))?"
                       r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or|and/or|&)\s+|\s*/\s*)"
                       r"(?:(?:other|more|drug|peer|opioid|addiction|substance|use|their|its|local|"
                       r"new|free|on-site|residential|inpatient|outpatient|medical|clinical|community|voluntary|"
                       r"comprehensive|proven|(?!(?:non|anti)-)[a-z]+-[a-z]+)\s+){0,3}$", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(?:but|however|whereas|while|although|though|yet|on\s+the\s+other\s+hand|"
                       r"instead|unlike|only|just|real|actually|alone)\b", re.IGNORECASE)


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; used only to scope markers inside a unit.

    The markers and the rules of each of a unit's pairs ask for the same text's bounds: the last answer is
    kept and reused (callers only read it)."""
    last = _LAST_BOUNDS[0]  # read once: another thread may replace it meanwhile
    if last[0] == text:
        return last[1]
    bounds, start = [], 0
    for m in _SENT_END.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    out = [b for b in bounds if text[b[0]:b[1]].strip()] or [(0, len(text))]
    _LAST_BOUNDS[0] = (text, out)
    return out


# the last (text, bounds) of `sentence_bounds`, replaced as one; at first no text (nothing equals a bare object)
_LAST_BOUNDS: list[tuple] = [(object(), [])]


def _sentence_of(pos: int, bounds: list[tuple[int, int]]) -> int:
    for i, (s, e) in enumerate(bounds):
        if s <= pos < e:
            return i
    return len(bounds) - 1


def _mask(text: str, spans: Sequence[Span]) -> str:
    """`text` with concept mentions blanked out, so "harm reduction" never reads as a negator."""
    chars = list(text)
    for s in spans:
        chars[s.start:s.end] = "x" * (s.end - s.start)
    return "".join(chars)


def _without_additive(window: str) -> str:
    """`window` with "not only", "not just" ... blanked: "not only provides treatment" adds, it denies nothing."""
    return _ADDITIVE_NOT.sub(lambda a: " " * len(a.group(0)), window) if "not" in window.lower() else window


def _denies(window: str) -> bool:
    """True when a plain negator ("not", "never", "no", "cannot", "n't") stands in `window`."""
    return _PLAIN_NOT.search(_without_additive(window)) is not None


# a verb of thinking or saying whose clause opens with the marker: "not believe that enabling drug use ..."
_REPORTED_SUBJECT = re.compile(r"\b(?:believ\w*|think\w*|thought|agree\w*|accept\w*|say|says|said|claim\w*|"
                               r"feel|feels|felt|expect\w*|suggest\w*|convinced)\s+(?:that\s+)?"
                               r"(?:(?:the|this|these|such)\s+)?$", re.IGNORECASE)


def _negated(text: str, start: int, floor: int, end: int | None = None) -> bool:
    """True when an odd number of negators sit just before `start` in the same clause."""
    lo = max(floor, start - _NEG_WINDOW)
    # an aside between paired dashes ("did not see the two—X and Y—as rivals") does not end the clause
    window = _DASH_ASIDE.sub(lambda a: " " * len(a.group(0)), text[lo:start])
    window = _without_additive(window)
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    reported = _REPORTED_SUBJECT.search(window)
    if reported:  # "I do not believe that enabling drug use ... will": the denial is of the clause's claim
        window = window[reported.end():]
    hits = [m.group(0).lower() for m in _NEGATOR.finditer(window)]
    if hits:
        plain = [h for h in hits if _PLAIN_NEGATOR.fullmatch(h)]
        if plain and _DOUBTER.search(text[max(floor, start - 2 * _NEG_WINDOW):start]):
            return len(plain) % 2 == 0  # "the myth that X is not Y" asserts X is Y
        return True
    return end is not None and bool(_AFTER_DENIAL.match(text[end:end + 60]))


def _scope(kind: str, m: re.Match, spans: list[Span], text: str,
           bounds: list[tuple[int, int]], si: int) -> list[tuple[set[str], set[str]]]:
    """The (side_a, side_b) concept sets a marker relates; a pair fires if one concept is on each side.
    `si`: the index in `bounds` of the marker's sentence."""
    piv_s, piv_e = (m.start("m"), m.end("m")) if "m" in m.re.groupindex and m.group("m") else m.span()
    s_lo, s_hi = bounds[si]
    in_sent = [s for s in spans if s_lo <= s.start < s_hi]
    if kind == "binary":
        left = {s.concept for s in in_sent if s.end <= piv_s}
        after = [s for s in in_sent if s.start >= piv_e and s.start - piv_e <= 140]
        stop = _RIGHT_STOP.search(text, piv_e, s_hi)
        right = {s.concept for s in after if stop is None or s.start < stop.start()}
        sides = [(left, right)]
        if not left and after:
            # "Rather than X, Y" / "convert X into Y": the first concept after the marker vs later ones; a
            # fronted marker ("Unlike X, Y ...") ends its phrase at the first comma, so "X, Y" is no list there
            first = after[0]
            fronted = not text[s_lo:m.start()].strip(" \t\n\"'“‘(")
            later = [s for s in after if s.concept != first.concept and s.start > first.end
                     and (not _LIST_GAP.match(text[first.end:s.start]) or (fronted and "," in text[first.end:s.start]))]
            sides.append(({first.concept}, {s.concept for s in later}))
        return sides
    if kind == "inner":
        for g in ("l", "l2"):
            if g in m.re.groupindex and m.group(g) is not None:
                ls, le = m.span(g)
                inner = {s.concept for s in in_sent if s.start >= ls and s.end <= le}
                if "r" in m.re.groupindex and m.group("r") is not None:
                    rs, re_ = m.span("r")
                    right = {s.concept for s in in_sent if s.start >= rs and s.start < re_}
                else:
                    right = {s.concept for s in in_sent if s.start >= le and s.start - le <= 140}
                if not right and "from" in text[m.start():ls].lower():
                    # "the clinic that switched from an injection site to a care hub": the subject is the
                    # new thing when nothing the pair knows follows "to"
                    right = {s.concept for s in in_sent if s.end <= m.start()} - inner
                return [(inner, right)]
        return []
    if kind == "contains":
        before = [s for s in in_sent if s.end <= m.start() and m.start() - s.end <= 80
                  and not _breaks(text, s.end, m.start())]
        if not before:
            return []
        stop = _RIGHT_STOP.search(text, m.end(), s_hi)
        right = {s.concept for s in in_sent if s.start >= m.end() and s.start - m.end() <= 100
                 and (stop is None or s.start < stop.start())}
        return [({before[-1].concept}, right)]
    if kind in ("provider", "enabler"):
        # a provider's subject sits close before its verb; an enabler's anywhere earlier in the clause
        reach = 80 if kind == "provider" else s_hi - s_lo
        before = [s for s in in_sent if s.end <= m.start() and m.start() - s.end <= reach
                  and not _breaks(text, s.end, m.start())]
        obj = [s for s in in_sent if s.start >= m.end() and s.start - m.end() <= 40
               and not _breaks(text, m.end(), s.start)]
        if not before:
            return []
        subject = before[-1].concept
        objects = _list_run(text, obj[0], in_sent) if obj else []  # "offers detox and recovery housing"
        own_only = all(s.concept == subject for s in objects)
        if own_only:
            # "provide sterile equipment, health care and treatment referrals": the object list runs on past
            # the subject's own kind, which is then no target
            objects += [s for s in in_sent if 40 < s.start - m.end() <= 160 and not _breaks(text, m.end(), s.start)
                        and _OBJECT_LIST.match(text, m.end(), s.start)]
        targets = {s.concept for s in objects}
        if obj and own_only:
            targets.discard(subject)
        return [] if subject in targets or not targets else [({subject}, targets)]
    if kind == "target":
        right_spans = [s for s in spans if s.start >= m.end() and s.start - m.end() <= 40]
        if not right_spans:
            return []
        first = min(right_spans, key=lambda s: s.start)
        # "a path to treatment and recovery": the listed items are both targets
        target = {s.concept for s in _list_run(text, first, spans)}
        others = {s.concept for s in spans if s.concept not in target}
        return [(target, others)]
    if kind == "direct":
        right_spans = [s for s in spans if 0 <= s.start - m.end() <= 1]
        if not right_spans:
            return []
        target = {right_spans[0].concept}
        return [(target, {s.concept for s in in_sent if s.end <= m.start()} - target)]
    if kind == "cross":
        here = {s.concept for s in in_sent}
        before = {s.concept for s in spans if s.start < s_lo or (s_lo <= s.start < m.start())}
        return [(here, before)]
    # unary: concepts of the sentence; if fewer than two, add those of the previous sentence
    here = {s.concept for s in in_sent}
    if len(here) >= 2 and _OPPOSED_TO.fullmatch(m.group(0)) and _opposes_all(text, m, in_sent, s_hi):
        return []
    if len(here) < 2 and si > 0:
        p_lo, p_hi = bounds[si - 1]
        here |= {s.concept for s in spans if p_lo <= s.start < p_hi}
    return [(here, here)]


# opposing what follows ("residents opposed to a proposal for an injection site and detox clinic")
_OPPOSED_TO = re.compile(r"oppos(?:e|es|ed|ing|ition)", re.IGNORECASE)
_MUTUAL = re.compile(r"\b(?:each\s+other|one\s+another|between|versus|vs\.?)\b", re.IGNORECASE)


def _opposes_all(text: str, m: re.Match, in_sent: list[Span], s_hi: int) -> bool:
    """True when every concept of the sentence sits in one list that is the object of an opposing word: the
    stance is against them all, not between them."""
    after = sorted((s for s in in_sent if s.start >= m.end()), key=lambda s: s.start)
    if not after or after[0].start - m.end() > 60 or any(s.start < m.start() for s in in_sent) \
            or _MUTUAL.search(text, m.end(), s_hi):
        return False
    run = _list_run(text, after[0], in_sent)
    return {s.concept for s in run} == {s.concept for s in in_sent}


# "the Opposition health critic", "Official Opposition", "opposition parties", "the opposition, led by": a
# party, not a stance.
_PARTY = re.compile(r"(?:official\s+)?opposition\s+(?:part(?:y|ies)|leaders?|critics?|health\s+critic|"
                    r"mpps?|mlas?|mps|members?|benches|house\s+leader|spokes\w+|caucus|ndp|liberals?|"
                    r"conservatives?|labou?r|democrats?|republicans?|legislators?|lawmakers?|politicians?)\b|"
                    r"official\s+opposition\b|opposition,?\s+led\s+by\b", re.IGNORECASE)
_OPPOSITION_WORD = re.compile(r"\bopposition\b", re.IGNORECASE)


def _party_sense(text: str, m: re.Match) -> bool:
    """True when a match of "opposition" names the political Opposition rather than a stance."""
    word = m.group(0)
    if not word.lower().startswith("opposition"):
        return False
    if _PARTY.match(text, m.start()) or _PARTY.search(text[max(0, m.start() - 9):m.end()]):
        return True
    before = text[:m.start()].rstrip()
    return word[0] == "O" and bool(before) and not _AFTER_STOP.search(before)  # "the Opposition"


def mask_party(text: str) -> str:
    """`text` with every "opposition" that names the political Opposition replaced by OPPOSITIONPARTY, so that
    learned n-grams never read the party as a stance.

    >>> mask_party("Opposition health critic Dana Roy backed the site.")
    'OPPOSITIONPARTY health critic Dana Roy backed the site.'
    """
    return _OPPOSITION_WORD.sub(lambda m: "OPPOSITIONPARTY" if _party_sense(text, m) else m.group(0), text)


_NAME_START_END = re.compile(r"[.!?:\"“‘(\n•-]$")  # what a name's first word follows: a stop, quote or bullet
_NAME_GOES_ON = re.compile(r"\s+(?:(?:of|on|for|and|the|&)\s+)?[A-Z]")
_NAME_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _in_proper_name(text: str, m: re.Match) -> bool:
    """True when a marker word is capitalised inside a sentence and opens a run of capitalised words (the
    name of a committee, a board or a programme), in a text that is not itself a title-case headline."""
    word = m.group(0)
    if not word[:1].isupper():
        return False  # most marker words: told before the text before them is looked at
    before = text[:m.start()].rstrip()
    if not before or _NAME_START_END.search(before):
        return False
    if not _NAME_GOES_ON.match(text, m.end()):
        return False
    long_words = [w for w in _NAME_WORD.findall(text) if len(w) > 3]
    return not long_words or sum(w[0].isupper() for w in long_words) < 0.8 * len(long_words)  # no headline


_MARKER_INDEX: list[tuple[AnchorIndex, list[Alternation]]] = []
# every unit with a pair names two concepts: a marker anchored on these words would run in nearly all of them
# ("treatment-only" is anchored on "only" instead)
_CONCEPT_WORDS = ("harm reduction", "treatment", "recovery", "abstinence", "abstinent", "sobriety")


def _marker_anchors() -> tuple[AnchorIndex, list[Alternation]]:
    """The literal anchors of every alternative of every marker regex in one automaton (built on first use),
    and the markers split into those alternatives (`framing.anchors.Alternation`), in `_COMPILED` order."""
    if not _MARKER_INDEX:
        alternations = [Alternation(str(i), rx) for i, (_, _, _, rx) in enumerate(_COMPILED)]
        keyed = {k: v for alternation in alternations for k, v in alternation.keyed().items()}
        _MARKER_INDEX.append((AnchorIndex(keyed, avoid=dict.fromkeys(keyed, _CONCEPT_WORDS)), alternations))
    return _MARKER_INDEX[0]


_PLANS: dict[frozenset[str], list[tuple[str, str, str, re.Pattern]]] = {}
_PLAN_CACHE_SIZE = 4096


def _marker_plan(text: str) -> list[tuple[str, str, str, re.Pattern]]:
    """(name, label, kind, narrowed regex) of the markers that can match in `text`, in `_COMPILED` order: only
    the alternatives whose anchors occur (framing.anchors), one plan per set of anchors found."""
    index, alternations = _marker_anchors()
    present = frozenset(index.keys_in(text))
    plan = _PLANS.get(present)
    if plan is None:
        if len(_PLANS) >= _PLAN_CACHE_SIZE:
            _PLANS.clear()
        plan = _PLANS[present] = [(name, label, kind, rx) for (name, label, kind, _), alternation
                                  in zip(_COMPILED, alternations) if (rx := alternation.narrowed(present)) is not None]
    return plan


_LAST_MARKERS: list[tuple] = [((), [])]  # the last unit's markers: every pair of one unit shares them


def find_markers(text: str, spans: Sequence[Span]) -> list[tuple[Marker, list[tuple[set[str], set[str]]]]]:
    """Every marker in `text` with its scope sides (before deciding which pair it concerns).

    Markers do not depend on the pair, so the last unit's answer is kept and reused for its other pairs
    (callers only read it)."""
    key = (text, tuple(spans))
    last = _LAST_MARKERS[0]
    if last[0] == key:
        return last[1]
    out = _find_markers(text, spans)
    _LAST_MARKERS[0] = (key, out)
    return out


_PART_OF = re.compile(r"part\s+of", re.IGNORECASE)
_WHOLE = re.compile(r"\s+(?:(?:the|a|an|our|its|their|this|that|his|her|[\w'’-]+[’']s)\s+)?(?:[\w'’-]+\s+){0,3}?$")


def _whole_is_concept(text: str, end: int, spans: Sequence[Span]) -> bool:
    """A concept names the whole after "part of", within a few words ("part of a recovery-oriented system",
    "part of the suite of treatments"), so the part belongs to it."""
    return any(end <= s.start <= end + 45 and _WHOLE.match(text[end:s.start]) for s in spans)


def _find_markers(text: str, spans: Sequence[Span]) -> list[tuple[Marker, list[tuple[set[str], set[str]]]]]:
    bounds = sentence_bounds(text)
    masked = _mask(text, spans)
    spans = list(spans)  # one list for every marker's scope
    out = []
    for name, label, kind, rx in _marker_plan(text):
        for m in rx.finditer(text):
            if name == "tension" and _party_sense(text, m):
                continue
            if kind == "unary" and _in_proper_name(text, m):
                continue  # "the Joint Committee on ... Recovery", "Integrated Care Board": a word of a name
            if name == "replace" and any(s.start <= m.start() and m.end() <= s.end for s in spans):
                continue  # a word of a treatment's name ("opioid substitution therapy") replaces nothing
            if name == "integrated" and _PART_OF.fullmatch(m.group(0)) and not _whole_is_concept(text, m.end(), spans):
                continue  # "as part of the province's budget": a part of something that is no concept
            si = _sentence_of(m.start(), bounds)
            sides = _scope(kind, m, spans, text, bounds, si)
            if not sides:
                continue
            if label == "neutral":
                neg = False
            elif kind == "unary" or name == "form_of":
                neg = _negated(masked, m.start(), bounds[si][0], m.end())
            else:  # displacement and path markers are negated only by a plain "not"
                neg = _denies(masked[max(bounds[si][0], m.start() - 25):m.start()])
                if not neg and name in _FLIP_COMP:  # "only 3% of visits led to referrals": a link that fails
                    neg = bool(_FEW.search(masked[max(bounds[si][0], m.start() - 60):m.start()])
                               or _NONE_LINKED.search(m.group(0))
                               or _LOWERED.search(masked[max(bounds[si][0], m.start() - 40):m.start()]))
            if name == "form_of" and _NOT.search(m.group(0)):
                neg = not neg
            lab = label
            if neg and name == "only_one_way" and _REQUIRED.match(m.group(0)):
                lab = "neutral"  # "works without requiring abstinence": what the approach asks, no stance on the two
            elif neg and label == "opposition":
                lab = _FLIPS[label]
            elif neg and name in _FLIP_COMP:
                lab = "opposition"
            elif neg and name == "integrated" and _denies(masked[max(bounds[si][0], m.start() - 25):m.start()]):
                lab = "opposition"  # "not part of", "cannot be integrated", "not compatible with"
            elif neg:
                lab = label  # "not both" etc. stays a weak complementary cue
            strength = UNIT if kind == "unary" else SPECIFIC
            out.append((Marker(name, lab, m.start(), m.end(), m.group(0), (), neg, strength), sides))

    def yields(mk: Marker) -> bool:
        if mk.name in _DISPLACED and any(o.name in _DISPLACING and 0 <= mk.start - o.end <= 2 for o, _ in out):
            return True  # "instead of getting them into treatment": the alternative pushed aside, no link
        return any(o.name in _YIELDS_TO.get(mk.name, ()) and mk.start < o.end and o.start < mk.end for o, _ in out)
    return [(mk, sides) for mk, sides in out if not yields(mk)]


def _overlap(x: Span, y: Span) -> bool:
    """True when two mentions share characters (one name carrying both concepts)."""
    return x.start < y.end and y.start < x.end


def _fused(text: str, x: Span, y: Span) -> bool:
    """True when two mentions (one of each concept) are fused: one name, a compound or a title."""
    if _overlap(x, y):
        return True  # overlapping mentions: one name carrying both concepts
    first, second = (x, y) if x.start <= y.start else (y, x)
    gap = text[first.end:second.start]
    return len(gap) <= 14 and _FUSED_GAP.match(gap) is not None


def _list_run(text: str, first: Span, spans: Sequence[Span]) -> list[Span]:
    """`first` and the mentions listed or fused right after it ("detox, rehab and recovery housing", the
    parts of one name: "an Addiction Recovery Treatment Hub")."""
    run = [first]
    for s in sorted(spans, key=lambda s: s.start):
        gap = text[run[-1].end:s.start]
        if s.start >= run[-1].end and ((len(gap) <= 40 and _LIST_GAP.match(gap))
                                        or (len(gap) <= 14 and _FUSED_GAP.match(gap))):
            run.append(s)
    return run


_WORD = re.compile(r"[A-Za-z][\w'-]*")


def _title_case_run(text: str, a: list[Span], b: list[Span]) -> bool:
    for x in a:
        for y in b:
            first, second = (x, y) if x.start <= y.start else (y, x)
            # the capitals first: most mentions are lower case, so the words are seldom looked at
            if not (text[first.start:first.start + 1].isupper() and text[second.start:second.start + 1].isupper()):
                continue
            span = text[first.start:second.end]
            big = [w for w in _WORD.findall(span) if len(w) > 3]
            if len(span) <= 70 and big and all(w[0].isupper() for w in big):
                return True
    return False


def _in_list(text: str, a: list[Span], b: list[Span], spans: list[Span]) -> bool:
    """True when the two concepts are items of one plain list ("A, B and C"), directly or via other items."""
    for x in a:
        for y in b:
            if x.start < y.end and y.start < x.end:
                continue  # one name holding both ("Consumption and Treatment Services") is no list
            first, second = (x, y) if x.start <= y.start else (y, x)
            chain = [first] + [s for s in spans if first.end <= s.start and s.end <= second.start] + [second]
            if all(len(text[p.end:q.start]) <= 40 and _LIST_GAP.match(text[p.end:q.start])
                   for p, q in zip(chain, chain[1:]) if q.start >= p.end):
                return True
    return False


def _beside_double_names(sa: list[Span], sb: list[Span], spans: Sequence[Span]) -> tuple[list[Span], list[Span]]:
    """The two concepts' mentions, where a site's name carries both ("CTS", "Consumption and Treatment
    Services") and the other concept is also named outside it: the name then stands for the site alone, so
    "CTS sites will become HART hubs" sets the site against the hubs. A name beside another mention of
    harm reduction ("supervised consumption sites, called CTS in Ontario") stays one name. For a pair
    without harm reduction, a word inside a site's name counts only where the concept is nowhere else."""
    if sa[0].concept != "HARM_REDUCTION":
        sites = [h for h in spans if h.concept == "HARM_REDUCTION"]
        outside_a, outside_b = ([x for x in side if not any(_overlap(x, h) for h in sites)] for side in (sa, sb))
        return outside_a or sa, outside_b or sb
    inside = [y for y in sb if any(_overlap(x, y) for x in sa)]
    if not inside:
        return sa, sb  # most pairs: no name carries both
    outside = [y for y in sb if y not in inside]
    only_names = all(any(_overlap(x, y) for y in inside) for x in sa)  # harm reduction lives only in the names
    return (sa, outside) if inside and outside and only_names else (sa, sb)


def rule_relation(text: str, mentions: Iterable[object], pair: str) -> RuleVerdict:
    """The rule verdict for `pair` in `text` given the unit's concept mentions.

    >>> from framing.relations import Span
    >>> t = "The province funds treatment instead of harm reduction."
    >>> rule_relation(t, [Span("TREATMENT", 19, 28), Span("HARM_REDUCTION", 40, 54)],
    ...               "HARM_REDUCTION+TREATMENT").label
    'opposition'
    """
    a, b = split_pair(pair)
    key = f"{a}+{b}"
    spans = as_spans(mentions)
    sa = [s for s in spans if s.concept == a]
    sb = [s for s in spans if s.concept == b]
    feats: dict[str, float] = {}
    if not sa or not sb:
        return RuleVerdict(key, None, [], {"absent": 1.0})
    kept_a, kept_b = _beside_double_names(sa, sb, spans)
    if len(kept_a) + len(kept_b) < len(sa) + len(sb):  # the set-aside words relate nothing for this pair
        spans = [s for s in spans if s.concept not in (a, b) or s in kept_a or s in kept_b]
        sa, sb = kept_a, kept_b
    fired: list[Marker] = []
    bounds = sentence_bounds(text)
    for marker, sides in find_markers(text, spans):
        hit = False
        for left, right in sides:
            forward, backward = a in left and b in right, b in left and a in right
            if forward and backward and left != right:
                continue  # both concepts on both sides of a two-sided marker: it does not set them apart
            if forward or backward:
                hit = True
                scope = (a, b) if forward else (b, a)
                break
        if hit and marker.strength == UNIT and not _near(marker, sa, sb, bounds):
            hit = False  # a unit-wide word far from both concepts in a long sentence says nothing of them
        counted = f"m:{marker.name}" if hit else f"u:{marker.name}"
        feats[counted] = feats.get(counted, 0.0) + 1.0
        if hit:
            feats[f"m:{marker.name}:{marker.label}"] = 1.0
            if marker.negated:
                feats[f"neg:{marker.name}"] = 1.0
            if marker.label != "neutral" or marker.negated:  # a negation that leaves no stance decides too
                fired.append(Marker(marker.name, marker.label, marker.start, marker.end, marker.text,
                                    scope, marker.negated, marker.strength))
    fused_with = [[_fused(text, x, y) for y in sb] for x in sa]  # fused_with[i][j]: sa[i] with sb[j]
    fused = any(map(any, fused_with)) or _title_case_run(text, sa, sb)
    # "Consumption and Treatment Services replace ...": one concept exists here only inside a name that
    # carries the other too, so no marker can set the two against each other or join them
    # the same for a concept found only fused into a compound with the other ("HART (Homelessness and
    # Addiction Recovery Treatment) hubs": recovery is only ever part of the hub's name; "sites become
    # Addiction Recovery Treatment Hubs": every mention is inside one compound name)
    within_name = all(map(any, fused_with)) or all(map(any, zip(*fused_with)))
    if within_name:
        feats["inside_one_name"] = 1.0
        fired = []
    listed = _in_list(text, sa, sb, spans)
    both = sa + sb
    if listed:
        for mk in [mk for mk in fired if mk.name == "both_and" and _both_list(text, mk, both)]:
            fired.remove(mk)  # "access to both X and Y services": a list of services, not a stance
            feats["both_list"] = 1.0
    if listed:
        for mk in [mk for mk in fired if mk.name == "instead_cross"]:
            fired.remove(mk)  # "focusing on recovery and treatment instead": the listed pair is one side
    if listed and any(not _in_list(text, sa, [s], spans) for s in spans if s.concept not in (a, b)):
        # "frameworks that prioritise treatment and recovery over harm reduction": a unit-wide word sets the
        # listed pair, as one side, against a third concept outside the list, not against each other
        for mk in [mk for mk in fired if mk.strength == UNIT]:
            fired.remove(mk)
            feats["list_vs_third"] = 1.0
    named = [_in_name(text, s) for s in both]
    if all(named[:len(sa)]) or all(named[len(sa):]):
        feats["proper_name"] = 1.0  # "the Community Recovery Act", "Recovery Access Hubs": a title, no stance
    # "closed under the Community Recovery Act": a name in the title of a law or strategy is the instrument of
    # a refusal, not a side of it. A named service that refuses ("a Recovery Access Hub that will not offer
    # supervised consumption") still opposes the two, as the codebook's example says.
    titled = any(n and _LAW_TAIL.match(text, s.end) for s, n in zip(both, named))
    # "drug users who could not achieve abstinence": whom a service is for, not a refusal of abstinence
    population = _population(text, sa, sb)
    refused = None if listed or titled or within_name or population or any(
        m.negated and m.label == "complementary" and m.strength == SPECIFIC for m in fired) \
        else _refusals(text, sa, sb, spans)
    if refused:
        fired.append(refused)
        feats["m:refusal"] = 1.0
    feats["fused"] = float(fused)
    feats["list"] = float(listed)
    if fused or listed:
        x, y = _closest(sa, sb)
        lo_, hi_ = min(x.start, y.start), max(x.end, y.end)
        fired.append(Marker("fused_name" if fused else "plain_list", "neutral", lo_, hi_, text[lo_:hi_],
                            (a, b), False, UNIT))
    sents_a = {_sentence_of(s.start, bounds) for s in sa}
    sents_b = {_sentence_of(s.start, bounds) for s in sb}
    feats["cross_sentence"] = float(not (sents_a & sents_b))
    gap = min(abs(x.start - y.start) for x in sa for y in sb)
    feats["gap_bin"] = float(min(gap // 25, 8))
    feats["n_concepts"] = float(len({s.concept for s in spans}))
    # long sentences that name two concepts with no linking marker are mostly plain reports: neutral
    feats[f"words_bin:{min(len(text.split()) // 10, 5)}"] = 1.0
    if not any(m.label != "neutral" for m in fired):
        feats["no_marker"] = 1.0
    lo = min(s.end for s in both)
    hi = max(s.start for s in both)
    between = text[lo:hi] if hi > lo else ""
    for c in _CONTRAST.finditer(between):
        feats[f"between:{c.group(0).lower()}"] = 1.0
    if '"' in text or "“" in text or "”" in text:
        feats["quoted"] = 1.0
    if population:  # "lifesaving for those who are not yet ready to enter treatment": whom it serves, no stance
        feats["population"] = 1.0
    # a marker negated into no stance ("without requiring abstinence") makes the pair neutral, as a list does
    waived = any(m.negated and m.label == "neutral" for m in fired)
    label = _decide(fired, fused, listed or population or waived)
    for m in fired:
        counted = f"fired:{m.label}:{'s' if m.strength == SPECIFIC else 'u'}"
        feats[counted] = feats.get(counted, 0.0) + 1.0
    feats[f"rule:{label}"] = 1.0
    return RuleVerdict(key, label, fired, feats)


_SERVICE_HEAD = re.compile(
    r"^\s*(?:[\w-]+\s+)?(?:services?|programs?|programmes?|providers?|centres?|centers?|facilities|settings|"
    r"sites|staff|workers|agencies|organi[sz]ations|sectors?|systems?|options|supports?|resources|beds|"
    r"clinics?|spaces|workforces?|budgets?|funding|fields|policies|professionals)\b", re.IGNORECASE)
_ACCESS_BEFORE = re.compile(
    r"\b(?:access(?:ing)?|use|availability|demand|referrals?|visits?|spending|data|waits?|barriers)\s+"
    r"(?:to|of|for|on)\s+$", re.IGNORECASE)


def _both_list(text: str, marker: Marker, spans: list[Span]) -> bool:
    """True for "both X and Y" that only lists what people access or what a service holds
    ("access to both X and Y services"), which coders read as neutral."""
    inside = [s for s in spans if marker.start < s.start < marker.end + 60]
    if len(inside) < 2:
        return False
    last = max(inside, key=lambda s: s.end)
    return bool(_SERVICE_HEAD.match(text[last.end:last.end + 40])
                or _ACCESS_BEFORE.search(text[max(0, marker.start - 30):marker.start]))


_CAP_WORD = re.compile(r"[A-Z][\w'’-]*")
_ACRONYM = re.compile(r"[A-Z]{2,}s?")
_WORD_BEFORE = re.compile(r"([\w'’-]+)([^\w]*)$")
_WORD_AFTER = re.compile(r"[ ]+([\w'’-]+)")
_AFTER_STOP = re.compile(r"[.!?:\"“]\s*$")  # what ends the text: at the start of a sentence or quote


def _in_name(text: str, span: Span) -> bool:
    """True when a mention is part of a capitalised name of a law, programme or body mid-sentence
    ("Valmere's Community Recovery Act", "the Recovery Access Hub"), not a plain use of the concept."""
    if not text[span.start:span.start + 1].isupper() or _ACRONYM.fullmatch(text[span.start:span.end]):
        return False
    before = _WORD_BEFORE.search(text[max(0, span.start - 40):span.start])
    after = _WORD_AFTER.match(text[span.end:span.end + 40])
    start_of_sentence = not text[:span.start].strip() or _AFTER_STOP.search(text[:span.start])
    prev_cap = before is not None and before.group(2) == " " and _CAP_WORD.fullmatch(before.group(1)) \
        and not _AFTER_STOP.search(text[:span.start - len(before.group(0))])
    next_cap = after is not None and _CAP_WORD.fullmatch(after.group(1)) is not None
    return bool(prev_cap or (next_cap and not start_of_sentence) or (next_cap and prev_cap))


_LAW_TAIL = re.compile(r"(?:[ ]+[A-Z][\w'’-]*){0,4}[ ]+(?:Act|Bill|Law|Code|Strategy|Statute|Regulations?|Ordinance)\b")


def _near(marker: Marker, sa: list[Span], sb: list[Span], bounds: list[tuple[int, int]]) -> bool:
    """True when a unit-wide marker sits within _NEAR characters of the closest pair of mentions in its
    sentence (or the pair is not in its sentence, e.g. "The two clash. Treatment ... recovery")."""
    si = _sentence_of(marker.start, bounds)
    lo_s, hi_s = bounds[si]
    xs = [s for s in sa if lo_s <= s.start < hi_s]
    ys = [s for s in sb if lo_s <= s.start < hi_s]
    if not xs or not ys:
        return True
    x, y = _closest(xs, ys)
    lo, hi = min(x.start, y.start) - _NEAR, max(x.end, y.end) + _NEAR
    return marker.end > lo and marker.start < hi


def _closest(xs: list[Span], ys: list[Span]) -> tuple[Span, Span]:
    """The first (x, y) of two non-empty lists of mentions whose starts are closest."""
    best, x_best, y_best = -1, xs[0], ys[0]
    for x in xs:
        for y in ys:
            gap = abs(x.start - y.start)
            if best < 0 or gap < best:
                best, x_best, y_best = gap, x, y
    return x_best, y_best


_PAREN = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)")  # "(Toronto (5), Guelph, Windsor)"


def _refusal_after(text: str, end: int) -> tuple[int, re.Match | None]:
    """Where the words after a mention ending at `end` start (past a parenthesis that follows it: "ten sites
    (Toronto (5), Guelph) will close"), and the closing they say, if any."""
    paren = _PAREN.match(text, end)
    at = paren.end() if paren else end
    return at, _REFUSAL_AFTER.search(text[at:at + 60])


def _refused(text: str, s: Span, spans: list[Span]) -> re.Match | None:
    """The refusal of `s`, unless another concept stands between it and `s` (that one is refused)."""
    lo = max(0, s.start - 60)
    before = _REFUSAL.search(text[lo:s.start])
    if before and not _stands_between(lo + before.start(), s.start, s, spans):
        at = lo + before.start()
        denied = not _PLAIN_NOT.match(before.group(0)) and _PLAIN_NOT.search(text[max(0, at - 12):at])
        if not denied:  # a refusing word itself denied ("did not oppose the site") refuses nothing
            return before
    at, after = _refusal_after(text, s.end)
    return after if after and not _stands_between(s.end, at + after.end(), s, spans) else None


def _stands_between(lo: int, hi: int, s: Span, spans: list[Span]) -> bool:
    """Another concept stands in lo..hi: not one that shares a name with `s`'s own ("(CTS) site")."""
    return any(o.concept in MAIN_CONCEPTS and o.concept != s.concept and lo <= o.start and o.end <= hi
               and not any(q.concept == s.concept and _overlap(q, o) for q in spans)
               for o in spans)


def _spread(text: str, hit: list[Span], same: list[Span]) -> list[Span]:
    """A refusal covers the items listed right after a refused mention ("no X or Y")."""
    out = list(hit)
    for s in same:
        if s not in out and any(p.end <= s.start and len(text[p.end:s.start]) <= 40
                                and _LIST_GAP.match(text[p.end:s.start]) for p in out):
            out.append(s)
    return out


def _refusals(text: str, sa: list[Span], sb: list[Span], spans: list[Span]) -> Marker | None:
    """One concept refused or shut down while the other is affirmed: opposition."""
    ra = _spread(text, [s for s in sa if _refused(text, s, spans)], sa)
    rb = _spread(text, [s for s in sb if _refused(text, s, spans)], sb)
    if bool(ra) == bool(rb):
        return None
    if (ra and len(ra) < len(sa)) or (rb and len(rb) < len(sb)):
        return None  # the refused concept is also affirmed elsewhere
    s = (ra or rb)[0]
    other = sb[0] if ra else sa[0]
    before = _REFUSAL.search(text[max(0, s.start - 60):s.start])
    if before:
        lo, hi = max(0, s.start - 60) + before.start(), s.end
    else:
        at, after = _refusal_after(text, s.end)
        lo, hi = s.start, at + after.end()
    return Marker("refusal", "opposition", lo, hi, text[lo:hi], (s.concept, other.concept), False, SPECIFIC)


# people described by where they stand toward a concept ("users who are not yet ready to enter treatment",
# "who have either failed drug treatment or never sought it", "not in touch with treatment services")
_POPULATION = re.compile(
    r"\b(?:people|persons|those|users|clients|individuals|anyone|patients|residents|addicts|population)\s+"
    r"(?:[\w-]+\s+){0,2}?who\s+(?:(?:are|were|is|have|had|aren't|haven't|weren't)\s+(?:(?:not|never|yet|either|"
    r"already|still)\s+)*(?:ready|in\s+touch|failed|sought|engaged|connected|willing|interested|abstaining)|"
    # "drug users who could not achieve abstinence"
    r"(?:could|can|cannot|can't|couldn't|are\s+unable\s+to|were\s+unable\s+to)\s+(?:not\s+)?"
    r"(?:yet\s+)?(?:achieve|attain|maintain|manage|reach|sustain)\w*)\b"
    r"[^.;:!?—]{0,50}$", re.IGNORECASE)


def _population(text: str, sa: list[Span], sb: list[Span]) -> bool:
    """True when every mention of one concept sits in a relative clause that describes the people served by
    where they stand toward it."""
    return any(all(_describes_people(text[max(0, s.start - 120):s.start]) for s in side) for side in (sa, sb))


def _describes_people(window: str) -> bool:
    """True when `window` (the words before a mention) ends in a relative clause about the people served."""
    # every match holds "who" (case-blind, as `fold` compares): most windows are told by that cheap test
    return "who" in fold(window) and _POPULATION.search(window) is not None


def _votes(fired: list[Marker], strength: str, label: str) -> int:
    """How many stretches of text vote for `label`: markers on overlapping words ("getting them into" read
    both as a referral and as uptake) vote once."""
    votes, end = 0, -1
    for m in sorted((m for m in fired if m.strength == strength and m.label == label), key=lambda m: m.start):
        if m.start >= end:
            votes += 1
        end = max(end, m.end)
    return votes


def _decide(fired: list[Marker], fused: bool, listed: bool) -> str | None:
    """Specific markers beat unit-wide ones; opposition beats complementary at equal strength;
    a fused name or a plain list is neutral unless a specific marker says otherwise."""
    for strength in (SPECIFIC, UNIT):
        if strength == UNIT and fused:
            return "neutral"
        labels = {m.label for m in fired if m.strength == strength and m.label != "neutral"}
        if "opposition" in labels and "complementary" in labels and strength == SPECIFIC:
            opp, comp = _votes(fired, strength, "opposition"), _votes(fired, strength, "complementary")
            return "opposition" if opp >= comp else "complementary"
        if "opposition" in labels:
            return "opposition"
        if "complementary" in labels:
            return "complementary"
    if fused or listed:
        return "neutral"
    return None


def explain_markers(verdict: RuleVerdict) -> list[str]:
    """Short human-readable lines for the markers of a verdict, e.g. 'instead_of "instead of" -> opposition'."""
    out = []
    for m in verdict.markers:
        neg = " (negated)" if m.negated else ""
        out.append(f'{m.name} "{m.text}"{neg} -> {m.label} over {" vs ".join(m.scope)}')
    return out
