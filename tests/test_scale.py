"""The Dask path labels exactly what the in-memory path labels, partition by partition."""
from __future__ import annotations

import pandas as pd
import pytest

from framing.analyze import analyze

dd = pytest.importorskip("dask.dataframe")
from framing.scale import analyze_dask  # noqa: E402

TEXTS = [
    "The council chose treatment instead of the overdose prevention site.",
    "Harm reduction and recovery support go hand in hand at the new clinic.",
    "Rents rose again this spring.",
    "Naloxone kits sit beside a list of detox beds. Staff say recovery starts with staying alive.",
    "The economic recovery stalled while the water treatment plant was rebuilt.",
    "Supporters want the supervised consumption site and more treatment beds, not one or the other.",
]


def test_dask_partitions_give_the_same_units_as_pandas() -> None:
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(len(TEXTS))], "text": TEXTS,
                         "date": pd.date_range("2021-01-01", periods=len(TEXTS), freq="MS")})
    expected = analyze(docs, progress=False)
    got = analyze_dask(dd.from_pandas(docs, npartitions=3)).compute(scheduler="synchronous")
    cols = ["doc_id", "unit", "text", "concepts", "pairs"]
    assert got[cols].reset_index(drop=True).to_dict("records") == expected[cols].to_dict("records")
    assert any(p for p in got["pairs"])  # relations were labelled, not just split


def test_a_pandas_frame_is_refused_with_a_pointer() -> None:
    with pytest.raises(TypeError, match="framing.analyze"):
        analyze_dask(pd.DataFrame({"id": ["a"], "text": ["x"]}))


def test_the_model_is_loaded_once_and_travels_with_the_graph(monkeypatch) -> None:
    import sys

    A = sys.modules["framing.analyze"]
    real, calls = A.default_relation_model, []
    monkeypatch.setattr(A, "default_relation_model", lambda level: calls.append(level) or real(level))
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(len(TEXTS))], "text": TEXTS})
    got = analyze_dask(dd.from_pandas(docs, npartitions=3)).compute(scheduler="synchronous")
    assert calls == ["family"]  # once, in the caller; not once more per partition
    assert any(p for p in got["pairs"])


class _AlwaysOpposition:
    classes_ = ["complementary", "neutral", "opposition"]

    def predict_proba(self, items):
        return [[0.1, 0.1, 0.8] for _ in items]


def test_a_given_model_labels_every_partition() -> None:
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(len(TEXTS))], "text": TEXTS})
    got = analyze_dask(dd.from_pandas(docs, npartitions=3), model=_AlwaysOpposition()).compute(scheduler="synchronous")
    labels = [label for pairs in got["pairs"] for label in pairs.values()]
    assert labels and set(labels) == {"opposition"}


def test_on_a_cluster_the_demo_corpus_gives_exactly_the_pandas_frame() -> None:
    """Two worker processes, four partitions: the same frame as `framing.analyze`, index and dtypes included
    (before: the index restarted at 0 in every partition and text columns came back as Arrow strings)."""
    distributed = pytest.importorskip("dask.distributed")
    from corpus.demo.sitebuilder import load_site

    docs = pd.DataFrame([{"id": a.uid, "title": a.title, "text": a.text, "date": pd.Timestamp(a.date)}
                         for a in load_site().articles if a.date])
    expected = analyze(docs, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        got = analyze_dask(dd.from_pandas(docs, npartitions=4)).compute()
    assert got.index.is_unique and sum(len(p) for p in got["pairs"]) > 50
    pd.testing.assert_frame_equal(got, expected)


def test_unnumbered_partitions_hold_the_same_rows() -> None:
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(len(TEXTS))], "text": TEXTS})
    expected = analyze(docs, progress=False)
    lazy = analyze_dask(dd.from_pandas(docs, npartitions=3), numbered=False)
    parts = [part.compute(scheduler="synchronous") for part in lazy.to_delayed()]
    assert all(part.index[0] == 0 for part in parts if len(part))
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), expected)
