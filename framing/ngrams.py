"""N-gram TF-IDF of a fitted scikit-learn `TfidfVectorizer`, counted faster than its own `transform`.

Character n-grams (`analyzer="char_wb"`) never cross a word (each word is padded with a space on each
side), so a text's n-grams are its words' n-grams, word after word. Texts repeat their words, so the
vocabulary indices of each word's n-grams are found once and kept (a bounded memo, as int32 bytes) instead
of slicing and looking up every n-gram of every text again; a batch's indices are then joined at once.

Word n-grams (`analyzer="word"`, the default token pattern) are looked up as tuples of tokens in a table
made once per vectorizer from its vocabulary ("a b" -> ("a", "b")), so no n-gram string is joined; the
whole batch's tokens are looked up in a row, and the n-grams that run from one text into the next dropped.

`tfidf(vec, texts)` equals `vec.transform(texts)`, value for value, for every vectorizer `supports` accepts.
`hashed(vec, texts)` does the same for a `HashingVectorizer` of word n-grams (the coverage head's): each
n-gram's column is hashed once and kept (a bounded memo), the batch's n-grams formed in a row as above.
"""
from __future__ import annotations

import weakref
from functools import partial
from itertools import chain, repeat
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.utils import murmurhash3_32

_MEMO_SIZE = 200_000  # words per vectorizer; cleared when full, so memory stays flat over any corpus
_MEMOS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # vectorizer -> {word: its n-grams' indices}
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # vectorizer -> {token or tuple: index}
_HASHED: dict[int, dict[str, int]] = {}  # n_features -> {n-gram: its column}, bounded as _MEMOS
_TOKENS = r"(?u)\b\w\w+\b"  # scikit-learn's default token pattern: a token never holds a space


def supports(vec: object) -> bool:
    """True for a fitted TfidfVectorizer this module counts exactly: char_wb n-grams, or word n-grams of
    the default tokens, from text that reaches the n-grams only lower-cased (if at all)."""
    if not (type(vec) is TfidfVectorizer and vec.input == "content" and vec.preprocessor is None
            and vec.strip_accents is None and not vec.binary and hasattr(vec, "vocabulary_")
            and hasattr(vec, "_tfidf")):
        return False
    return vec.analyzer == "char_wb" or (vec.analyzer == "word" and vec.tokenizer is None
                                         and vec.stop_words is None and vec.token_pattern == _TOKENS)


def hashing_supports(vec: object) -> bool:
    """True for a HashingVectorizer `hashed` counts exactly: word n-grams of the default tokens, counted
    (no signs, no norm, not binary), from text that reaches the n-grams only lower-cased (if at all)."""
    return (type(vec) is HashingVectorizer and vec.input == "content" and vec.analyzer == "word"
            and vec.preprocessor is None and vec.tokenizer is None and vec.strip_accents is None
            and vec.stop_words is None and vec.token_pattern == _TOKENS and not vec.alternate_sign
            and vec.norm is None and not vec.binary and vec.ngram_range[0] >= 1)


def _lowered(vec: TfidfVectorizer | HashingVectorizer, texts: Sequence[str]) -> Iterable[str]:
    if not all(map(isinstance, texts, repeat(str))):
        bad = next(t for t in texts if not isinstance(t, str))
        raise ValueError(f"n-gram input must be text, not {type(bad).__name__}")
    return map(str.lower, texts) if vec.lowercase else texts


def _matrix(vec: TfidfVectorizer | HashingVectorizer, rows: np.ndarray, columns: np.ndarray, n_texts: int
            ) -> sp.csr_matrix:
    """The count matrix of n-grams found in text `rows[i]` (non-decreasing) with vocabulary index
    `columns[i]`: the values and sorted indices `CountVectorizer` (or `HashingVectorizer`) gives."""
    indptr = np.zeros(n_texts + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n_texts), out=indptr[1:])
    width = vec.n_features if isinstance(vec, HashingVectorizer) else len(vec.vocabulary_)
    X = sp.csr_matrix((np.ones(len(columns), dtype=vec.dtype), columns, indptr), shape=(n_texts, width))
    X.sum_duplicates()  # sorts each row's indices, then each n-gram's count: integers' exact float values
    return X


