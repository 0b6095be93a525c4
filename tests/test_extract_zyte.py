"""Real pages from the shared development sets: zyte-dev and trafilatura-eval (skipped without ../shared)."""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter

import pytest

from scrapers.extract import extract

PAGE = "0e014df693f182824fe5e24030ddbe1d0b96ddb9685cf20d5766457ed32ffa2d"


def grams(text: str) -> Counter:
    toks = re.findall(r"\w+", text)
    return Counter(zip(toks, toks[1:], toks[2:], toks[3:]))


def test_zyte_page_matches_gold(shared):
    root = shared / "extraction" / "zyte-dev"
    if not (root / "ground-truth.json").is_file():
        pytest.skip("zyte-dev is not in ../shared")
    gold = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))[PAGE]
    html = gzip.decompress((root / "html" / f"{PAGE}.html.gz").read_bytes())
    result = extract(html, url=gold["url"])
    pred, truth = grams(result.text), grams(gold["articleBody"])
    shared_grams = sum((pred & truth).values())
    precision, recall = shared_grams / sum(pred.values()), shared_grams / sum(truth.values())
    assert 2 * precision * recall / (precision + recall) > 0.95
    assert result.date is not None and result.date.year == 2014  # the URL says 2014/09


def test_never_worse_than_the_bare_tools_on_a_trafilatura_eval_slice(shared):
    # pages 500-599 of trafilatura's evaluation set, scored like ../shared/tools/score_extraction_*.py:
    # our text F1 >= bare trafilatura's, our exact-day accuracy >= bare htmldate's (extensive search)
    root = shared / "extraction" / "trafilatura-eval"
    if not (root / "evaldata.json").is_file():
        pytest.skip("trafilatura-eval is not in ../shared")
    import trafilatura
    from htmldate import find_date

    gold = list(json.loads((root / "evaldata.json").read_text(encoding="utf-8")).items())[500:600]
    counts = {"ours": [0, 0, 0, 0], "bare": [0, 0, 0, 0]}  # tp, fp, fn, right days
    dated = 0
    for url, g in gold:
        html = gzip.decompress((root / "html" / g["file"]).read_bytes()).decode("utf-8", "replace")
        ours = extract(html, url=url)
        runs = {"ours": (ours.text, ours.date.isoformat() if ours.date else None),
                "bare": (trafilatura.extract(html, url=url) or "",
                         find_date(html, url=url, original_date=True, extensive_search=True))}
        dated += bool(g.get("date"))
        for name, (text, day) in runs.items():
            text = " ".join(text.split())
            found = [" ".join(s.split()) in text for s in g["with"]]
            counts[name][0] += sum(found)
            counts[name][2] += len(found) - sum(found)
            counts[name][1] += sum(" ".join(s.split()) in text for s in g["without"])
            counts[name][3] += bool(g.get("date")) and day == g["date"][:10]
    f1 = {n: 2 * c[0] / (2 * c[0] + c[1] + c[2]) for n, c in counts.items()}
    assert f1["ours"] >= f1["bare"]
    assert counts["ours"][3] >= counts["bare"][3] and dated > 50
