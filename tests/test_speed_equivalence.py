"""The fast path gives exactly what the former one gave: the same units, concepts, pair labels and
probabilities, unit for unit, on the demo corpus and on the shared seed sentences.

The reference (tests/data/speed_reference.json) was computed by the code before the speed work; it holds
no real text: seed units are stored by uid, and their text is read from ../shared when it is present.
Regenerate (only on purpose, when detection or the model changes): `python tests/test_speed_equivalence.py`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from framing.analyze import analyze

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "speed_reference.json"
SEED_UNITS = ROOT.parent / "shared" / "labels" / "seed-units.jsonl"
KEYS = ("unit", "start", "end", "paragraph", "concepts", "helpers", "pairs", "probabilities")
DEMO_EXTRA = ("markers", "explanations")  # the demo's text is the project's own


def demo_docs() -> pd.DataFrame:
    """The bundled demo site's articles as a documents table (id, title, text, date)."""
    from corpus.demo.sitebuilder import load_site

    arts = load_site().articles
    return pd.DataFrame({"id": [a.uid for a in arts], "title": [a.title for a in arts],
                         "text": [a.text for a in arts], "date": [str(a.date) if a.date else None for a in arts]})


def seed_docs() -> pd.DataFrame | None:
    """Each shared seed sentence as a one-unit document (id = uid), or None when ../shared is absent."""
    if not SEED_UNITS.is_file():
        return None
    rows = [json.loads(line) for line in SEED_UNITS.open(encoding="utf-8") if line.strip()]
    return pd.DataFrame({"id": [r["uid"] for r in rows], "text": [r["text"] for r in rows]})


def summary(units: pd.DataFrame, extra: tuple[str, ...] = ()) -> dict[str, list]:
    """Per document, its units as plain JSON values (no text, unless `extra` names a text column)."""
    out: dict[str, list] = {}
    for row in units.to_dict("records"):
        out.setdefault(str(row["doc_id"]), []).append({k: row[k] for k in KEYS + extra})
    return out


def _plain(value: object) -> object:
    return json.loads(json.dumps(value))


def test_demo_corpus_units_equal_the_reference() -> None:
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    got = _plain(summary(analyze(demo_docs(), progress=False), DEMO_EXTRA))
    assert got.keys() == ref["demo"].keys()
    for doc_id, units in ref["demo"].items():
        assert got[doc_id] == units, doc_id
    assert sum(bool(u["pairs"]) for units in ref["demo"].values() for u in units) > 50  # pairs were compared


def test_seed_sentences_equal_the_reference() -> None:
    docs = seed_docs()
    if docs is None:
        pytest.skip("../shared/labels/seed-units.jsonl not present")
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    got = _plain(summary(analyze(docs, progress=False)))
    assert got == ref["seeds"]


def test_streamed_chunks_equal_one_call() -> None:
    from framing.analyze import iter_analyze

    docs = demo_docs()
    whole = analyze(docs, progress=False)
    records = (dict(zip(docs.columns, row)) for row in docs.itertuples(index=False, name=None))
    chunks = list(iter_analyze(records, chunk_docs=7, progress=False))  # a generator, read 7 at a time
    assert len(chunks) == -(-len(docs) // 7)
    streamed = pd.concat(chunks, ignore_index=True)
    assert streamed.drop(columns="date").to_dict("records") == whole.drop(columns="date").to_dict("records")


def test_running_timeseries_over_chunks_equals_timeseries_of_the_whole() -> None:
    from framing.running import RunningTimeseries, analyze_stream
    from framing.timeseries import timeseries

    docs = demo_docs()
    whole = timeseries(docs, analyze(docs, progress=False))
    running = RunningTimeseries()
    for chunk_docs, units in analyze_stream(docs, chunk_docs=9, progress=False):
        running.add(chunk_docs, units)
    got = running.frame()
    keys = ["group", "period", "measure", "concept", "pair", "label"]

    def table(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.fillna({k: "" for k in keys}).sort_values(keys).reset_index(drop=True)

    pd.testing.assert_frame_equal(table(got), table(whole))
    assert whole["count"].sum() > 100
    assert {k: got.attrs[k] for k in ("documents", "undated")} == {k: whole.attrs[k] for k in ("documents", "undated")}


def test_units_written_to_parquet_chunk_by_chunk_read_back_equal(tmp_path: Path) -> None:
    from framing.running import UnitsWriter, analyze_stream, read_units

    docs = demo_docs()
    whole = analyze(docs, progress=False)
    with UnitsWriter(tmp_path / "units.parquet") as writer:
        for _, units in analyze_stream(docs, chunk_docs=20, progress=False):
            writer.write(units)
    back = read_units(tmp_path / "units.parquet")
    assert writer.rows == len(whole) == len(back)
    cols = ["doc_id", "unit", "text", "start", "end", "concepts", "pairs", "probabilities", "markers"]
    assert back[cols].to_dict("records") == whole[cols].to_dict("records")


if __name__ == "__main__":
    data = {"demo": _plain(summary(analyze(demo_docs(), progress=False), DEMO_EXTRA))}
    seeds = seed_docs()
    data["seeds"] = _plain(summary(analyze(seeds, progress=False))) if seeds is not None else {}
    REFERENCE.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE}: {len(data['demo'])} demo documents, {len(data['seeds'])} seed units")
