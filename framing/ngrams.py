"""Character n-gram TF-IDF of a fitted scikit-learn `TfidfVectorizer(analyzer="char_wb")`, counted word by word.

`char_wb` n-grams never cross a word (each word is padded with a space on each side), so a text's n-grams
are its words' n-grams, word after word. Texts repeat their words, so the vocabulary indices of each
word's n-grams are found once and kept (a bounded memo) instead of slicing and looking up every n-gram of
every text again. `char_wb_tfidf(vec, texts)` equals `vec.transform(texts)`, value for value.
"""
from __future__ import annotations

import weakref
from itertools import chain
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

_MEMO_SIZE = 200_000  # words per vectorizer; cleared when full, so memory stays flat over any corpus
_MEMOS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # vectorizer -> {word: its n-grams' indices}


def supports(vec: object) -> bool:
    """True for a fitted char_wb TfidfVectorizer whose text reaches the n-grams only lower-cased (if at all)."""
    return (type(vec) is TfidfVectorizer and vec.analyzer == "char_wb" and vec.input == "content"
            and vec.preprocessor is None and vec.strip_accents is None and not vec.binary
            and hasattr(vec, "vocabulary_") and hasattr(vec, "_tfidf"))


def _counts(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """The n-gram counts `CountVectorizer.transform` gives (the same values, sorted indices)."""
    memo = _MEMOS.get(vec)
    if memo is None or len(memo) >= _MEMO_SIZE:
        memo = _MEMOS[vec] = {}
    vocabulary, ngrams, white = vec.vocabulary_, vec._char_wb_ngrams, vec._white_spaces
    columns: list[int] = []
    lengths: list[int] = []
    for text in texts:
        if not isinstance(text, str):
            raise ValueError(f"n-gram input must be text, not {type(text).__name__}")
        words = white.sub(" ", text.lower() if vec.lowercase else text).split()
        for word in set(words).difference(memo):
            memo[word] = tuple(vocabulary[g] for g in ngrams(word) if g in vocabulary)  # untracked by gc
        before = len(columns)
        columns.extend(chain.from_iterable(map(memo.__getitem__, words)))
        lengths.append(len(columns) - before)
    rows = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    X = sp.csr_matrix((np.ones(len(columns), dtype=vec.dtype), (rows, np.asarray(columns, dtype=np.int32))),
                      shape=(len(texts), len(vocabulary)))
    X.sum_duplicates()  # each n-gram's count, summed in integers' exact float values
    X.sort_indices()
    return X


def char_wb_tfidf(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """`vec.transform(texts)` for a vectorizer `supports` accepts, its n-grams counted word by word."""
    return vec._tfidf.transform(_counts(vec, list(texts)), copy=False)
