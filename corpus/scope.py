"""Is a document about drug consumption sites (CODEBOOK section 1)? A transparent weighted evidence model.

Not a keyword hit: each piece of evidence has a weight and a reason, and the same words count differently
by context. A definite site name ("overdose prevention site", "drug consumption room", "Insite" in
Vancouver) is strong evidence; an ambiguous one ("injection site", "SCS", "the site") counts only among
drug-use words; vaccine, insulin, economic and disaster senses count against. Without a site, drug-policy
responses (safe supply, decriminalisation, naloxone, treatment policy …) make a document `adjacent`.

    >>> ScopeScorer().score("Council votes on overdose prevention site", "The site would open in May.")[1]
    'core'
    >>> ScopeScorer().score("Flu clinic", "Redness at the injection site is normal after a vaccine.")[1]
    'out'
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from corpus.documents import SCOPE_LABELS as LABELS


def _rx(*patterns: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", flags)


_SITE_NOUN = r"(?:sites?|services?|facilit(?:y|ies)|cent(?:re|er)s?|spaces?|rooms?|programs?|programmes?|clinics?|hubs?)"

# Definite names of consumption sites and of the policy vehicles about them (section 1).
_STRONG = _rx(
    rf"(?:medically\s+)?(?:supervised|safe|safer)[\s-]+(?:drug[\s-]+)?(?:consumption|injection|injecting|inhalation|smoking|use)[\s-]+{_SITE_NOUN}",
    r"overdose[\s-]+prevention[\s-]+(?:sites?|cent(?:re|er)s?|services?\s+sites?|facilit(?:y|ies)|spaces?|programs?\s+sites?)",
    r"(?:drug\s+)?consumption\s+rooms?",
    r"drug[\s-]+consumption[\s-]+(?:sites?|facilit(?:y|ies)|spaces?)",
    r"injecting\s+rooms?",
    r"consumption\s+and\s+treatment\s+services?",
    r"supervised\s+(?:drug\s+)?(?:consumption|injection|injecting)",
    r"safe\s+injection",
    r"fixerstuben?",
    r"harm\s+reduction\s+cent(?:er|re)s?\s+(?:act|bill|law|pilot)",
)
# Named places and bills; each needs its own context word to count (they are also ordinary words).
_NAMED = [
    (re.compile(r"\bInsite\b"), _rx(r"Vancouver", r"Downtown\s+Eastside", r"Hastings", r"overdoses?", r"inject\w*")),
    (re.compile(r"\bOnPoint\b"), _rx(r"NYC", r"New\s+York", r"Harlem", r"Washington\s+Heights", r"overdoses?")),
    (re.compile(r"\bSafehouse\b"), _rx(r"Philadelphia", r"Kensington", r"overdoses?", r"inject\w*")),
    (re.compile(r"\bMSIC\b"), _rx(r"Sydney", r"Kings\s+Cross", r"Melbourne", r"Richmond", r"inject\w*")),
    (re.compile(r"\bThistle\b"), _rx(r"Glasgow", r"inject\w*", r"overdoses?", r"heroin")),
    (re.compile(r"\bBill\s+223\b"), _rx(r"Ontario", r"consumption", r"overdose")),
    (re.compile(r"\b(?:SB|Senate\s+Bill)\s*57\b"), _rx(r"California", r"overdose", r"Wiener", r"consumption")),
    (re.compile(r"\bharm\s+reduction\s+cent(?:er|re)s?\b", re.IGNORECASE),
     _rx(r"Rhode\s+Island", r"pre-obtained", r"supervis\w+")),
]
# Ambiguous names: count only when drug-use words surround them.
_AMBIGUOUS = re.compile(r"\b(?:(?i:injection|consumption)\s+sites?|SCS|SIS|SIF|OPCs?|OPS|DCRs?|CTS)\b")
# Definite descriptions ("the site", "these facilities") count for less: they refer back, never name.
_DEFINITE = _rx(r"(?:the|this|that|these|such)\s+(?:sites?|facilit(?:y|ies)|cent(?:re|er)s?)")

# Words of drug use and the overdose crisis: the context that gives ambiguous names their drug sense.
_DRUG = _rx(
    r"overdos\w*", r"opioids?", r"fentanyl", r"heroin", r"drugs?", r"narcotics?", r"addict\w*",
    r"substance\s+use", r"people\s+who\s+use\s+drugs", r"naloxone", r"narcan", r"harm\s+reduction",
    r"syringes?", r"needles?", r"inject(?:ing|s)?\s+drugs", r"methamphetamine", r"crack", r"nurses?\s+on\s+hand",
    r"overdose\s+reversals?", r"drug\s+checking", r"safe\s+supply",
)
# Drug-policy responses the consumption-site debate turns on (adjacent when no site is discussed).
_POLICY = _rx(
    r"safer?\s+supply", r"decriminali[sz]\w*", r"naloxone", r"narcan", r"syringe\s+(?:services?|exchanges?|programs?|programmes?)",
    r"needle\s+(?:exchanges?|distribution|programs?|programmes?)", r"harm\s+reduction", r"drug\s+checking",
    r"fentanyl\s+test\s+strips?", r"recovery[\s-]+oriented", r"addiction\s+treatment", r"treatment\s+beds?",
    r"detox\w*", r"methadone", r"buprenorphine", r"suboxone", r"opioid\s+(?:agonist\s+)?treatment",
    r"opioid\s+use\s+disorder", r"rehab\w*", r"recovery\s+(?:housing|homes?|community|coach\w*|centres?|centers?)",
    r"involuntary\s+(?:care|treatment)", r"drug\s+polic\w+", r"overdose\s+crisis", r"opioid\s+settlement\w*",
    r"possession", r"substance\s+use\s+(?:treatment|disorder|services?)", r"peer\s+recovery",
)
# Senses that make "injection site", "site" and "recovery" mean something else.
_NEGATIVE = _rx(
    r"vaccin\w*", r"immuni[sz]\w*", r"booster", r"flu\s+shots?", r"insulin", r"diabet\w*", r"deltoid",
    r"(?:economic|market|jobs?|post-pandemic|fiscal)\s+recovery", r"disaster\s+recovery", r"flood\w*",
    r"hurricane", r"wildfire", r"earthquake", r"recovery\s+sites?", r"construction\s+sites?", r"botox",
    r"contrast\s+agent", r"epidural", r"allerg\w*\s+shots?", r"tetanus", r"measles", r"covid[\s-]+19\s+vaccine",
    r"mortgage", r"inflation", r"interest\s+rates?", r"GDP",
)


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: what matched, how many times, its weight in the score, and why it counts."""

    kind: str
    matches: tuple[str, ...]
    weight: float
    reason: str


