"""`framing.analyze` on a Dask DataFrame, for corpora larger than one machine (the `scale` extra).

Example::

    import dask.dataframe as dd
    from dask.distributed import Client
    client = Client("scheduler-address:8786")          # or Client() for every core of this machine
    docs = dd.read_parquet("corpus-export/*.parquet")
    units = analyze_dask(docs, unit="sentence").compute()

The relation model is loaded (or trained) once, here, and travels to the workers as one object of the
task graph, so every partition is labelled by the very same model as `framing.analyze` uses.
"""
from __future__ import annotations

from typing import Any

from framing.analyze import _model, analyze


def analyze_dask(docs: Any, model: Any = None, **kwargs: Any) -> Any:
    """Run `framing.analyze(partition, **kwargs)` on every partition of the Dask DataFrame `docs`, lazily.

    Returns a Dask DataFrame with the columns of `framing.analyze`; call `.compute()` for pandas.
    Raises ImportError naming the extra to install when Dask is missing.
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
    return docs.map_partitions(_partition, shared, meta=meta, **kwargs)


def _partition(frame: Any, model: Any, **kwargs: Any) -> Any:
    return analyze(frame, model=model, progress=False, **kwargs)
