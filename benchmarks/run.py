"""One benchmark runner: every figure is a ratio against a baseline measured in the same run.

- analysis (concepts, relations, document labels, time series, streamed in chunks) of generated 600-word
  articles against a plain `re` floor (sentences split by a regex, every lexicon pattern scanned over each
  sentence), at each size in its own process with its peak RSS; the relation model's embedding head is off
  for this series (FRAMEWATCH_EMBED=0) and measured on its own on at most 500 articles;
- import: `Corpus.upsert_many` in batches, one `Corpus.upsert` per document and `framewatch import` of a JSONL
  file against a bare `sqlite3.executemany` of the same rows; bytes per document against the text's; peak RSS
  of `framewatch export` (JSONL, Parquet) of the corpus and of the corpus five times larger;
- extraction: `scrapers.extract` against bare trafilatura + htmldate on ../shared/extraction (when present);
- topics: framewatch's TopicModel (gensim) against scikit-learn LDA on the same generated documents
  (benchmarks/topics.py);
- Dask: `framing.analyze_dask` on a LocalCluster of 2 worker processes against 1 (alternating runs on warm
  clusters; the workers read the documents from Parquet files and count the units there; the workers' share
  of their cores is printed, since other load on the machine shows there).

Results go to benchmarks/results.json (results-quick.json for --quick); the previous run's figures are
printed beside the new ones.

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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results.json"
RESULTS_QUICK = Path(__file__).resolve().parent / "results-quick.json"  # a --quick run compares with the last one
FULL_SIZES = (10_000, 50_000, 100_000, 200_000)
QUICK_SIZES = (250, 500, 1_000)
DASK_DOCS = 20_000  # 500 per partition: a run long enough (17 s on 2 workers) that its fixed start (~0.2 s) weighs ~1%
DASK_PARTITIONS = 40
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def _child(args: list[str], embed: bool = False) -> dict:
    """Run one measurement in a fresh process (its own peak RSS) and return the JSON it prints."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), FRAMEWATCH_EMBED="1" if embed else "0")
    if "--pure" in args:  # the analysis modules from their Python source, not the compiled build
        env["FRAMEWATCH_PURE"] = "1"
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
    from framing.compiled import compiled_modules
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
    return {"docs": n, "workers": workers, "compiled": compiled_modules(), "units": units[0], "pairs": units[1],
            "series_rows": len(series),
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


def measure_import(n: int, formats: tuple[str, ...] = ("jsonl", "parquet")) -> dict:
    """Writing n documents against a bare `executemany` of the same rows (the faster of two, one before and one
    after ours): `Corpus.upsert_many` in batches, one `Corpus.upsert` per document, and `framewatch import` of a
    JSONL file (parsing, scope scoring, near-duplicate stories; once more with those two stubbed out); then
    the bytes per document, and the peak RSS of exporting the corpus and the corpus five times larger."""
    import unittest.mock

    from benchmarks.corpus_store import (bare_insert, corpus_insert, corpus_upsert_each, export_peak, grow,
                                         make_documents)
    from corpus.dedup import NearDuplicateIndex
    from corpus.importers import import_paths
    from corpus.scope import ScopeScorer
    from corpus.store import Corpus

    docs = make_documents(n, 600)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "docs.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"url": d.url, "title": d.title, "text": d.text, "outlet": d.outlet,
                                     "date": d.date.isoformat()}) + "\n")
        cpu = {}

        def timed(name: str, run: Any, path: str) -> float:
            began = time.process_time()
            wall = run(Path(tmp) / path, docs)
            cpu[name] = min(cpu.get(name, float("inf")), time.process_time() - began)
            return wall

        bare = timed("bare", bare_insert, "bare.db")
        ours = timed("ours", corpus_insert, "corpus.db")
        each = timed("each", corpus_upsert_each, "each.db")
        bare = min(bare, timed("bare", bare_insert, "bare2.db"))
        began = time.perf_counter()
        with Corpus.open(Path(tmp) / "imported.db", create=True) as db:
            report = import_paths(db, [jsonl], progress=False)
            size = db.size()
        imported = time.perf_counter() - began
        with unittest.mock.patch.object(ScopeScorer, "score", lambda self, title, text: (0.0, "out")), \
                unittest.mock.patch.object(NearDuplicateIndex, "add", lambda self, doc_id, text, story_id=None: doc_id):
            began = time.perf_counter()  # the same import with scope scoring and near-duplicate stories stubbed
            with Corpus.open(Path(tmp) / "plain.db", create=True) as db:
                import_paths(db, [jsonl], progress=False)
            plain = time.perf_counter() - began
        text_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
        exports = {}
        for fmt in formats:
            exports[f"{fmt}-{n}"] = export_peak(Path(tmp) / "corpus.db", fmt)
        grow(Path(tmp) / "corpus.db", docs, 5)
        for fmt in formats:
            exports[f"{fmt}-{5 * n}"] = export_peak(Path(tmp) / "corpus.db", fmt)
    return {"docs": n, "bare_s": round(bare, 3), "ours_s": round(ours, 3), "ratio": round(ours / bare, 1),
            "upsert_each_s": round(each, 3), "upsert_each_ratio": round(each / bare, 1),
            "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
            "import_s": round(imported, 3), "import_ratio": round(imported / bare, 1),
            "import_plain_s": round(plain, 3), "import_plain_ratio": round(plain / bare, 1),
            "imported": report.new, "failed": report.failed, "corpus_bytes_per_doc": size // n,
            "text_bytes_per_doc": text_bytes // n, "export": exports}


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


def _warm_worker(model: object) -> float:
    """Imports, compiled regexes, sentence splitter, the relation model (the shipped one loaded from the
    package's file, once per worker process) and one small analysis in a worker, as a running cluster has
    them after its first task. Returns the seconds it took."""
    from benchmarks.articles import articles
    from framing.analyze import analyze
    from framing.scale import resolve_model

    start = time.perf_counter()
    analyze(articles(3), model=resolve_model(model), progress=False)
    return time.perf_counter() - start


def _tally(units: object) -> object:
    """What a cluster run keeps of a partition when its units are written out or aggregated there: counts."""
    import pandas as pd

    return pd.DataFrame({"units": [len(units)], "pairs": [sum(len(p) for p in units["pairs"])]})


def _dask_run(client: object, path: str, model: object, keep: str) -> dict:
    """One timed `analyze_dask` on `client` of the documents in the Parquet files at `path`, read by the
    workers: the units table back in this process (`full`) or counted on the workers (`tally`, partitions
    not numbered across each other, so none waits for another); wall time and the CPU time the workers
    spent (their share shows a busy machine)."""
    import dask.dataframe as dd

    from framing.scale import analyze_dask

    cpu = client.run(time.process_time)
    start = time.perf_counter()
    docs = dd.read_parquet(path, columns=["id", "date", "title", "text"])
    lazy = analyze_dask(docs, model=model, numbered=keep != "tally")
    if keep == "tally":
        lazy = lazy.map_partitions(_tally, meta={"units": "int64", "pairs": "int64"})
    out = client.compute(lazy).result()
    wall = time.perf_counter() - start
    workers = len(client.scheduler_info()["workers"])
    spent = [t - cpu[w] for w, t in client.run(time.process_time).items()]
    units = int(out["units"].sum()) if keep == "tally" else len(out)
    return {"wall_s": round(wall, 3), "worker_cpu_s": round(sum(spent), 3), "busiest_cpu_s": round(max(spent), 3),
            "cpu_share": round(sum(spent) / (wall * workers), 2), "units": units}


_SPIN = "import time\nt = time.process_time()\nx = 0\nfor i in range({n}):\n    x += i * i % 7\n"


def machine_ceiling(loops: int = 6_000_000) -> float:
    """The speed-up this machine gives 2 processes over 1 right now: a fixed pure-Python loop run twice in
    one process against once in each of two processes at the same time (other load shows here too)."""
    code = _SPIN.format(n=loops)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code + code.split("\n", 1)[1]], check=True)
    one = time.perf_counter() - start
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    for proc in procs:
        proc.wait()
    return round(one / (time.perf_counter() - start), 2)


