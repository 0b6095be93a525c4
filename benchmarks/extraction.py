"""Score `scrapers.extract` against bare trafilatura and bare htmldate on both development sets, in one run.

Sets (beside the checkout in ../shared/extraction):
- `zyte-dev`: 91 news pages with gold body text; the benchmark's own metric (`\\w+` tokens, multisets of
  token 4-grams, per-page precision and recall averaged over pages, F1 from the averages). It has no
  gold dates: the date line counts the pages where our day differs from htmldate's (to be read by hand).
- `trafilatura-eval`: 990 pages; text scored as ../shared/tools/score_extraction_trafilatura_eval.py
  does ('with' segments found = TP, missed = FN, 'without' segments found = FP, micro F1), dates as
  exact-day accuracy on the 728 pages with a gold date.
Bare tools: `trafilatura.extract(html, url=url)` and `htmldate.find_date(html, url=url,
original_date=True, extensive_search=True)`. Each page runs both pipelines in alternating order; time is
this process's CPU time (other processes on a shared machine do not count); ratios are ours / bare.

Feed hints (`--hints`): no set carries feed or sitemap dates, so they are simulated on every fourth
dated trafilatura-eval page from the gold day, written as an RFC 822 pubDate, one in ten moved a day
later (as a UTC-stamped feed can be). This measures what the pipeline does with such hints, not how
accurate real feeds are.

    python benchmarks/extraction.py [--sample N] [--hints] [--cache DIR] [--shared PATH]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from scrapers.errors import ScrapeError
from scrapers.extract import extract

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
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


def zyte_f1(preds: dict[str, str | None], gold: dict[str, str]) -> float:
    """zyte-dev F1: P and R averaged per page, F1 from the averages."""
    ps, rs = [], []
    for key, text in gold.items():
        p, r = page_scores(preds.get(key), text)
        ps += [p] if p is not None else []
        rs += [r] if r is not None else []
    precision, recall = sum(ps) / len(ps), sum(rs) / len(rs)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def segment_f1(preds: dict[str, str | None], gold: dict[str, dict]) -> float:
    """trafilatura-eval F1 from 'with'/'without' segments summed over pages."""
    tp = fp = fn = 0
    for key, g in gold.items():
        text = _norm(preds.get(key))
        found = sum(_norm(s) in text for s in g["with"])
        tp, fn = tp + found, fn + len(g["with"]) - found
        fp += sum(_norm(s) in text for s in g["without"])
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def load_set(name: str, root: Path, sample: int | None) -> list[dict]:
    """Pages of one set as dicts: key, url, path, gold (text or segments), date (gold day or None)."""
    if name == "zyte-dev":
        truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
        pages = [{"key": k, "url": v.get("url"), "path": root / "html" / f"{k}.html.gz",
                  "gold": v["articleBody"], "date": None} for k, v in truth.items()]
    else:
        truth = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
        pages = [{"key": u, "url": u, "path": root / "html" / g["file"], "gold": g,
                  "date": (g.get("date") or "")[:10] or None} for u, g in truth.items()]
    if sample and sample < len(pages):
        step = len(pages) / sample  # spread over the set, same pages every run
        pages = [pages[int(i * step)] for i in range(sample)]
    return pages


def bare(html: str, url: str | None) -> dict:
    """Bare trafilatura text and bare htmldate day of one page."""
    import trafilatura
    from htmldate import find_date

    try:
        day = find_date(html, url=url, original_date=True, extensive_search=True)
    except Exception:  # htmldate's own parsing errors: no date
        day = None
    return {"text": trafilatura.extract(html, url=url) or "", "date": day}


def ours(html: str, url: str | None, hints: dict | None = None) -> dict:
    """Our text, day, date source and extractor of one page (empty on ScrapeError)."""
    try:
        result = extract(html, url=url, hints=hints)
    except ScrapeError as err:
        return {"text": "", "date": None, "source": "none", "confidence": 0.0, "extractor": f"error:{err.reason}"}
    return {"text": result.text, "date": result.date.isoformat() if result.date else None,
            "source": result.date_source, "confidence": result.date_confidence, "extractor": result.extractor}


def simulated_hint(day: str, index: int) -> dict | None:
    """A feed pubDate for a gold day; one in ten is a day late (a UTC stamp past midnight)."""
    try:
        value = dt.date.fromisoformat(day) + dt.timedelta(days=1 if index % 10 == 9 else 0)
    except ValueError:  # one gold date is written '2022-01.26': no feed would say that
        return None
    return {"date": value.strftime("%a, %d %b %Y 02:30:00 +0000"), "date_source": "feed"}


def run_set(name: str, pages: list[dict], cache: Path | None, hints: bool) -> dict:
    """Both pipelines over one set: predictions, seconds, and the simulated-hint days when asked."""
    cached: dict = {}
    cache_file = cache / f"bare-{name}.json" if cache else None
    if cache_file and cache_file.is_file():
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
    out = {"ours": {}, "bare": {}, "secs": {"ours": 0.0, "bare": 0.0}, "hinted": {}}
    dated = 0
    for i, page in enumerate(tqdm(pages, desc=name, leave=False)):
        html = gzip.decompress(page["path"].read_bytes()).decode("utf-8", "replace")
        order = ("ours", "bare") if i % 2 == 0 else ("bare", "ours")
        for side in order:
            if side == "bare" and page["key"] in cached:
                out["bare"][page["key"]] = cached[page["key"]]
                out["secs"]["bare"] += cached[page["key"]]["secs"]
                continue
            start = time.process_time()
            result = ours(html, page["url"]) if side == "ours" else bare(html, page["url"])
            result["secs"] = time.process_time() - start
            out[side][page["key"]] = result
            out["secs"][side] += result["secs"]
        if hints and page["date"]:
            dated += 1
            if dated % 4 == 0 and (hint := simulated_hint(page["date"], dated // 4)):
                out["hinted"][page["key"]] = ours(html, page["url"], hints=hint)["date"]
    if cache_file:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cached.update(out["bare"])
        cache_file.write_text(json.dumps(cached), encoding="utf-8")
    return out


def report(name: str, pages: list[dict], out: dict) -> None:
    """Print text F1, date accuracy and time of ours beside the bare tools', with ratios."""
    gold = {p["key"]: p["gold"] for p in pages}
    scorer = zyte_f1 if name == "zyte-dev" else segment_f1
    f1 = {side: scorer({k: v["text"] for k, v in out[side].items()}, gold) for side in ("ours", "bare")}
    n = len(pages)
    ms = {side: 1000 * out["secs"][side] / n for side in ("ours", "bare")}
    print(f"\n{name}: {n} pages")
    print(f"  text F1      ours {f1['ours']:.4f}  bare trafilatura {f1['bare']:.4f}  ratio {f1['ours'] / f1['bare']:.4f}")
    dated = [p for p in pages if p["date"]]
    if dated:
        acc = {side: sum(out[side][p["key"]]["date"] == p["date"] for p in dated) / len(dated)
               for side in ("ours", "bare")}
        print(f"  exact day    ours {acc['ours']:.4f}  bare htmldate    {acc['bare']:.4f}  ratio "
              f"{acc['ours'] / acc['bare']:.4f}  ({len(dated)} dated pages)")
        wrong = Counter(out["ours"][p["key"]]["source"] for p in dated
                        if out["ours"][p["key"]]["date"] != p["date"])
        overrode = sum(out["ours"][p["key"]]["date"] != p["date"] and out["bare"][p["key"]]["date"] == p["date"]
                       for p in dated)
        print(f"  wrong days by our source: {dict(wrong)}; of them htmldate had right: {overrode}")
        by_confidence: dict[float, list[bool]] = {}
        for p in dated:
            mine = out["ours"][p["key"]]
            by_confidence.setdefault(mine["confidence"], []).append(mine["date"] == p["date"])
        print("  exact day by our confidence: " + ", ".join(
            f"{c:.2f}: {sum(v) / len(v):.2f} of {len(v)}" for c, v in sorted(by_confidence.items(), reverse=True)))
        if out["hinted"]:
            keys = list(out["hinted"])
            right = {p["key"]: p["date"] for p in dated}
            with_hint = sum(out["hinted"][k] == right[k] for k in keys) / len(keys)
            without = sum(out["ours"][k]["date"] == right[k] for k in keys) / len(keys)
            print(f"  simulated feed hints on {len(keys)} pages (1 in 10 a day late): exact day "
                  f"{without:.4f} without -> {with_hint:.4f} with")
    else:
        differ = [p["key"] for p in pages if out["ours"][p["key"]]["date"] != out["bare"][p["key"]]["date"]]
        print(f"  dates: no gold; our day differs from htmldate's on {len(differ)} pages: {differ}")
    print(f"  CPU ms/page  ours {ms['ours']:.1f}  bare trafilatura+htmldate {ms['bare']:.1f}  ratio "
          f"{ms['ours'] / ms['bare']:.2f}")
    print(f"  extractor used: {dict(Counter(v['extractor'] for v in out['ours'].values()))}")


