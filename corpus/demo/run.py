"""The offline demo: serve the sample news site on 127.0.0.1 and run the real monthly-update path on it.

discover → fetch → extract → store → measure → report, with the same code `framewatch update` runs
(`corpus.update.run_update`) and the same measurement a researcher runs (`framing.analyze`,
`document_labels`, `timeseries`). Example::

    summary = run_demo("demo-out")
    print(summary.format())
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from corpus.demo.server import DemoServer
from corpus.demo.sitebuilder import Site, design_counts, load_site

DATA_MARKER = ".framewatch-demo"   # only a data folder carrying this file is ever wiped by the demo


class DemoError(RuntimeError):
    """The demo cannot run (for example, its data folder holds something that is not a demo corpus)."""


@dataclass
class YearRow:
    """One year of the measured trend beside the one the sample site was written to show."""

    year: int
    documents: int
    cooccurrences: int
    opposition: int
    share: float
    ci_low: float
    ci_high: float
    design_share: float | None


@dataclass
class DemoSummary:
    """What one demo run collected and measured, with the paths of everything it wrote."""

    base_url: str
    pages_on_site: int
    documents: int
    in_scope: int
    adjacent: int
    out_of_scope: int
    stories: int
    duplicates_collapsed: int
    undated: int
    failed: int
    document_labels: dict[str, int]
    per_year: list[YearRow]
    seconds: float
    files: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what `summary.json` holds)."""
        return asdict(self)

    def format(self) -> str:
        """The summary `framewatch demo` prints."""
        lines = [
            f"framewatch demo: sample site served at {self.base_url} ({self.pages_on_site} pages)",
            f"  documents collected   {self.documents}",
            f"  in scope (core)       {self.in_scope}   adjacent {self.adjacent}   out of scope {self.out_of_scope}",
            f"  duplicates collapsed  {self.duplicates_collapsed} syndicated copies ({self.stories} distinct stories)",
            f"  undated (in scope)    {self.undated}",
            f"  failed fetches        {self.failed}",
            "  document framing      " + ", ".join(f"{k} {v}" for k, v in self.document_labels.items()),
            "",
            "  share of co-occurring units framed as opposition (all pairs, Wilson 95% CI):",
            "  year  docs  co-occ  opposition  share  [95% CI]       designed",
        ]
        for r in self.per_year:
            design = f"{r.design_share:.2f}" if r.design_share is not None else "  - "
            lines.append(f"  {r.year}  {r.documents:4d}  {r.cooccurrences:6d}  {r.opposition:10d}  {r.share:5.2f}"
                         f"  [{r.ci_low:.2f}, {r.ci_high:.2f}]   {design}")
        lines += ["", f"  finished in {self.seconds:.1f} s; outputs:"]
        lines += [f"    {name:<18} {path}" for name, path in self.files.items()]
        return "\n".join(lines)


def demo_config_text(base_url: str, data_dir: Path, site: Site) -> str:
    """The update configuration the demo runs: each outlet's feed and sitemap, the documents sitemap and
    the Google News sitemap of the local server, with no delay between requests and loopback allowed."""
    parts = [
        "# Written by `framewatch demo`: the sources of the local sample site.",
        "[project]", f"data_dir = {json.dumps(str(data_dir))}", 'contact = "demo@framewatch.invalid"', "",
        "[http]", "min_delay = 0", "timeout = 10.0", "allow_loopback = true", "",
        "[update]", "start_date = 2018-01-01", "",
    ]
    feeds = {"ledger": "feed.rss", "northwind": "feed.atom", "vpr": "feed.rss", "civic": "feed.atom"}
    for key, outlet in site.outlets.items():
        if key in feeds:
            parts += [f"[sources.{key}_feed]", 'kind = "rss"', f'url = "{base_url}/{key}/{feeds[key]}"',
                      f"outlet = {json.dumps(outlet.name)}", ""]
    for key, outlet in site.outlets.items():
        folder = "documents" if outlet.template == "pdf" else key
        parts += [f"[sources.{key}_sitemap]", 'kind = "sitemap"', f'url = "{base_url}/{folder}/sitemap.xml"',
                  f"outlet = {json.dumps(outlet.name)}", ""]
    parts += ["[sources.news_sitemap]", 'kind = "sitemap"', f'url = "{base_url}/news-sitemap.xml"', ""]
    return "\n".join(parts)


def _fresh_data_dir(data_dir: Path) -> None:
    """Start from an empty corpus (the server's port, hence every URL, changes between runs)."""
    if data_dir.exists():
        if not (data_dir / DATA_MARKER).is_file():
            raise DemoError(f"{data_dir} exists and was not made by `framewatch demo`; "
                            "choose another --out folder")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (data_dir / DATA_MARKER).write_text("made by framewatch demo; wiped at the next demo run\n", encoding="utf-8")


