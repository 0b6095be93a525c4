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


def test_the_model_is_loaded_once_in_the_caller(monkeypatch) -> None:
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


def _graph_bytes(lazy) -> int:
    import pickle

    return len(pickle.dumps(dict(lazy.__dask_graph__())))


def test_the_shipped_model_is_not_in_the_graph_but_a_given_model_is() -> None:
    """The default model travels as its file's SHA-256 (each worker loads the package's file once), so the
    graph stays small; a model the caller gives still travels in it (before: the shipped model, ~29 MB
    pickled, was in every graph)."""
    from framing import scale
    from framing.analyze import _model
    from framing.classifier import SHIPPED_MODEL, RelationClassifier

    if not isinstance(scale.graph_model(), scale.ShippedModel):
        pytest.skip("the shipped model file is out of date here: the trained model travels instead")
    docs = dd.from_pandas(pd.DataFrame({"id": ["a", "b"], "text": TEXTS[:2]}), npartitions=2)
    small = _graph_bytes(analyze_dask(docs))
    assert small < 1_000_000
    fitted = _model(None, "family", False)
    assert isinstance(fitted, RelationClassifier)
    copy = RelationClassifier.load(SHIPPED_MODEL)  # the same model, but not the shipped object
    assert _graph_bytes(analyze_dask(docs, model=copy)) > 5 * small


def test_a_worker_loads_the_shipped_model_from_its_file_once(monkeypatch) -> None:
    from framing import modelfile, scale

    if not isinstance(scale.graph_model(), scale.ShippedModel):
        pytest.skip("the shipped model file is out of date here")
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(len(TEXTS))], "text": TEXTS})
    expected = analyze(docs, progress=False)
    lazy = analyze_dask(dd.from_pandas(docs, npartitions=3))
    monkeypatch.setattr(scale, "_LOADED", {})  # the tasks run as in a fresh worker process
    real, loads = modelfile.load_model, []
    monkeypatch.setattr(modelfile, "load_model", lambda *a, **k: loads.append(a) or real(*a, **k))
    got = lazy.compute(scheduler="synchronous")
    pd.testing.assert_frame_equal(got, expected)
    assert len(loads) == 1  # three partitions, one load


def test_a_worker_with_another_model_file_says_so(monkeypatch) -> None:
    from framing import scale

    monkeypatch.setattr(scale, "_LOADED", {})
    with pytest.raises(ValueError, match="not the client's"):
        scale.resolve_model(scale.ShippedModel("family", "0" * 64))


def test_timeseries_counted_on_the_workers_equals_timeseries_of_the_whole() -> None:
    from framing.scale import timeseries_dask
    from framing.timeseries import timeseries

    texts = TEXTS * 3
    docs = pd.DataFrame({"id": [f"d{i}" for i in range(len(texts))], "text": texts,
                         "date": [f"2021-{1 + i % 5:02d}-03" for i in range(len(texts))]})
    whole = timeseries(docs, analyze(docs, progress=False))
    got = timeseries_dask(dd.from_pandas(docs, npartitions=5), fan_in=2)
    keys = ["group", "period", "measure", "concept", "pair", "label"]

    def table(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.fillna({k: "" for k in keys}).sort_values(keys).reset_index(drop=True)

    pd.testing.assert_frame_equal(table(got), table(whole))
    assert whole["count"].sum() > 20
