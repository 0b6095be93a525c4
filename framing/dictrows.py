"""`DictVectorizer.transform` for rows of plain numbers (the rule layer's feature dicts), built at once.

The vectorizer's own transform walks every key of every row in Python; these rows hold only numbers, so
their columns are looked up in one pass and the matrix is assembled from arrays, value for value the same.

    >>> from sklearn.feature_extraction import DictVectorizer
    >>> vec = DictVectorizer().fit([{"a": 1.0, "b": 2.0}])
    >>> dict_transform(vec, [{"b": 3.0, "c": 1.0}]).toarray().tolist()
    [[0.0, 3.0]]
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer

_NUMBERS = {float, int, bool}


def dict_transform(vec: DictVectorizer, rows: Sequence[dict]) -> sparse.csr_matrix | sparse.csr_array | np.ndarray:
    """`vec.transform(rows)`: built at once for a fitted sparse vectorizer and rows of plain numbers, by the
    vectorizer itself for anything else."""
    matrix = _dict_matrix(vec, rows) if vec.sparse and hasattr(vec, "vocabulary_") and rows else None
    return vec.transform(rows) if matrix is None else matrix


def _dict_matrix(vec: DictVectorizer, rows: Sequence[dict]) -> sparse.csr_matrix | sparse.csr_array | None:
    """`vec.transform(rows)` for plain dicts of plain number values (as the rule layer gives), built from
    their keys' vocabulary indices at once; None for other rows or values (strings are one-hot there)."""
    if set(map(type, rows)) != {dict}:
        return None
    values = list(chain.from_iterable(map(dict.values, rows)))
    if not set(map(type, values)) <= _NUMBERS:
        return None
    columns = np.fromiter(map(vec.vocabulary_.get, chain.from_iterable(rows), repeat(-1)), dtype=np.intc,
                          count=len(values))
    known = columns >= 0
    row_of = np.repeat(np.arange(len(rows)), np.fromiter(map(len, rows), dtype=np.intp, count=len(rows)))
    indptr = [0] + np.cumsum(np.bincount(row_of[known], minlength=len(rows))).tolist()
    # built as DictVectorizer builds it (a list indptr gives the same index dtypes), then put in the
    # sparse interface scikit-learn is set to, as it does
    matrix = sparse.csr_array((np.asarray(values, dtype=vec.dtype)[known], columns[known], indptr),
                              shape=(len(rows), len(vec.vocabulary_)), dtype=vec.dtype)
    matrix.sort_indices()
    return matrix if sklearn.get_config().get("sparse_interface") == "sparray" else sparse.csr_matrix(matrix)
