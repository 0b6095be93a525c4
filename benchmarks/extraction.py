"""Score `scrapers.extract` against bare trafilatura on the zyte article-extraction pages, in one run.

Metric (the benchmark's own, see its README): `\\w+` tokens without lower-casing, multisets of token
4-grams, per-page precision and recall averaged over pages (a page whose denominator is 0 is skipped
for that measure; two empty texts score 1), F1 from the averages. Also prints pages per second, the
time ratio, and a date check: on pages whose JSON-LD/OpenGraph/meta state a publication date, how often
the pipeline's date equals it, both in full and with those structured sources hidden (so the fallbacks
are measured on their own), and how often it equals a full date written in the URL.

    python benchmarks/extraction.py [PATH_TO_ZYTE_DEV]
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura
from tqdm import tqdm

from scrapers.dates import choose_date, htmldate_date, parse_date, url_date, utc_hour
from scrapers.errors import ScrapeError
from scrapers.extract import extract
from scrapers.metadata import PageMeta, read_metadata

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "extraction" / "zyte-dev"
_TOKEN = re.compile(r"\w+")


def grams(text: str | None) -> Counter:
    """Multiset of token 4-grams of `text`."""
    toks = _TOKEN.findall(text or "")
    return Counter(zip(toks, toks[1:], toks[2:], toks[3:]))


def page_scores(pred: str | None, gold: str) -> tuple[float | None, float | None]:
    """(precision, recall) of one page; None where the denominator is 0 (both 1 for two empty texts)."""
    p, g = grams(pred), grams(gold)
    if not p and not g:
        return 1.0, 1.0
    shared = sum((p & g).values())
    n_p, n_g = sum(p.values()), sum(g.values())
    return (shared / n_p if n_p else None), (shared / n_g if n_g else None)


def score(preds: dict[str, str | None], gold: dict[str, str]) -> tuple[float, float, float]:
    """(F1, precision, recall) over pages: P and R averaged per page, F1 from the averages."""
    ps, rs = [], []
    for key, text in gold.items():
        p, r = page_scores(preds.get(key), text)
        if p is not None:
            ps.append(p)
        if r is not None:
            rs.append(r)
    precision, recall = sum(ps) / len(ps), sum(rs) / len(rs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def load(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(html by id, gold text by id, url by id) of the benchmark folder."""
    truth = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    html = {k: gzip.decompress((path / "html" / f"{k}.html.gz").read_bytes()).decode("utf-8")
            for k in truth}
    return html, {k: v["articleBody"] for k, v in truth.items()}, {k: v.get("url") for k, v in truth.items()}


def run_both(fns: dict[str, Callable[[str, str], str | None]], html: dict, urls: dict
             ) -> tuple[dict[str, dict], dict[str, float]]:
    """Predictions and total seconds of each extractor, timed page by page in alternating order so
    that load from other processes falls on both alike."""
    preds: dict[str, dict] = {name: {} for name in fns}
    secs = dict.fromkeys(fns, 0.0)
    for i, key in enumerate(tqdm(html, desc="pages", leave=False)):
        order = list(fns) if i % 2 == 0 else list(reversed(fns))
        for name in order:
            start = time.perf_counter()
            preds[name][key] = fns[name](html[key], urls[key])
            secs[name] += time.perf_counter() - start
    return preds, secs


def ours(page: str, url: str) -> str | None:
    """Text from `scrapers.extract` (None when it raises ScrapeError)."""
    try:
        return extract(page, url=url).text
    except ScrapeError:
        return None


def date_check(html: dict, urls: dict) -> None:
    """Exact-day agreement of the pipeline's dates with what pages state in markup and URLs."""
    from trafilatura.utils import load_html

    stated = full = fallback = bare_htmldate = shifted = 0
    in_url = url_agree = 0
    for key, page in tqdm(html.items(), desc="dates", leave=False):
        tree = load_html(page)
        meta = read_metadata(tree, urls[key])
        raw = next((v for v in meta.jsonld_dates + meta.og_dates + meta.meta_dates if parse_date(v)), None)
        claim = parse_date(raw)
        result = extract(page, url=urls[key])
        if claim:
            stated += 1
            full += result.date == claim
            # a UTC timestamp's day may be one off the publisher's local day the pipeline reports
            shifted += (result.date != claim and utc_hour(raw) is not None
                        and abs((result.date - claim).days) == 1)
            hidden = PageMeta(title=meta.title)  # structured dates hidden: URL, htmldate, text only
            fallback += choose_date(tree, hidden, url=urls[key], text=result.text).date == claim
            bare_htmldate += htmldate_date(tree, urls[key]) == claim
        written = url_date(urls[key])
        if written:
            in_url += 1
            url_agree += result.date == written
    print(f"dates: {stated} pages state a date in JSON-LD/OpenGraph/meta")
    if stated:
        print(f"  pipeline exact-day accuracy vs stated date:            {full / stated:.3f}")
        print(f"  ... counting a UTC-stamped day moved to the local day:  {(full + shifted) / stated:.3f}")
        print(f"  pipeline with structured dates hidden (URL/htmldate/text): {fallback / stated:.3f}")
        print(f"  bare htmldate (original_date, markup only) vs stated:   {bare_htmldate / stated:.3f}")
    if in_url:
        print(f"  {in_url} pages with a full date in the URL; pipeline agrees on {url_agree / in_url:.3f}")


def main(argv: list[str] | None = None) -> int:
    """Print F1/P/R and pages per second of both extractors, the time ratio, and the date check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT, help="the zyte-dev folder")
    parser.add_argument("--no-dates", action="store_true", help="skip the date check")
    args = parser.parse_args(argv)
    if not (args.path / "ground-truth.json").is_file():
        print(f"no ground-truth.json in {args.path}", file=sys.stderr)
        return 2
    html, gold, urls = load(args.path)
    # warm both up (imports, compiled XPaths) so neither pays a one-off cost in the timing
    for page, url in list(zip(html.values(), urls.values()))[:3]:
        trafilatura.extract(page)
        ours(page, url)
    preds, secs = run_both({"bare": lambda page, url: trafilatura.extract(page), "ours": ours}, html, urls)
    bare_preds, bare_t, our_preds, our_t = preds["bare"], secs["bare"], preds["ours"], secs["ours"]
    n = len(html)
    print(f"{n} pages from {args.path}")
    print(f"{'extractor':<20}{'F1':>8}{'P':>8}{'R':>8}{'pages/s':>10}")
    for name, preds, secs in (("trafilatura (bare)", bare_preds, bare_t), ("scrapers.extract", our_preds, our_t)):
        f1, p, r = score(preds, gold)
        print(f"{name:<20}{f1:8.4f}{p:8.4f}{r:8.4f}{n / secs:10.1f}")
    print(f"time per page, scrapers.extract / bare trafilatura: {our_t / bare_t:.2f}")
    extractors = Counter()
    for page, url in zip(html.values(), urls.values()):
        try:
            extractors[extract(page, url=url).extractor] += 1
        except ScrapeError as err:
            extractors[f"error:{err.reason}"] += 1
    print("extractor used:", dict(extractors))
    if not args.no_dates:
        date_check(html, urls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
