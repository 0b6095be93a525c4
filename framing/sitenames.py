"""Names a document gives its consumption sites, so that its later bare mentions of a name count as the site.

Coverage introduces a site once by what it is ("Riverbend, the city's only supervised consumption site",
"an overdose prevention centre called Harbour Light", "the Medically Supervised Injecting Room (MSIR)") and
then uses the name alone ("Riverbend staff said ..."). A coder counts those later mentions as the site
(CODEBOOK section 1 lists site names, and a site name is HARM_REDUCTION), whatever the lexicon knows.

>>> text = "Riverbend, the city's first supervised consumption site, opened in May."
>>> site_names(text, [(text.index("supervised"), text.index(", opened"))])
['Riverbend']
"""
from __future__ import annotations

import re
from collections.abc import Sequence

# a proper name: up to four capitalised words (or numbers, "Path 525"), or an abbreviation
_NAME = r"(?:[A-Z][\w'’&.-]*|\d+)(?:\s+(?:[A-Z][\w'’&.-]*|\d+)){0,3}"
# "NAME, the city's first <site>": only possessives, capitalised words and these describe the site between
_DESCRIBING = frozenset("""
first only new pilot controversial local largest busiest main sole former existing permanent temporary oldest
biggest four five six seven eight nine ten several
mobile proposed planned last second third fourth fifth lone one two three legal sanctioned official unsanctioned
embattled troubled beleaguered popular busy small tiny flagship original current interim
""".split())
# the name opens its sentence or a quotation ("Riverbend, the city's ...", not "In Toronto, the ...")
_BEFORE = re.compile(r"(?:^|(?<=[.!?]\s)|(?<=\n)|(?<=[\"“(]))(?P<name>" + _NAME + r"),\s+"
                     r"(?:(?:a|an|the|its|their)\s+)?(?P<mid>(?:[\w'’-]+\s+){0,4})$")
# "NAME is the city's only <site>", "NAME was the first, and is still the largest, of the five <sites>"
_COPULA = re.compile(r"(?:^|(?<=[.!?,]\s)|(?<=\n)|(?<=[\"“(]))(?P<name>" + _NAME + r")\s+(?:is|was|remains|became|"
                     r"has\s+been)\s+(?:(?:still|now)\s+)?(?:a|an|the|one\s+of\s+the)\s+"
                     r"(?P<mid>(?:[\w'’-]+,?\s+){0,12})$")
_VERB = re.compile(r"\s(?:is|was|remains|became|has\s+been)\s")  # what every _COPULA match holds
_LINKING = frozenset("of and is was still the a an in its their".split())
_AFTER = re.compile(r"^(?:(?:\s+(?:at|on)\s+[^,.;:!?()]{1,40}?)?,?\s+(?:(?:also|otherwise|commonly|locally|now|"
                    r"formerly)\s+)?(?:called|named|known\s+as|dubbed|nicknamed|branded)\s+(?:the\s+)?|"
                    r",\s+(?=" + _NAME + r"\s*[,)—–])|\s+\((?=[A-Z]{2,}s?\)))[\"“‘']?(?P<name>" + _NAME + r")")
# more names after "known as X": ", Y and Z" ("also known as Minoogawbi, La Place, The Spot")
_MORE = re.compile(r"^(?:,\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?:the\s+|The\s+)?[\"“‘']?(?P<name>" + _NAME + r")"
                   r"(?=\s*[,.;)”\"’]|\s+(?:and|or|on|in|at|was|were|is|are|opened|has|had|will)\b|$)")
_NAMING = re.compile(r"\b(?:called|named|known\s+as|dubbed|nicknamed|branded)\b")
# sentence openers that a comma follows ("Meanwhile, the site ..."), never a site's name
_NOT_NAMES = frozenset("""
The A An This That These Those It Its Today Yesterday Tomorrow Now Here There Still Yet Instead Indeed Also
Meanwhile However Currently Earlier Later Since Then Overall Last Next First Second Third Finally Recently
Previously Already Again Ultimately Similarly Likewise Moreover Furthermore Nevertheless Nonetheless
Critics Supporters Opponents Advocates Officials Residents Police Staff Clients Users People Neighbours Neighbors
He She They We I You Mr Mrs Ms Dr In At On For By From With Under After Before During Without But And Or So
""".split())


def _is_name(name: str) -> bool:
    words = name.split()
    if words[0] in _NOT_NAMES or (len(words) == 1 and name.endswith("ly")):
        return False
    return len(name) >= 3 and not all(w.isdigit() for w in words)


def _describes(word: str) -> bool:
    """A word that may stand between a site's name and the site ("the city's first", "Toronto's only")."""
    word = word.rstrip(",")
    return word[:1].isupper() or word.endswith(("'s", "’s")) or word.lower() in _DESCRIBING or word.isdigit()


def site_names(text: str, sites: Sequence[tuple[int, int]]) -> list[str]:
    """The names `text` gives the sites mentioned at the `sites` spans, in first-seen order."""
    names: list[str] = []
    for start, end in sites:
        found = []
        # each pattern is searched only where the one literal part all its matches hold occurs: a comma, a verb
        lo = max(0, start - 90)
        before = _BEFORE.search(text, lo, start) if text.find(",", lo, start) >= 0 else None
        if before and all(_describes(w) for w in before.group("mid").split()):
            found.append(before.group("name"))
        lo = max(0, start - 120)
        copula = _COPULA.search(text, lo, start) if _VERB.search(text, lo, start) else None
        if copula and all(_describes(w) or w.rstrip(",") in _LINKING for w in copula.group("mid").split()):
            found.append(copula.group("name"))
        tail = text[end:end + 160]
        after = _AFTER.search(tail)
        if after:
            found.append(after.group("name"))
            rest = tail[after.end():]
            while _NAMING.search(after.group(0)) and (more := _MORE.match(rest)):
                found.append(more.group("name"))  # "known as Minoogawbi, La Place, The Spot"
                rest = rest[more.end():]
        for name in found:
            name = re.sub(r"^(?:The|the)\s+", "", name).rstrip(".’'")
            if name and _is_name(name) and name not in names:
                names.append(name)
    return names


def name_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """A case-sensitive pattern for the learned names as whole words (possessives included), or None."""
    if not names:
        return None
    # an abbreviation defined in the plural ("(SDCFs)") also names one site ("the first SDCF")
    stems = {re.sub(r"(?<=[A-Z]{2})s$", "", n) for n in names}
    alternatives = "|".join(re.escape(n) + ("s?" if re.fullmatch(r"[A-Z]{2,}", n) else "")
                            for n in sorted(stems, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w-])")
