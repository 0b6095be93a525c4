"""The table of documents framing works on: a pandas DataFrame or any iterable of dict records."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

SURROGATE = re.compile("[\ud800-\udfff]")


def as_frame(docs: pd.DataFrame | Iterable[Mapping[str, object]], first: int = 1) -> pd.DataFrame:
    """Return `docs` as a DataFrame (a copy is not made for a DataFrame); records become rows.
    `first` is the number errors give the first record (a chunk of a longer stream starts later).

    >>> as_frame([{"id": "a", "text": "x"}]).columns.tolist()
    ['id', 'text']
    """
    if isinstance(docs, pd.DataFrame):
        return docs
    if isinstance(docs, (str, bytes)):
        raise TypeError("docs must be a DataFrame or an iterable of records, not a string")
    records = list(docs)
    try:
        return pd.DataFrame.from_records(records)
    except UnicodeEncodeError:  # pandas' Arrow-backed strings refuse lone surrogates: name the record
        for n, rec in enumerate(records, first):
            for key, value in rec.items() if isinstance(rec, Mapping) else ():
                found = SURROGATE.search(value) if isinstance(value, str) else None
                if found:
                    raise ValueError(f"record {n} (id {rec.get('id')!r}): {key!r} holds a lone surrogate "
                                     f"character at offset {found.start()}, which is not valid Unicode text") from None
        raise