def measure_dask(n: int, repeats: int, partitions: int = DASK_PARTITIONS) -> dict:
    """`analyze_dask` on LocalClusters of 1 and 2 worker processes (one thread each), measured fairly: the
    same documents in the same `partitions` Parquet files of equal size, read by the workers themselves
    inside the clock (as on a cluster with shared storage); both clusters started and warmed before the
    clock (imports, the shipped relation model loaded from the package's file once per worker, a small
    analysis) and kept up; runs alternate 1, 2, 2, 1 ... so that other load on the machine falls on both.
    The graph carries the shipped model's SHA-256, not the model. Dask's nanny already runs each worker with
    OMP/MKL/OPENBLAS threads at 1."""
    from contextlib import ExitStack

    import pandas as pd
    from dask.distributed import Client, LocalCluster

    from benchmarks.articles import articles
    from framing.scale import ShippedModel, graph_model

    model = graph_model()  # the shipped model: its SHA-256 (a model trained here, when the file is out of date)
    frame = pd.DataFrame(articles(n))
    size = -(-n // partitions)
    runs: dict[int, list[dict]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        for i in range(partitions):  # one file per partition, equal sizes
            frame.iloc[i * size:(i + 1) * size].to_parquet(Path(tmp) / f"part-{i:03d}.parquet", index=False)
        clients, warm = {}, {}
        for workers in (1, 2):
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=":0"))
            clients[workers] = stack.enter_context(Client(cluster, set_as_default=False))
            warm[workers] = max(clients[workers].run(_warm_worker, model).values())
        ceilings = []
        for r in range(repeats):
            ceilings.append(machine_ceiling())
            for workers in ((1, 2) if r % 2 == 0 else (2, 1)):
                runs[workers].append(_dask_run(clients[workers], tmp, model, "tally"))
        full = {w: _dask_run(clients[w], tmp, model, "full") for w in (1, 2)}
    ratios = sorted(a["wall_s"] / b["wall_s"] for a, b in zip(runs[1], runs[2]))
    # what the work allows when each worker has its core: one worker's CPU time over half of two workers'
    # (the work split evenly), and over the busier of two (the split this run's scheduling made)
    even = sorted(2 * a["worker_cpu_s"] / b["worker_cpu_s"] for a, b in zip(runs[1], runs[2]))
    bound = sorted(a["worker_cpu_s"] / b["busiest_cpu_s"] for a, b in zip(runs[1], runs[2]))
    return {"docs": n, "partitions": partitions, "repeats": repeats, "tally": runs, "full": full,
            "model_in_graph": not isinstance(model, ShippedModel),
            "worker_warm_s": round(max(warm.values()), 2),
            "speedup_median": round(ratios[len(ratios) // 2], 2), "speedup_min": round(ratios[0], 2),
            "speedup_max": round(ratios[-1], 2),
            "speedup_full": round(full[1]["wall_s"] / full[2]["wall_s"], 2), "machine_ceiling": ceilings,
            "speedup_cpu_bound": round(bound[len(bound) // 2], 2), "speedup_cpu_even": round(even[len(even) // 2], 2),
            "load_avg": round(os.getloadavg()[0], 2)}


def _write_warcs(folder: Path, n: int, files: int) -> None:
    """n generated articles as HTML responses, spread over `files` gzip WARC files."""
    import html
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from benchmarks.articles import iter_articles

    handles = [open(folder / f"bench-{i}.warc.gz", "wb") for i in range(files)]
    try:
        writers = [WARCWriter(h, gzip=True) for h in handles]
        for i, doc in enumerate(iter_articles(n)):
            body = "".join(f"<p>{html.escape(p)}</p>" for p in doc["text"].split("\n\n"))
            page = (f"<html><head><title>{html.escape(doc['title'])}</title></head><body><article>"
                    f"<h1>{html.escape(doc['title'])}</h1>{body}</article></body></html>").encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer = writers[i % files]
            writer.write_record(writer.create_warc_record(
                f"https://bench.example/{doc['id']}", "response", payload=io.BytesIO(page), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-05-01T00:00:00Z"}))
    finally:
        for h in handles:
            h.close()


def _warm_backfill() -> None:
    """Imports, trafilatura and the scope patterns in a worker, as a running cluster has them."""
    from corpus.scope import ScopeScorer
    from scrapers.extract import extract

    page = "<html><body><article><p>" + "The overdose prevention site opened. " * 20 + "</p></article></body></html>"
    ScopeScorer().score(None, extract(page, url="https://warm.example/a", hints=None).text)


def measure_backfill(n: int, files: int = 4) -> dict:
    """`corpus.backfill` of n generated pages in `files` WARC files into a new corpus, on warm LocalClusters of
    1 and 2 workers (started before the clock): records per second, and what the corpus then holds."""
    from dask.distributed import Client, LocalCluster

    from corpus.backfill import backfill
    from corpus.store import Corpus

    out: dict = {"records": n, "files": files}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_warcs(folder, n, files)
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=":0") as cluster, \
                    Client(cluster, set_as_default=False) as client, \
                    Corpus.open(folder / f"corpus-{workers}.sqlite", create=True) as db:
                client.run(_warm_backfill)
                worker_cpu, writer_cpu = sum(client.run(time.process_time).values()), time.process_time()
                report = backfill(db, [str(folder / "*.warc.gz")], client=client, progress=False)
                worker_cpu = sum(client.run(time.process_time).values()) - worker_cpu
                writer_cpu = time.process_time() - writer_cpu
                out[workers] = {"seconds": report.seconds, "records_per_s": round(report.records / report.seconds, 1),
                                "worker_ms_per_record": round(1000 * worker_cpu / report.records, 1),
                                "writer_ms_per_record": round(1000 * writer_cpu / report.records, 1),
                                "new": report.new, "out_of_scope": report.out_of_scope, "failed": report.failed}
    return out


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check (< 3 minutes)")
    parser.add_argument("--sizes", help="comma-separated article counts for the analysis series")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: analysis,embed,import,"
                                                    "extraction,topics,dask")
    parser.add_argument("--out", type=Path, default=None, help="results file (default: benchmarks/results.json, "
                        "or results-quick.json with --quick)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the analysis series (default 2)")
    parser.add_argument("--dask-docs", type=int, default=DASK_DOCS, help=f"documents for the Dask comparison "
                        f"(default {DASK_DOCS:,})")
    parser.add_argument("--pure", action="store_true", help="run the analysis series in pure Python, without the "
                        "compiled modules (framing.compiled)")
    parser.add_argument("--_step", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._step:  # a child process: one measurement, printed as JSON
        kind, n = args._step[0], int(args._step[1])
        steps = {"analysis": lambda n: measure_analysis(n, args.workers), "floor": measure_floor}
        print(json.dumps(steps[kind](n)))
        return 0
    began = time.perf_counter()
    skip = set(filter(None, args.skip.split(",")))
    args.out = args.out or (RESULTS_QUICK if args.quick else RESULTS)
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else (QUICK_SIZES if args.quick else FULL_SIZES)
    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    results: dict = {"quick": args.quick, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "cpus": os.cpu_count()}

    def show(key: str, line: str) -> None:
        before = previous.get("lines", {}).get(key)
        print(line + (f"\n      last run ({previous.get('when', '?')}): {before.strip()}" if before and before != line
                      else ""), flush=True)
        results.setdefault("lines", {})[key] = line
        results.setdefault("at_s", {})[key] = round(time.perf_counter() - began)  # when in the run (section times)
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")  # an interrupted run keeps its figures

    if "analysis" not in skip:
        print(f"analysis of generated 600-word articles (embedding head off), each size in its own process, "
              f"{args.workers} worker process(es); CPU-s count the workers too")
        series = []
        for n in sizes:
            ours = _child(["--_step", "analysis", str(n), "--workers", str(args.workers)] + ["--pure"] * args.pure)
            if n == sizes[0]:
                show("compiled", f"  compiled analysis modules (framing.compiled): "
                     f"{', '.join(ours['compiled']) or 'none, pure Python'}")
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
        n = min(min(sizes), 100 if args.quick else 500)  # about 60 ms a document with the head: a small sample says enough
        ours, off = _child(["--_step", "analysis", str(n)], embed=True), _child(["--_step", "analysis", str(n)])
        results["embed"] = {"on": ours, "off": off}
        show("embed", f"embedding head on, {n:,} docs: {ours['cpu_s']:.1f} CPU-s vs {off['cpu_s']:.1f} off: "
             f"{_ratio(ours['cpu_s'], off['cpu_s'])}")
    if "import" not in skip:
        imp = measure_import(1_000, ("jsonl",)) if args.quick else measure_import(20_000)
        results["import"] = imp
        show("import", f"import {imp['docs']:,} docs vs a bare sqlite3 executemany of the same rows "
             f"({imp['bare_s']:.2f} s): Corpus.upsert_many {imp['ours_s']:.2f} s: {imp['ratio']}x "
             f"({_ratio(imp['cpu_s']['ours'], imp['cpu_s']['bare'])} in CPU time); one Corpus.upsert per document "
             f"{imp['upsert_each_s']:.2f} s: {imp['upsert_each_ratio']}x "
             f"({_ratio(imp['cpu_s']['each'], imp['cpu_s']['bare'])} in CPU time)")
        show("import-file", f"framewatch import of a JSONL file {imp['import_s']:.2f} s: {imp['import_ratio']}x; "
             f"without scope scoring and near-duplicate stories (parsing, normalising, storing) "
             f"{imp['import_plain_s']:.2f} s: {imp['import_plain_ratio']}x")
        show("size", f"size: {imp['corpus_bytes_per_doc']:,} bytes per document, "
             f"{_ratio(imp['corpus_bytes_per_doc'], imp['text_bytes_per_doc'])} its text "
             f"({imp['text_bytes_per_doc']:,} bytes)")
        small, large = imp["docs"], 5 * imp["docs"]
        for fmt in sorted({key.split("-")[0] for key in imp["export"]}):
            a, b = imp["export"][f"{fmt}-{small}"], imp["export"][f"{fmt}-{large}"]
            show(f"export-{fmt}", f"export {fmt}: peak RSS {a['peak_rss_mb']:,.0f} MB for {small:,} docs "
                 f"({a['seconds']:.1f} s), {b['peak_rss_mb']:,.0f} MB for {large:,} ({b['seconds']:.1f} s): "
                 f"{_ratio(b['peak_rss_mb'], a['peak_rss_mb'])} (after the imports, before exporting: "
                 f"{a['imports_rss_mb']:,.0f} MB)")
    if "extraction" not in skip:
        ext = measure_extraction(20 if args.quick else 200)
        results["extraction"] = ext
        if ext is None:
            print("extraction: ../shared/extraction not present, skipped")
        else:
            show("extraction", f"extraction {ext['pages']} pages: {ext['ours_cpu_s']:.1f} CPU-s vs bare trafilatura + "
                 f"htmldate {ext['bare_cpu_s']:.1f}: {ext['ratio']}x")
    if "topics" not in skip:
        from benchmarks.topics import measure as measure_topics

        n = 1_000 if args.quick else 20_000
        ours, sk = measure_topics(n, passes=1 if args.quick else 3, coherence_docs=min(n, 5_000), progress=False)
        results["topics"] = {"docs": n, "framewatch": ours, "sklearn": sk}
        show("topics", f"topics {n:,} docs: framewatch (gensim) {ours['seconds']:.1f} s vs scikit-learn LDA "
             f"{sk['seconds']:.1f} s: {_ratio(ours['seconds'], sk['seconds'])}; c_v {ours['c_v']:.3f} vs "
             f"{sk['c_v']:.3f}; peak RSS {ours['peak_rss_mb']:,.0f} vs {sk['peak_rss_mb']:,.0f} MB")
    if "dask" not in skip:
        os.environ["FRAMEWATCH_EMBED"] = "0"  # inherited by the workers: the same model as the series above
        n, repeats = (300, 1) if args.quick else (args.dask_docs, 3)
        d = measure_dask(n, repeats)
        results["dask"] = d
        one, two = d["tally"][1], d["tally"][2]
        walls = {w: "/".join(f"{r['wall_s']:.1f}" for r in d["tally"][w]) for w in (1, 2)}
        shipped = "the model in the graph" if d["model_in_graph"] else \
            f"the shipped model loaded from its file once per worker before the clock ({d['worker_warm_s']:.1f} s)"
        show("dask", f"dask: analyze_dask on 2 workers vs 1 (LocalCluster, one thread each), {n:,} docs read by "
             f"the workers from {d['partitions']} Parquet files, units counted on the workers, {shipped}; "
             f"{repeats} alternating runs: 1 worker {walls[1]} s, 2 workers {walls[2]} s: "
             f"speed-up {d['speedup_median']}x (runs {d['speedup_min']}-{d['speedup_max']}x); workers had "
             f"{min(r['cpu_share'] for r in one + two):.0%}-{max(r['cpu_share'] for r in one + two):.0%} of their "
             f"cores (load average {d['load_avg']}; 2 plain processes vs 1 on this machine meanwhile: "
             f"{'/'.join(f'{c}x' for c in d['machine_ceiling'])}, so Dask got "
             f"{d['speedup_median'] / sorted(d['machine_ceiling'])[len(d['machine_ceiling']) // 2]:.0%} of it); "
             f"with a core for each worker the work allows {d['speedup_cpu_even']}x split evenly, "
             f"{d['speedup_cpu_bound']}x split as this run did (one worker's CPU-s over half of two workers', over "
             f"the busier one's); the whole units table back to this process instead: "
             f"{d['full'][1]['wall_s']:.1f} s vs {d['full'][2]['wall_s']:.1f} s, {d['speedup_full']}x")
        b = measure_backfill(60 if args.quick else 600)
        results["backfill"] = b
        show("backfill", f"backfill {b['records']:,} generated pages in {b['files']} WARC files: 1 worker "
             f"{b[1]['records_per_s']} records/s, 2 workers {b[2]['records_per_s']} records/s "
             f"({_ratio(b[2]['records_per_s'], b[1]['records_per_s'])}); {b[2]['new']} stored, "
             f"{b[2]['out_of_scope']} out of scope, {b[2]['failed']} failed; CPU per record: workers "
             f"{b[1]['worker_ms_per_record']} ms (read, extract, scope), this process {b[1]['writer_ms_per_record']} ms "
             f"(the one writer: de-duplication, stories, SQLite)")
    took = time.perf_counter() - began
    results["seconds"] = round(took)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}; the run took {took / 60:.1f} min"
          + (" (more than the 3 minutes a --quick run should take)" if args.quick and took > 180 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
