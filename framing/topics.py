"""Topic models (gensim LDA) over dated texts, and each topic's prevalence per period.

Texts are streamed once per training pass, gensim's way, so memory does not grow with the corpus.

Example::

    model = TopicModel(num_topics=8, random_state=1).fit(df["text"])
    model.topics(top_n=8)                       # topic, rank, word, weight
    topic_prevalence(df, model, freq="Y")       # period, topic, prevalence, documents
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary
from gensim.models import LdaModel
from gensim.parsing.preprocessing import STOPWORDS

from framing.records import as_frame
from framing.timeseries import FREQS

_WORD = re.compile(r"[a-z][a-z\-']+[a-z]")


def tokenize(text: str, min_len: int = 3) -> list[str]:
    """Lower-cased word tokens without stop words; what the topic model sees of a text."""
    return [w for w in _WORD.findall(text.lower()) if len(w) >= min_len and w not in STOPWORDS]


class _BagsOfWords:
    """Re-iterable stream of bag-of-words vectors: each pass re-reads the texts."""

    def __init__(self, texts: Iterable[str], dictionary: Dictionary) -> None:
        self.texts = texts
        self.dictionary = dictionary

    def __len__(self) -> int:
        return len(self.texts)  # type: ignore[arg-type]  # TypeError for unsized streams, which gensim accepts

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for text in self.texts:
            yield self.dictionary.doc2bow(tokenize(text or ""))


class TopicModel:
    """LDA topics in scikit-learn's shape: parameters in the constructor, `fit`, `transform`, save/load."""

    def __init__(
        self,
        num_topics: int = 10,
        passes: int = 10,
        no_below: int = 2,
        no_above: float = 0.6,
        random_state: int | None = 0,
    ) -> None:
        self.num_topics = num_topics
        self.passes = passes
        self.no_below = no_below
        self.no_above = no_above
        self.random_state = random_state

    def fit(self, texts: Iterable[str]) -> TopicModel:
        """Learn the vocabulary and the topics; `texts` must be re-iterable (a list, a Series, a stream class)."""
        dictionary = Dictionary(tokenize(t or "") for t in texts)
        dictionary.filter_extremes(no_below=self.no_below, no_above=self.no_above, keep_n=50_000)
        if len(dictionary) == 0:
            raise ValueError("topic model: no words left after filtering; give more or longer texts")
        self.dictionary_ = dictionary
        self.lda_ = LdaModel(
            corpus=_BagsOfWords(texts, dictionary),
            id2word=dictionary,
            num_topics=self.num_topics,
            passes=self.passes,
            alpha="auto",
            eta="auto",
            random_state=self.random_state,
        )
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        """Topic proportions per text, one row per text and one column per topic (rows sum to 1)."""
        rows = []
        for bow in _BagsOfWords(texts, self.dictionary_):
            dense = np.zeros(self.num_topics)
            for topic, weight in self.lda_.get_document_topics(bow, minimum_probability=0.0):
                dense[topic] = weight
            rows.append(dense / dense.sum() if dense.sum() else dense)
        return np.vstack(rows) if rows else np.zeros((0, self.num_topics))

    def topics(self, top_n: int = 10) -> pd.DataFrame:
        """The top words of every topic: columns topic, rank, word, weight."""
        rows = [
            {"topic": t, "rank": r, "word": word, "weight": float(weight)}
            for t in range(self.num_topics)
            for r, (word, weight) in enumerate(self.lda_.show_topic(t, topn=top_n))
        ]
        return pd.DataFrame(rows)

    def labels(self, top_n: int = 4) -> list[str]:
        """A short readable name per topic from its top words."""
        return [" / ".join(w for w, _ in self.lda_.show_topic(t, topn=top_n)) for t in range(self.num_topics)]

    def save(self, path: str | Path) -> None:
        """Save the model as gensim files beside `path` (path, path.dict)."""
        self.lda_.save(str(path))
        self.dictionary_.save(str(path) + ".dict")

    @classmethod
    def load(cls, path: str | Path) -> TopicModel:
        """Load a model written by `save`."""
        lda = LdaModel.load(str(path))
        model = cls(num_topics=lda.num_topics)
        model.lda_ = lda
        model.dictionary_ = Dictionary.load(str(path) + ".dict")
        return model


def topic_prevalence(docs: object, model: TopicModel, freq: str = "Y", text_col: str = "text") -> pd.DataFrame:
    """Mean topic proportion of the dated documents per period: columns period, topic, label, prevalence, documents.

    Undated documents are left out (their number is in `attrs["undated"]`).
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")
    frame = as_frame(docs)
    dates = pd.to_datetime(frame.get("date"), errors="coerce")
    dated = frame.loc[dates.notna()]
    proportions = model.transform(dated[text_col].fillna("").tolist())
    periods = dates[dates.notna()].dt.to_period(FREQS[freq]).astype(str).to_numpy()
    labels = model.labels()
    table = pd.DataFrame(proportions, columns=range(model.num_topics))
    table["period"] = periods
    grouped = table.groupby("period")
    means = grouped.mean().stack().rename("prevalence").reset_index()
    means.columns = ["period", "topic", "prevalence"]
    means["label"] = means["topic"].map(lambda t: labels[t])
    means["documents"] = means["period"].map(grouped.size())
    out = means[["period", "topic", "label", "prevalence", "documents"]]
    out.attrs["undated"] = int(dates.isna().sum())
    return out
