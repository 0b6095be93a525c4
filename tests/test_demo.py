"""`framewatch demo` end to end, as a user runs it: a subprocess serving the sample site on 127.0.0.1, the
real monthly update and framing measures, checked against what the sample site was written to hold."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from corpus.demo.sitebuilder import article_path, design_counts, load_site
from corpus.urls import canonical_url
from scrapers.dates import CONFIDENCE

LINKED = CONFIDENCE["linked"]
PORT_BASE = "http://127.0.0.1:1"   # any base: paths and canonical forms do not depend on the port


def framewatch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corpus", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    proc = framewatch("demo", "--out", "out", cwd=work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = work / "out"
    return proc, out, json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site():
    return load_site()


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"


def test_summary_counts_match_the_site(demo, site):
    proc, out, summary = demo
    offtopic = sum(a.kind == "offtopic" for a in site.articles)
    copies = sum(bool(a.syndicated_from) for a in site.articles)
    # a page written without a date may carry a related link's day, at low confidence (see below)
    docs = pd.read_csv(out / "documents.csv")
    guessed = int(((docs["date_confidence"] <= LINKED) & (docs["date_source"] == "htmldate")).sum())
    undated = sum(a.date is None for a in site.articles) - guessed
    assert summary["pages_on_site"] == len(site.articles)
    assert summary["documents"] == len(site.articles)
    assert summary["out_of_scope"] == offtopic
    assert summary["in_scope"] == len(site.articles) - offtopic
    assert summary["duplicates_collapsed"] == copies
    assert summary["stories"] == len(site.articles) - copies
    assert summary["undated"] == undated
    assert summary["failed"] == 0
    assert f"documents collected   {len(site.articles)}" in proc.stdout
    assert f"duplicates collapsed  {copies} syndicated copies" in proc.stdout


def test_every_page_is_stored_with_its_date_scope_and_story(demo, site):
    _, out, _ = demo
    docs = pd.read_csv(out / "documents.csv")
    by_path = {path_of(u): row for u, row in zip(docs["url"], docs.itertuples())}
    story_of = {}
    for a in site.articles:
        key = path_of(canonical_url(PORT_BASE + article_path(a)))
        row = by_path[key]
        expected = a.date.isoformat() if a.date else None
        got = None if pd.isna(row.date) else str(row.date)[:10]
        if expected is None and got is not None:  # htmldate read a related article's link: flagged
            assert row.date_source == "htmldate" and row.date_confidence <= LINKED, a.uid
        else:
            assert got == expected, (a.uid, row.date_source)
        assert (row.scope_label == "out") == (a.kind == "offtopic"), a.uid
        story_of[a.uid] = row.story_id
    for a in site.articles:
        if a.syndicated_from:
            assert story_of[a.uid] == story_of[a.syndicated_from], a.uid
    assert len(set(story_of.values())) == len(site.articles) - sum(bool(a.syndicated_from) for a in site.articles)


def test_measured_trend_follows_the_designed_one(demo, site):
    _, _, summary = demo
    rows = {r["year"]: r for r in summary["per_year"]}
    assert sorted(rows) == list(range(2019, 2027))
    design = design_counts(site)
    for year, r in rows.items():
        d = design[str(year)]
        assert r["design_share"] == pytest.approx(d["opposition"] / sum(d.values()), abs=1e-4)
        assert r["cooccurrences"] >= sum(d.values()) // 2, year   # the written relations are found
    early = [rows[y]["share"] for y in (2019, 2020, 2021)]
    late = [rows[y]["share"] for y in (2024, 2025, 2026)]
    assert max(early) < min(late)
    assert sum(late) / 3 - sum(early) / 3 >= 0.25
    measured = pd.Series({y: r["share"] for y, r in rows.items()})
    designed = pd.Series({y: r["design_share"] for y, r in rows.items()})
    assert measured.corr(designed, method="spearman") >= 0.7


def test_outputs_are_written(demo):
    _, out, summary = demo
    for name in ("documents", "units", "document_labels", "timeseries", "timeseries_month",
                 "run_sources", "per_year", "report", "summary", "corpus", "config"):
        assert Path(summary["files"][name]).is_file(), name
    assert (out / "opposition_share.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert report.count("<svg") == 3 and "<table" in report
    # the report's counts are the ones the command line printed
    assert f"<b>{summary['in_scope']}</b>documents in scope" in report
    assert f"<b>{summary['out_of_scope']}</b>out of scope" in report
    assert f"<b>{summary['undated']}</b>without a reliable date" in report
    per_year = pd.read_csv(out / "per_year.csv")
    assert list(per_year["year"]) == [r["year"] for r in summary["per_year"]]
    ts = pd.read_csv(out / "timeseries_month.csv")
    undated = ts[ts["measure"] == "documents_undated"]
    assert int(undated["count"].sum()) == summary["undated"]
    labels = pd.read_csv(out / "document_labels.csv")
    assert set(labels["label"]) <= {"integrative", "oppositional", "mixed", "single", "none"}
    assert {"oppositional", "integrative"} <= set(labels["label"])
    units = pd.read_json(out / "units.jsonl", lines=True)
    assert {"doc_id", "text", "concepts", "pairs"} <= set(units.columns)
    sources = pd.read_csv(out / "run_sources.csv")
    assert int(sources["new"].sum()) == summary["documents"]


def test_framing_labels_are_stored_in_the_corpus(demo):
    from corpus.store import Corpus

    _, _, summary = demo
    with Corpus.open(summary["files"]["corpus"]) as db:
        frame = db.to_frame()
    core = frame[frame["scope_label"] == "core"]
    assert core["framing_label"].notna().all()
    assert frame.loc[frame["scope_label"] == "out", "framing_label"].isna().all()


def test_refuses_a_data_folder_it_did_not_make(tmp_path):
    (tmp_path / "out" / "data").mkdir(parents=True)
    keep = tmp_path / "out" / "data" / "precious.sqlite"
    keep.write_bytes(b"not the demo's")
    proc = framewatch("demo", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not made by `framewatch demo`" in proc.stderr and str(tmp_path / "out" / "data") in proc.stderr
    assert keep.read_bytes() == b"not the demo's"