class ScopeScorer:
    """Scores a document's scope: `score(title, text) -> (score in [0, 1], label)` per CODEBOOK section 1.

    `explain(title, text)` lists the weighted evidence behind a score. The weights are parameters, so a
    researcher can re-weight without touching the patterns; `threshold` is the score at which `core` starts.
    """

    def __init__(self, strong_weight: float = 3.0, named_weight: float = 2.5, ambiguous_weight: float = 2.0,
                 definite_weight: float = 0.6,
                 title_bonus: float = 1.0, context_weight: float = 0.25, negative_weight: float = 0.9,
                 bias: float = -2.2, threshold: float = 0.5, adjacent_min: float = 2.0) -> None:
        self.strong_weight = strong_weight
        self.named_weight = named_weight
        self.ambiguous_weight = ambiguous_weight
        self.definite_weight = definite_weight
        self.title_bonus = title_bonus
        self.context_weight = context_weight
        self.negative_weight = negative_weight
        self.bias = bias
        self.threshold = threshold
        self.adjacent_min = adjacent_min

    def explain(self, title: str | None, text: str | None) -> list[Evidence]:
        """The evidence found in a document, each with its weight (positive for core, negative against)."""
        title = title or ""
        body = f"{title}\n{text or ''}"
        drug = [m.group(0) for m in _DRUG.finditer(body)]
        negative = [m.group(0) for m in _NEGATIVE.finditer(body)]
        drug_n, neg_n = len(drug), len(negative)
        out: list[Evidence] = []

        strong = [m.group(0) for m in _STRONG.finditer(body)]
        if strong:
            # repeated names add a little; one mention in passing is already enough for `core`
            w = self.strong_weight * (1 + 0.15 * min(len(strong) - 1, 4))
            out.append(Evidence("site_name", tuple(strong), w, "names a consumption site or its policy"))
            if _STRONG.search(title):
                out.append(Evidence("site_in_title", (title,), self.title_bonus, "the title names a site"))

        named = [m.group(0) for rx, ctx in _NAMED if rx.search(body) and ctx.search(body) for m in rx.finditer(body)]
        if named:
            out.append(Evidence("named_site", tuple(named), self.named_weight, "a named site or bill with its context"))

        in_drug_context = drug_n > neg_n
        ambiguous = [m.group(0) for m in _AMBIGUOUS.finditer(body)]
        if ambiguous and in_drug_context:
            out.append(Evidence("site_reference", tuple(ambiguous), self.ambiguous_weight * min(len(ambiguous), 2),
                                "an ambiguous site name (injection site, SCS …) among drug-use words"))
        definite = [m.group(0) for m in _DEFINITE.finditer(body)]
        if definite and in_drug_context and (strong or named or ambiguous or drug_n >= 2):
            out.append(Evidence("site_description", tuple(definite), self.definite_weight * min(len(definite), 3),
                                "a definite description of a site among drug-use words"))

        if drug_n:
            out.append(Evidence("drug_context", tuple(drug), self.context_weight * min(drug_n, 8),
                                "words of drug use and overdose"))
        if neg_n:
            w = -self.negative_weight * min(neg_n, 5) * (0.4 if (strong or named) else 1.0)
            out.append(Evidence("other_sense", tuple(negative), w,
                                "vaccine, insulin, economic or disaster senses"))
        policy = [m.group(0) for m in _POLICY.finditer(body)]
        if policy:
            out.append(Evidence("policy_response", tuple(policy), 0.0,
                                "drug-policy responses (decide adjacent, not core)"))
        return out

    def score(self, title: str | None, text: str | None) -> tuple[float, str]:
        """The probability-like score that the document is `core`, and its label (core/adjacent/out)."""
        evidence = self.explain(title, text)
        z = self.bias + sum(e.weight for e in evidence)
        # without any site evidence, drug context alone can never reach `core`
        has_site = any(e.kind in {"site_name", "named_site", "site_reference", "site_description"} for e in evidence)
        if not has_site:
            z = min(z, self.bias + 1.0)
        score = 1.0 / (1.0 + math.exp(-z))
        if score >= self.threshold:
            return round(score, 4), "core"
        policy = next((e for e in evidence if e.kind == "policy_response"), None)
        drug = next((e for e in evidence if e.kind == "drug_context"), None)
        neg = next((e for e in evidence if e.kind == "other_sense"), None)
        n_policy = len(policy.matches) if policy else 0
        n_drug = len(drug.matches) if drug else 0
        n_neg = len(neg.matches) if neg else 0
        if n_policy + 0.5 * n_drug >= self.adjacent_min and n_policy >= 1 and n_drug + n_policy > n_neg:
            return round(score, 4), "adjacent"
        return round(score, 4), "out"


LABELLED_PATH = Path(__file__).with_name("data") / "scope_labelled.jsonl"


def load_labelled(path: str | Path | None = None) -> pd.DataFrame:
    """The team's labelled scope set (id, split dev/heldout, label, title, text) as a DataFrame."""
    p = Path(path) if path is not None else LABELLED_PATH
    rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame(rows)


def evaluate(frame: pd.DataFrame, scorer: ScopeScorer | None = None) -> dict[str, float]:
    """Precision, recall and F1 of `core`, and accuracy over all three labels, on a labelled DataFrame."""
    scorer = scorer or ScopeScorer()
    predicted = [scorer.score(t, x)[1] for t, x in zip(frame["title"], frame["text"])]
    gold = list(frame["label"])
    tp = sum(p == g == "core" for p, g in zip(predicted, gold))
    fp = sum(p == "core" and g != "core" for p, g in zip(predicted, gold))
    fn = sum(p != "core" and g == "core" for p, g in zip(predicted, gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(p == g for p, g in zip(predicted, gold)) / len(gold) if gold else 0.0
    return {"n": float(len(gold)), "core_precision": precision, "core_recall": recall, "core_f1": f1,
            "accuracy": accuracy}
