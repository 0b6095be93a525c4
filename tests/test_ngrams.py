"""N-gram TF-IDF and hashed n-gram counts by `framing.ngrams` equal scikit-learn's own transforms, value for value."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer

from framing.ngrams import hashed, hashing_supports, supports, tfidf

TRAIN = ["harm reduction and treatment work together", "XCONCEPT instead of YCONCEPT, the minister said",
         "recovery  takes\ttime and support", "Peer workers talked about recovery from addiction",
         "treatment works together with recovery, and recovery works together with treatment"]
TEXTS = ["", " ", "a", "treatment   works\n\ttogether", "  leading and trailing  ", "ÉCOLE straße İstanbul ΣΑΣ",
         "xconcept instead of yconcept", "unknownword zzz qqq", "ab" * 200, "Recovery Takes Time",
         "work together", "together treatment", "recovery\u2003works\u00a0together\u3000with\x1ctreatment",
         "harm reduction", "and treatment work", "work", "together with recovery"]


def _equal(a: object, b: object) -> bool:
    return type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype and all(
        np.array_equal(getattr(a, k), getattr(b, k)) and getattr(a, k).dtype == getattr(b, k).dtype
        for k in ("data", "indices", "indptr"))


@pytest.mark.parametrize("kwargs", [
    {"analyzer": "char_wb", "ngram_range": (2, 4)}, {"analyzer": "char_wb", "lowercase": False},
    {"analyzer": "char_wb", "sublinear_tf": True, "ngram_range": (2, 5)},
    {"analyzer": "char_wb", "ngram_range": (1, 3), "min_df": 2},
    {"ngram_range": (1, 3), "sublinear_tf": True}, {}, {"ngram_range": (2, 3)}, {"ngram_range": (1, 4)},
    {"lowercase": False, "ngram_range": (1, 2)}, {"ngram_range": (3, 3), "norm": None, "use_idf": False},
])
def test_tfidf_equals_the_vectorizers_transform(kwargs: dict) -> None:
    vec = TfidfVectorizer(**kwargs).fit(TRAIN)
    assert supports(vec)
    for texts in (TEXTS + TRAIN, TRAIN[-1:], [""]):
        expected = vec.transform(texts)
        assert _equal(tfidf(vec, texts), expected)
        assert _equal(tfidf(vec, texts), expected)  # again, with every word remembered


def test_non_text_is_refused_by_name() -> None:
    for analyzer in ("word", "char_wb"):
        with pytest.raises(ValueError, match="must be text, not int"):
            tfidf(TfidfVectorizer(analyzer=analyzer).fit(TRAIN), ["fine", 3])


def test_other_vectorizers_are_not_taken() -> None:
    assert not supports(TfidfVectorizer(analyzer="char_wb", preprocessor=str.upper).fit(TRAIN))
    assert not supports(TfidfVectorizer(analyzer="char_wb"))  # not fitted
    assert not supports(TfidfVectorizer(analyzer="char").fit(TRAIN))
    assert not supports(TfidfVectorizer(token_pattern=r"\S+").fit(TRAIN))
    assert not supports(TfidfVectorizer(stop_words=["and"]).fit(TRAIN))
    assert not supports(TfidfVectorizer(binary=True).fit(TRAIN))


@pytest.mark.parametrize("kwargs", [
    {"ngram_range": (1, 2), "n_features": 2 ** 16}, {"ngram_range": (1, 3), "n_features": 7},
    {"ngram_range": (2, 2), "n_features": 2 ** 4}, {"lowercase": False, "n_features": 2 ** 10},
])
def test_hashed_equals_the_hashing_vectorizers_transform(kwargs: dict) -> None:
    vec = HashingVectorizer(alternate_sign=False, norm=None, **kwargs)
    assert hashing_supports(vec)
    for texts in (TEXTS + TRAIN, TRAIN[-1:], [""]):
        expected = vec.transform(texts)
        assert _equal(hashed(vec, texts), expected)
        assert _equal(hashed(vec, texts), expected)  # again, with every n-gram's column remembered


def test_other_hashing_vectorizers_are_not_taken() -> None:
    assert hashing_supports(HashingVectorizer(alternate_sign=False, norm=None))
    assert not hashing_supports(HashingVectorizer(norm=None))  # signed columns
    assert not hashing_supports(HashingVectorizer(alternate_sign=False))  # l2 norm
    assert not hashing_supports(HashingVectorizer(alternate_sign=False, norm=None, analyzer="char_wb"))
    assert not hashing_supports(HashingVectorizer(alternate_sign=False, norm=None, binary=True))
    assert not hashing_supports(HashingVectorizer(alternate_sign=False, norm=None, token_pattern=r"\S+"))