def _char_counts(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    memo = _MEMOS.get(vec)
    if memo is None or len(memo) >= _MEMO_SIZE:
        memo = _MEMOS[vec] = {}
    vocabulary, ngrams = vec.vocabulary_, vec._char_wb_ngrams
    # scikit-learn squeezes runs of whitespace (re's \s) before it splits on whitespace (the same characters)
    words_of = list(map(str.split, _lowered(vec, texts)))
    words = list(chain.from_iterable(words_of))
    for word in set(words).difference(memo):  # kept as int32 bytes: joined below without a Python int each
        memo[word] = np.array([vocabulary[g] for g in ngrams(word) if g in vocabulary], dtype=np.int32).tobytes()
    found = list(map(memo.__getitem__, words))
    columns = np.frombuffer(bytearray().join(found), dtype=np.int32)  # writable: the matrix sorts it in place
    per_word = np.fromiter(map(len, found), dtype=np.intp, count=len(found)) // columns.itemsize
    word_rows = np.repeat(np.arange(len(words_of), dtype=np.int32), list(map(len, words_of)))
    return _matrix(vec, np.repeat(word_rows, per_word), columns, len(words_of))


def _word_table(vec: TfidfVectorizer) -> dict[object, int]:
    """The vocabulary keyed as `_word_counts` forms n-grams: a token, or a tuple of two or more tokens."""
    table = _TABLES.get(vec)
    if table is None:
        table = _TABLES[vec] = {(tuple(k.split(" ")) if " " in k else k): i for k, i in vec.vocabulary_.items()}
    return table


def _word_counts(vec: TfidfVectorizer | HashingVectorizer, texts: Sequence[str],
                 columns: Callable[[Iterable[object], int, int], np.ndarray]) -> sp.csr_matrix:
    """Counts of the texts' word n-grams, all the texts' tokens in a row at once: `columns(grams, n, count)`
    gives the column of each n-gram (a token, or a tuple of n tokens), -1 for none; an n-gram that runs
    past the end of its text is dropped."""
    tokens_of = list(map(vec.build_tokenizer(), _lowered(vec, texts)))
    tokens = list(chain.from_iterable(tokens_of))
    token_rows = np.repeat(np.arange(len(tokens_of), dtype=np.int32), list(map(len, tokens_of)))
    ends = np.cumsum(list(map(len, tokens_of)), dtype=np.intp)[token_rows]  # where each token's text ends
    rows, found_columns = [], []
    low, high = vec.ngram_range
    for n in range(low, high + 1):
        grams = tokens if n == 1 else zip(*[tokens[i:] for i in range(n)])
        found = columns(grams, n, max(len(tokens) - n + 1, 0))
        keep = (found >= 0) & (np.arange(len(found)) + n <= ends[:len(found)])
        rows.append(token_rows[:len(found)][keep])
        found_columns.append(found[keep])
    rows_, columns_ = np.concatenate(rows), np.concatenate(found_columns)
    order = np.argsort(rows_, kind="stable")  # text by text
    return _matrix(vec, rows_[order], columns_[order], len(tokens_of))


def tfidf(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """`vec.transform(texts)` for a vectorizer `supports` accepts, its n-grams counted as this module says."""
    texts = list(texts)
    if vec.analyzer == "char_wb":
        counts = _char_counts(vec, texts)
    else:
        counts = _word_counts(vec, texts, partial(_vocabulary_columns, _word_table(vec).get))
    return vec._tfidf.transform(counts, copy=False)


def _vocabulary_columns(lookup: Callable[[object, int], int], grams: Iterable[object], n: int, count: int
                        ) -> np.ndarray:
    return np.fromiter(map(lookup, grams, repeat(-1)), dtype=np.int32, count=count)


def _hash_column(gram: str, n_features: int) -> int:
    """The column scikit-learn's feature hasher gives `gram` (signed MurmurHash3 of its UTF-8, seed 0)."""
    h = murmurhash3_32(gram, seed=0)
    return (2147483647 - (n_features - 1)) % n_features if h == -2147483648 else abs(h) % n_features


def _hashed_columns(memo: dict[str, int], n_features: int, grams: Iterable[object], n: int, count: int
                    ) -> np.ndarray:
    joined = list(grams) if n == 1 else list(map(" ".join, grams))
    for gram in set(joined).difference(memo):
        memo[gram] = _hash_column(gram, n_features)
    return np.fromiter(map(memo.__getitem__, joined), dtype=np.int32, count=count)


def hashed(vec: HashingVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """`vec.transform(texts)` for a vectorizer `hashing_supports` accepts: each n-gram's column hashed once."""
    memo = _HASHED.get(vec.n_features)
    if memo is None or len(memo) >= _MEMO_SIZE:
        memo = _HASHED[vec.n_features] = {}
    return _word_counts(vec, list(texts), partial(_hashed_columns, memo, vec.n_features))
