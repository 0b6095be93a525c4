"""One real page from the shared zyte-dev benchmark: the extracted body matches its gold text."""
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
