"""`framing.analyze` on a Dask DataFrame, for corpora larger than one machine (the `scale` extra).

Example::

    import dask.dataframe as dd
    from dask.distributed import Client
    client = Client("scheduler-address:8786")          # or Client() for every core of this machine
    docs = dd.read_parquet("corpus-export/*.parquet")
    units = analyze_dask(docs, unit="sentence").compute()

The relation model is loaded (or trained) once, here, and travels to the workers as one object of the
task graph, so every partition is labelled by the very same model as `framing.analyze` uses, and the rows
are numbered across partitions: `.compute()` gives the frame `framing.analyze(docs.compute())` gives, index
included; `doc_id` and `unit` identify each row.
"""
from __future__ import annotations

from typing import Any

from framing.analyze import _model, analyze


def analyze_dask(docs: Any, model: Any = None, numbered: bool = True, **kwargs: Any) -> Any:
    """Run `framing.analyze(partition, **kwargs)` on every partition of the Dask DataFrame `docs`, lazily.

    Returns a Dask DataFrame with the columns of `framing.analyze`; call `.compute()` for pandas. Its rows
    are numbered across partitions (`numbered=True`), which needs every partition's row count before any
    partition is final; `numbered=False` leaves each partition's rows numbered from 0, so that partitions
    written out one by one (`.to_parquet`) never wait for each other. Raises ImportError naming the extra
    to install when Dask is missing.
    """
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("analyze_dask needs Dask: pip install 'framewatch[scale]'") from exc
    if not isinstance(docs, dd.DataFrame):
        raise TypeError(f"analyze_dask takes a dask DataFrame, not {type(docs).__name__}; use framing.analyze")
    fitted = _model(model, str(kwargs.get("level", "family")), False)
    meta = analyze(docs._meta, model=fitted, progress=False, **kwargs)
    shared = dask.delayed(fitted, pure=True)  # one key in the graph: sent to each worker once
    parts = docs.map_partitions(_partition, shared, meta=meta, **kwargs).to_delayed()
    if numbered:  # each partition's rows numbered on from the rows of the partitions before it, as in one frame
        sizes = [dask.delayed(len, pure=True)(part) for part in parts]
        starts = dask.delayed(_starts, pure=True)(sizes)
        parts = [dask.delayed(_numbered, pure=True)(part, starts, i) for i, part in enumerate(parts)]
    with dask.config.set({"dataframe.convert-string": False}):  # keep pandas' own dtypes, as analyze returns them
        return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _partition(frame: Any, model: Any, **kwargs: Any) -> Any:
    return analyze(frame, model=model, progress=False, **kwargs)


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
