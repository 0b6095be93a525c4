"""`framing.analyze` on a Dask DataFrame, for corpora larger than one machine (the `scale` extra).

Example::

    import dask.dataframe as dd
    from dask.distributed import Client
    client = Client("scheduler-address:8786")          # or Client() for every core of this machine
    docs = dd.read_parquet("corpus-export/*.parquet")  # each worker reads its own partitions
    units = analyze_dask(docs, unit="sentence").compute()
    series = timeseries_dask(docs, freq="M")           # counted on the workers: only counts travel

The relation model is the very one `framing.analyze` uses. The shipped default model does not travel:
the graph holds only its SHA-256, and each worker process loads the package's own model file once
(`framing.modelfile`, nothing executed from data) after checking it has those bytes, with the shipped
coverage head as `default_relation_model` attaches it. A model you give
(or one trained because the shipped file is out of date) travels to the workers as one object of the
task graph. Rows are numbered across partitions: `.compute()` gives the frame
`framing.analyze(docs.compute())` gives, index included; `doc_id` and `unit` identify each row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from framing.analyze import _model, analyze


@dataclass(frozen=True)
class ShippedModel:
    """The shipped relation model by its file's SHA-256: what the task graph holds instead of the model."""

    level: str
    sha256: str


_LOADED: dict[str, Any] = {}  # per worker process: the shipped model, by SHA-256, loaded on first use


def _shipped_token(fitted: Any, level: str) -> ShippedModel | None:
    """A `ShippedModel` when `fitted` is the shipped file's model (loaded, not trained), else None."""
    import json

    from framing import classifier
    from framing.modelfile import file_sha256

    if level != "family" or fitted is not classifier._DEFAULT.get(level) or not classifier.shipped_model_is_current():
        return None
    try:
        recorded = json.loads(classifier.SHIPPED_MANIFEST.read_text(encoding="utf-8"))["sha256"]
    except (OSError, ValueError, KeyError):
        return None
    if file_sha256(classifier.SHIPPED_MODEL) != recorded:
        return None  # the process trained its model instead of loading this file
    _LOADED.setdefault(recorded, fitted)
    return ShippedModel(level, recorded)


def resolve_model(model: Any) -> Any:
    """The model a task works with: a `ShippedModel` loaded from this installation's file (once per
    process, its bytes checked against the client's SHA-256), anything else as given."""
    if not isinstance(model, ShippedModel):
        return model
    held = _LOADED.get(model.sha256)
    if held is None:
        from framing import classifier
        from framing.coverage_head import shipped_head
        from framing.modelfile import load_model

        path = classifier.SHIPPED_MODEL
        try:
            held = load_model(path, expected_sha256=model.sha256)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: this worker's shipped relation model is not the client's "
                             f"(SHA-256 {model.sha256[:12]}...); install the same framewatch version on "
                             f"every worker: {exc}") from exc
        if not isinstance(held, classifier.RelationClassifier):
            raise ValueError(f"{path} is not a framewatch relation model")
        # the coverage head that `default_relation_model` attaches on the client, from this installation
        held.coverage_head_ = shipped_head(classifier.model_fingerprint("family"))
        held = _LOADED[model.sha256] = held
    return held


def graph_model(model: Any = None, level: str = "family") -> Any:
    """What a task graph should carry for `model`: the small `ShippedModel` for the shipped default,
    else the fitted model itself (loaded or trained here, once). A `ShippedModel` is kept as it is."""
    if isinstance(model, ShippedModel):
        return model
    fitted = _model(model, level, False)
    return _shipped_token(fitted, level) or fitted


