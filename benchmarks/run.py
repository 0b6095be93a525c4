"""One benchmark runner: every figure is a ratio against a baseline measured in the same run.

- analysis (concepts, relations, document labels, time series, streamed in chunks) of generated 600-word
  articles against a plain `re` floor (sentences split by a regex, every lexicon pattern scanned over each
  sentence), at each size in its own process with its peak RSS; the relation model's embedding head is off
  for this series (FRAMEWATCH_EMBED=0) and measured on its own on at most 500 articles;
- import: `Corpus.upsert` in batches against a bare `sqlite3.executemany` of the same rows;
- extraction: `scrapers.extract` against bare trafilatura + htmldate on ../shared/extraction (when present);
- topics: against scikit-learn LDA when benchmarks/topics.py exists (skipped otherwise);
- Dask: `framing.analyze_dask` on a LocalCluster of 2 worker processes against 1.

Results go to benchmarks/results.json (the previous run's figures are printed beside the new ones).

    python -m benchmarks [--quick] [--sizes 10000,50000,100000,200000] [--skip dask,extraction]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results.json"
FULL_SIZES = (10_000, 50_000, 100_000, 200_000)
QUICK_SIZES = (250, 500, 1_000)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def _child(args: list[str], embed: bool = False) -> dict:
    """Run one measurement in a fresh process (its own peak RSS) and return the JSON it prints."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), FRAMEWATCH_EMBED="1" if embed else "0")
    out = subprocess.run([sys.executable, "-m", "benchmarks.run", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark step {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict:
    wall, cpu = _clock()
    return {"wall_s": round(wall - start[0], 3), "cpu_s": round(cpu - start[1], 3)}


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def measure_analysis(n: int, workers: int = 1) -> dict:
    """Stream n generated articles through analysis, labels and time series; keep no units table. With
    `workers` > 1 the chunks go to that many worker processes (CPU-s and peak RSS then include them)."""
    from benchmarks.articles import iter_articles
    from framing.analyze import _model
    from framing.running import RunningTimeseries

    start = _clock()
    model = _model(None, "family", False)
    load = _since(start)
    start, children = _clock(), _children_cpu()
    running = RunningTimeseries(freq="M", correction=None)
    running.consume(iter_articles(n), chunk_docs=2000, workers=workers, model=model, progress=False)
    series = running.frame()
    # units: every unit counts in the HARM_REDUCTION units_mentioning totals; pairs: the labelled ones
    units = [sum(total for key, (_, total) in running.counts.items()
                 if key[3] == "units_mentioning" and key[4] == "HARM_REDUCTION"),
             sum(total for key, (_, total) in running.counts.items() if key[3] == "opposition_share")]
    took = _since(start)
    worker_cpu = round(_children_cpu() - children, 3)
    worker_rss = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return {"docs": n, "workers": workers, "units": units[0], "pairs": units[1], "series_rows": len(series),
            "model_load": load, "wall_s": took["wall_s"], "cpu_s": round(took["cpu_s"] + worker_cpu, 3),
            "parent_cpu_s": took["cpu_s"], "worker_cpu_s": worker_cpu, "peak_rss_mb": _peak_mb(),
            "worker_peak_rss_mb": worker_rss if workers > 1 else None}


def measure_floor(n: int) -> dict:
    """The plain `re` floor: regex sentences, every compiled lexicon pattern over every sentence."""
    from benchmarks.articles import iter_articles
    from framing.concepts import default_lexicon
    from framing.lexicon import LEVELS

    lex = default_lexicon()
    patterns = [p for c in lex.concepts for lvl in LEVELS for p in lex.patterns(c, lvl)]
    start, hits = _clock(), 0
    for doc in iter_articles(n):
        for sentence in _SENTENCE.split(doc["text"]):
            for p in patterns:
                hits += sum(1 for _ in p.finditer(sentence))
    return {"docs": n, "hits": hits, **_since(start), "peak_rss_mb": _peak_mb()}


def measure_import(n: int) -> dict:
    """`Corpus.upsert` in batches, and `framewatch import` of a JSONL file, against a bare executemany."""
    from benchmarks.corpus_store import bare_insert, corpus_insert, make_documents
    from corpus.importers import import_paths
    from corpus.store import Corpus

    docs = make_documents(n, 600)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "docs.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"url": d.url, "title": d.title, "text": d.text, "outlet": d.outlet,
                                     "date": d.date.isoformat()}) + "\n")
        bare = bare_insert(Path(tmp) / "bare.db", docs)
        ours = corpus_insert(Path(tmp) / "corpus.db", docs)
        size = (Path(tmp) / "corpus.db").stat().st_size
        began = time.perf_counter()
        with Corpus.open(Path(tmp) / "imported.db", create=True) as db:
            report = import_paths(db, [jsonl], progress=False)
        imported = time.perf_counter() - began
    return {"docs": n, "bare_s": round(bare, 3), "ours_s": round(ours, 3), "ratio": round(ours / bare, 1),
            "import_s": round(imported, 3), "import_ratio": round(imported / bare, 1),
            "imported": report.new, "failed": report.failed, "corpus_bytes_per_doc": size // n}


def measure_extraction(pages: int) -> dict | None:
    from benchmarks.extraction import SHARED, bare, load_set, ours

    root = SHARED / "extraction" / "trafilatura-eval"
    if not root.is_dir():
        return None
    import gzip

    html = []
    for page in load_set("trafilatura-eval", root, pages):
        raw = page["path"].read_bytes()
        raw = gzip.decompress(raw) if page["path"].suffix == ".gz" else raw
        html.append((raw.decode("utf-8", "replace"), page["url"]))
    t0 = time.process_time()
    for text, url in html:
        bare(text, url)
    t1 = time.process_time()
    for text, url in html:
        ours(text, url)
    t2 = time.process_time()
    return {"pages": len(html), "bare_cpu_s": round(t1 - t0, 3), "ours_cpu_s": round(t2 - t1, 3),
            "ratio": round((t2 - t1) / (t1 - t0), 2)}


def _warm() -> None:
    from framing.concepts import ConceptDetector

    ConceptDetector().detect("warm up: harm reduction and treatment")


def measure_dask(n: int, workers: int) -> dict:
    import dask.dataframe as dd
    import pandas as pd
    from dask.distributed import Client, LocalCluster

    from benchmarks.articles import articles
    from framing.scale import analyze_dask

    docs = dd.from_pandas(pd.DataFrame(articles(n)), npartitions=8)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(_warm)  # imports and the detector's regexes, as a long-running cluster has them
        lazy = analyze_dask(docs)
        start = _clock()
        units = lazy.compute()
        took = _since(start)
    return {"docs": n, "workers": workers, "units": len(units), **took}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check (< 3 minutes)")
    parser.add_argument("--sizes", help="comma-separated article counts for the analysis series")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: analysis,embed,import,"
                                                    "extraction,topics,dask")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the analysis series (default 2)")
    parser.add_argument("--_step", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._step:  # a child process: one measurement, printed as JSON
        kind, n = args._step[0], int(args._step[1])
        steps = {"analysis": lambda n: measure_analysis(n, args.workers), "floor": measure_floor}
        print(json.dumps(steps[kind](n)))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else (QUICK_SIZES if args.quick else FULL_SIZES)
    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    results: dict = {"quick": args.quick, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "cpus": os.cpu_count()}

    def show(key: str, line: str) -> None:
        before = previous.get("lines", {}).get(key)
        print(line + (f"    (last run: {before})" if before and before != line else ""), flush=True)
        results.setdefault("lines", {})[key] = line
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")  # an interrupted run keeps its figures

    if "analysis" not in skip:
        print(f"analysis of generated 600-word articles (embedding head off), each size in its own process, "
              f"{args.workers} worker process(es); CPU-s count the workers too")
        series = []
        for n in sizes:
            ours = _child(["--_step", "analysis", str(n), "--workers", str(args.workers)])
            floor = _child(["--_step", "floor", str(n)])
            series.append({"ours": ours, "floor": floor})
            workers_rss = f" (+ {ours['worker_peak_rss_mb']:,.0f} MB per worker)" if ours.get("worker_peak_rss_mb") else ""
            show(f"analysis-{n}", f"  {n:>7,} docs: {ours['wall_s']:8.1f} s wall, {ours['cpu_s']:8.1f} CPU-s "
                 f"({1000 * ours['cpu_s'] / n:.2f} ms/doc), peak RSS {ours['peak_rss_mb']:,.0f} MB{workers_rss}; "
                 f"plain re floor {floor['cpu_s']:.1f} CPU-s: {_ratio(ours['cpu_s'], floor['cpu_s'])} of the floor; "
                 f"model load {ours['model_load']['wall_s']:.1f} s")
        results["analysis"] = series
        if len(series) > 1:
            first, last = series[min(1, len(series) - 2)]["ours"], series[-1]["ours"]

            def total(o: dict) -> float:
                return o["peak_rss_mb"] + (o.get("worker_peak_rss_mb") or 0) * o.get("workers", 1)
            show("rss", f"  peak RSS at {last['docs']:,} vs {first['docs']:,} docs: "
                 f"{_ratio(last['peak_rss_mb'], first['peak_rss_mb'])} (main process), "
                 f"{_ratio(total(last), total(first))} (main + workers)")
    if "embed" not in skip:
        n = min(min(sizes), 500)  # about 60 ms a document with the head: a small sample says enough
        ours, off = _child(["--_step", "analysis", str(n)], embed=True), _child(["--_step", "analysis", str(n)])
        results["embed"] = {"on": ours, "off": off}
        show("embed", f"embedding head on, {n:,} docs: {ours['cpu_s']:.1f} CPU-s vs {off['cpu_s']:.1f} off: "
             f"{_ratio(ours['cpu_s'], off['cpu_s'])}")
    if "import" not in skip:
        imp = measure_import(2_000 if args.quick else 20_000)
        results["import"] = imp
        show("import", f"import {imp['docs']:,} docs: Corpus.upsert {imp['ours_s']:.2f} s vs bare sqlite3 "
             f"{imp['bare_s']:.2f} s: {imp['ratio']}x; import of a JSONL file {imp['import_s']:.2f} s: "
             f"{imp['import_ratio']}x; {imp['corpus_bytes_per_doc']:,} bytes per document")
    if "extraction" not in skip:
        ext = measure_extraction(20 if args.quick else 200)
        results["extraction"] = ext
        if ext is None:
            print("extraction: ../shared/extraction not present, skipped")
        else:
            show("extraction", f"extraction {ext['pages']} pages: {ext['ours_cpu_s']:.1f} CPU-s vs bare trafilatura + "
                 f"htmldate {ext['bare_cpu_s']:.1f}: {ext['ratio']}x")
    if "topics" not in skip:
        if (Path(__file__).resolve().parent / "topics.py").is_file():
            from benchmarks import topics  # noqa: F401 - run by its own module when present
            print("topics: run `python benchmarks/topics.py` (figures are its own)")
        else:
            print("topics: benchmarks/topics.py not present, skipped")
    if "dask" not in skip:
        os.environ["FRAMEWATCH_EMBED"] = "0"  # inherited by the workers: the same model as the series above
        n = 300 if args.quick else 4_000
        one, two = measure_dask(n, 1), measure_dask(n, 2)
        results["dask"] = [one, two]
        show("dask", f"dask {n:,} docs: 1 worker {one['wall_s']:.1f} s, 2 workers {two['wall_s']:.1f} s: "
             f"speed-up {_ratio(one['wall_s'], two['wall_s'])}")
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
