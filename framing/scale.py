"""`framing.analyze` on a Dask DataFrame, for corpora larger than one machine (the `scale` extra).

Example::

    import dask.dataframe as dd
    from dask.distributed import Client
    client = Client("scheduler-address:8786")          # or Client() for every core of this machine
    docs = dd.read_parquet("corpus-export/*.parquet")
    units = analyze_dask(docs, unit="sentence").compute()

Each worker trains (or loads from its cache) the default relation model once, then labels its partitions.
"""
from __future__ import annotations

from typing import Any

from framing.analyze import analyze


def analyze_dask(docs: Any, **kwargs: Any) -> Any:
    """Run `framing.analyze(partition, **kwargs)` on every partition of the Dask DataFrame `docs`, lazily.

    Returns a Dask DataFrame with the columns of `framing.analyze`; call `.compute()` for pandas.
    Raises ImportError naming the extra to install when Dask is missing.
    """
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("analyze_dask needs Dask: pip install 'framewatch[scale]'") from exc
    if not isinstance(docs, dd.DataFrame):
        raise TypeError(f"analyze_dask takes a dask DataFrame, not {type(docs).__name__}; use framing.analyze")
    meta = analyze(docs._meta, progress=False, **kwargs)
    return docs.map_partitions(analyze, progress=False, meta=meta, **kwargs)