def analyze_dask(docs: Any, model: Any = None, numbered: bool = True, **kwargs: Any) -> Any:
    """Run `framing.analyze(partition, **kwargs)` on every partition of the Dask DataFrame `docs`, lazily.

    Returns a Dask DataFrame with the columns of `framing.analyze`; call `.compute()` for pandas. Its rows
    are numbered across partitions (`numbered=True`), which needs every partition's row count before any
    partition is final; `numbered=False` leaves each partition's rows numbered from 0, so that partitions
    written out one by one (`.to_parquet`) or reduced on the workers never wait for each other. Raises
    ImportError naming the extra to install when Dask is missing.
    """
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("analyze_dask needs Dask: pip install 'framewatch[scale]'") from exc
    if not isinstance(docs, dd.DataFrame):
        raise TypeError(f"analyze_dask takes a dask DataFrame, not {type(docs).__name__}; use framing.analyze")
    level = str(kwargs.get("level", "family"))
    carried = graph_model(model, level)
    meta = analyze(docs._meta, model=resolve_model(carried), progress=False, **kwargs)
    # the shipped model's token is a few bytes; a given model is one key in the graph, sent to each worker once
    shared = carried if isinstance(carried, ShippedModel) else dask.delayed(carried, pure=True)
    with dask.config.set({"dataframe.convert-string": False}):  # keep pandas' own dtypes, as analyze returns them
        analysed = docs.map_partitions(_partition, shared, meta=meta, **kwargs)
        if not numbered:  # one task per partition: reading, analysing and what follows run fused
            return analysed
        # each partition's rows numbered on from the rows of the partitions before it, as in one frame
        parts = analysed.to_delayed()
        sizes = [dask.delayed(len, pure=True)(part) for part in parts]
        starts = dask.delayed(_starts, pure=True)(sizes)
        parts = [dask.delayed(_numbered, pure=True)(part, starts, i) for i, part in enumerate(parts)]
        return dd.from_delayed(parts, meta=meta, verify_meta=False)


def timeseries_dask(docs: Any, freq: str = "M", by: str | None = None, level: str = "family",
                    scope: Any = "core", min_date_confidence: float | None = None, correction: Any = "realnews",
                    model: Any = None, fan_in: int = 8, **kwargs: Any) -> Any:
    """`framing.timeseries` of the Dask DataFrame `docs` (id, date, text, ...), counted on the workers: each
    partition is analysed and counted where it lies (`framing.running.RunningTimeseries`), the counts are
    added up `fan_in` at a time on the workers too, and only the summed counts come back (no units table).
    Returns the pandas table `timeseries(docs, analyze(docs))` gives. Syndicated copies (`story_id`) are
    counted once within a partition only: export one copy per story first, as the corpus export does."""
    import dask
    import dask.dataframe as dd

    from framing.running import RunningTimeseries

    if not isinstance(docs, dd.DataFrame):
        raise TypeError(f"timeseries_dask takes a dask DataFrame, not {type(docs).__name__}; use framing.timeseries")
    if fan_in < 2:
        raise ValueError(f"fan_in must be at least 2, not {fan_in}")
    running = RunningTimeseries(freq=freq, by=by, level=level, scope=scope, min_date_confidence=min_date_confidence,
                                correction=correction)
    settings = {"freq": freq, "by": by, "level": level, "scope": scope, "min_date_confidence": min_date_confidence}
    carried = graph_model(model, level)
    shared = carried if isinstance(carried, ShippedModel) else dask.delayed(carried, pure=True)
    counted = [dask.delayed(_counted, pure=True)(part, shared, settings, kwargs) for part in docs.to_delayed()]
    while len(counted) > 1:  # a tree of sums on the workers
        counted = [dask.delayed(_summed, pure=True)(counted[i:i + fan_in]) for i in range(0, len(counted), fan_in)]
    if counted:
        counts, attrs = dask.compute(counted[0])[0]
        running._merge(counts, attrs)
    return running.frame()


def _counted(frame: Any, model: Any, settings: dict, kwargs: dict) -> tuple[dict, dict]:
    """One partition analysed (without rows for concept-free units) and counted: (counts, attributes)."""
    from framing.running import RunningTimeseries, _analyze_chunk

    docs, units = _analyze_chunk(frame, {**kwargs, "level": settings["level"], "model": resolve_model(model),
                                         "progress": False, "empty_units": False})
    part = RunningTimeseries(**settings, correction=None).add(docs, units)
    return part.counts, part.attrs


def _summed(parts: list[tuple[dict, dict]]) -> tuple[dict, dict]:
    """The counts and attributes of several partitions added up."""
    from framing.running import RunningTimeseries

    total = RunningTimeseries(correction=None)
    for counts, attrs in parts:
        total._merge(counts, attrs)
    return total.counts, total.attrs


def _partition(frame: Any, model: Any, **kwargs: Any) -> Any:
    return analyze(frame, model=resolve_model(model), progress=False, **kwargs)


def _starts(sizes: list[int]) -> list[int]:
    """The first row number of each partition: the running total of the sizes before it."""
    out, total = [], 0
    for size in sizes:
        out.append(total)
        total += size
    return out


def _numbered(frame: Any, starts: list[int], i: int) -> Any:
    """`frame` with the index its rows have in the whole result (a RangeIndex, like `framing.analyze`)."""
    import pandas as pd

    frame.index = pd.RangeIndex(starts[i], starts[i] + len(frame))
    return frame