def main(argv: list[str] | None = None) -> int:
    """Run both development sets (or a spread sample of each) and print ours beside the bare tools."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the ../shared folder")
    parser.add_argument("--sample", type=int, help="quick mode: this many pages spread over each set")
    parser.add_argument("--hints", action="store_true", help="also simulate feed hints (trafilatura-eval)")
    parser.add_argument("--cache", type=Path, help="keep bare-tool outputs here (outside the repository)")
    parser.add_argument("--only", choices=("zyte-dev", "trafilatura-eval"), help="run one set")
    args = parser.parse_args(argv)
    ran = 0
    for name, marker in (("zyte-dev", "ground-truth.json"), ("trafilatura-eval", "evaldata.json")):
        root = args.shared / "extraction" / name
        if (args.only and args.only != name) or not (root / marker).is_file():
            continue
        pages = load_set(name, root, args.sample)
        for page in pages[:2]:  # warm-up: imports and compiled XPaths cost neither side in the timing
            html = gzip.decompress(page["path"].read_bytes()).decode("utf-8", "replace")
            ours(html, page["url"]), bare(html, page["url"])
        report(name, pages, run_set(name, pages, args.cache, args.hints))
        ran += 1
    if not ran:
        print(f"no development set found in {args.shared / 'extraction'}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
