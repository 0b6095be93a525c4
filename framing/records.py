"""The table of documents framing works on: a pandas DataFrame or any iterable of dict records."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd


def as_frame(docs: pd.DataFrame | Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Return `docs` as a DataFrame (a copy is not made for a DataFrame); records become rows.

    >>> as_frame([{"id": "a", "text": "x"}]).columns.tolist()
    ['id', 'text']
    """
    if isinstance(docs, pd.DataFrame):
        return docs
    if isinstance(docs, (str, bytes)):
        raise TypeError("docs must be a DataFrame or an iterable of records, not a string")
    return pd.DataFrame.from_records(list(docs))