def _pooled_by_year(ts_year: pd.DataFrame) -> pd.DataFrame:
    """Opposition share of co-occurrences per year over all three pairs, with a Wilson interval."""
    from framing.timeseries import wilson_interval

    opp = ts_year[ts_year["measure"] == "opposition_share"]
    pooled = opp.groupby("period")[["count", "total"]].sum()
    docs = ts_year[ts_year["measure"] == "documents_in_scope"].groupby("period")["count"].sum()
    pooled["documents"] = docs.reindex(pooled.index).fillna(0).astype(int)
    intervals = [wilson_interval(int(k), int(n)) for k, n in zip(pooled["count"], pooled["total"])]
    pooled["share"] = [k / n if n else 0.0 for k, n in zip(pooled["count"], pooled["total"])]
    pooled["ci_low"] = [lo for lo, _ in intervals]
    pooled["ci_high"] = [hi for _, hi in intervals]
    return pooled


def run_demo(out_dir: str | Path = "demo-out", log: TextIO | None = None) -> DemoSummary:
    """Serve the sample site locally, run the monthly update and the framing measures on it, and write
    CSV/JSON/PNG/HTML outputs to `out_dir` (report and charts by `framing.report`); returns the summary,
    also saved as `out_dir/summary.json`. Progress goes to `log` (stderr by default)."""
    from corpus.config import load_config
    from corpus.measure import measure_corpus, write_outputs
    from corpus.update import run_update
    from framing.timeseries import timeseries

    log = log or sys.stderr
    started = time.monotonic()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    data_dir = out / "data"
    _fresh_data_dir(data_dir)
    site = load_site()

    with DemoServer(site) as server:
        config_path = out / "demo-config.toml"
        config_path.write_text(demo_config_text(server.base_url, data_dir, site), encoding="utf-8")
        config = load_config(config_path)
        db_path = config.db_path
        print(f"[demo] serving {len(site.articles)} pages at {server.base_url}; "
              "discover → fetch → extract → store …", file=log)
        run = run_update(config, db_path, since=None, until=None)
    if run.status != "finished" or len(run.failures):
        print(f"[demo] the update ended {run.status} with {len(run.failures)} failure(s):", file=log)
        for failure in run.failures.head(10).itertuples():
            print(f"  {failure}", file=log)

    print("[demo] measure: units, concepts, relations, document labels, time series …", file=log)
    measured = measure_corpus(db_path, freq="Y")
    docs, units, labels, ts_year = measured.docs, measured.units, measured.labels, measured.timeseries
    in_scope = docs[docs["scope_label"] == "core"]
    ts_month = timeseries(docs, units, freq="M")
    pooled = _pooled_by_year(ts_year)

    print("[demo] report …", file=log)
    files = write_outputs(measured, out, title="framewatch demo: the sample news site, 2019-2026")
    files.update({
        "timeseries_month": out / "timeseries_month.csv", "run_sources": out / "run_sources.csv",
        "per_year": out / "per_year.csv", "summary": out / "summary.json", "corpus": db_path,
        "config": config_path,
    })
    ts_month.to_csv(files["timeseries_month"], index=False)
    run.sources.to_csv(files["run_sources"], index=False)

    design = design_counts(site)
    per_year = []
    for period, row in pooled.iterrows():
        d = design.get(str(period))
        d_total = sum(d.values()) if d else 0
        per_year.append(YearRow(
            year=int(period), documents=int(row["documents"]), cooccurrences=int(row["total"]),
            opposition=int(row["count"]), share=round(float(row["share"]), 4),
            ci_low=round(float(row["ci_low"]), 4), ci_high=round(float(row["ci_high"]), 4),
            design_share=round(d["opposition"] / d_total, 4) if d_total else None,
        ))
    story = docs["story_id"].fillna(docs["id"])
    summary = DemoSummary(
        base_url=server.base_url, pages_on_site=len(site.articles), documents=len(docs),
        in_scope=int((docs["scope_label"] == "core").sum()),
        adjacent=int((docs["scope_label"] == "adjacent").sum()),
        out_of_scope=int((docs["scope_label"] == "out").sum()),
        stories=int(story.nunique()), duplicates_collapsed=int(len(docs) - story.nunique()),
        undated=int(ts_year.attrs.get("undated", int(in_scope["date"].isna().sum()))),
        failed=run.total("failed"),
        document_labels={k: int(v) for k, v in labels["label"].value_counts().items()},
        per_year=per_year, seconds=0.0,
        files={k: str(v) for k, v in files.items()},
    )
    pd.DataFrame([asdict(r) for r in per_year]).to_csv(files["per_year"], index=False)
    summary.seconds = round(time.monotonic() - started, 1)
    files["summary"].write_text(json.dumps(summary.to_dict(), indent=2, default=str), encoding="utf-8")
    return summary

