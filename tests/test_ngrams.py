"""Character n-gram TF-IDF counted word by word equals scikit-learn's own transform, value for value."""
from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from framing.ngrams import char_wb_tfidf, supports

TRAIN = ["harm reduction and treatment work together", "XCONCEPT instead of YCONCEPT, the minister said",
         "recovery  takes\ttime and support", "Peer workers talked about recovery from addiction"]
TEXTS = ["", " ", "a", "treatment   works\n\ttogether", "  leading and trailing  ", "ÉCOLE straße İstanbul",
         "xconcept instead of yconcept", "unknownword zzz qqq", "ab" * 200, "Recovery Takes Time"]


def _equal(a: object, b: object) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("data", "indices", "indptr")) \
        and a.shape == b.shape


def test_char_wb_tfidf_equals_the_vectorizers_transform() -> None:
    for kwargs in ({"ngram_range": (2, 4)}, {"lowercase": False}, {"sublinear_tf": True, "ngram_range": (2, 5)},
                   {"ngram_range": (1, 3), "min_df": 2}):
        vec = TfidfVectorizer(analyzer="char_wb", **kwargs).fit(TRAIN)
        assert supports(vec)
        expected = vec.transform(TEXTS + TRAIN)
        assert _equal(char_wb_tfidf(vec, TEXTS + TRAIN), expected)
        assert _equal(char_wb_tfidf(vec, TEXTS + TRAIN), expected)  # again, with every word remembered


def test_other_vectorizers_are_not_taken() -> None:
    assert not supports(TfidfVectorizer().fit(TRAIN))
    assert not supports(TfidfVectorizer(analyzer="char_wb", preprocessor=str.upper).fit(TRAIN))
    assert not supports(TfidfVectorizer(analyzer="char_wb"))  # not fitted
