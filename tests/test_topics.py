"""Topic models find the themes a small invented corpus was written with, and their prevalence moves with time."""
from __future__ import annotations

import random

import numpy as np
import pytest

from framing.records import as_frame
from framing.topics import TopicModel, tokenize, topic_prevalence

HOUSING = "rent tenants landlord eviction apartment housing shelter lease".split()
BUDGET = "budget council spending taxes deficit funding audit ledger".split()


def _corpus() -> list[dict]:
    rng = random.Random(3)
    docs = []
    for i in range(60):
        year = 2019 + i % 6
        theme = HOUSING if (year < 2022) == (i % 5 != 0) else BUDGET
        words = [rng.choice(theme) for _ in range(40)]
        docs.append({"id": f"d{i}", "date": f"{year}-0{1 + i % 9}-15", "text": " ".join(words)})
    return docs


def test_tokenize_drops_stop_words_and_short_tokens() -> None:
    assert tokenize("The Council and its budget, in 2024!") == ["council", "budget"]


def test_two_topics_separate_the_two_themes() -> None:
    docs = _corpus()
    model = TopicModel(num_topics=2, passes=15, random_state=1).fit([d["text"] for d in docs])
    top = model.topics(top_n=6)
    themes = sorted("housing" if words <= set(HOUSING) else "budget" if words <= set(BUDGET) else "mixed"
                    for words in (set(top.loc[top.topic == t, "word"]) for t in range(2)))
    assert themes == ["budget", "housing"]
    proportions = model.transform(["rent eviction tenants lease", "budget deficit audit taxes"])
    assert np.allclose(proportions.sum(axis=1), 1.0)
    assert proportions[0].argmax() != proportions[1].argmax()


def test_prevalence_follows_the_written_shift_and_counts_undated(tmp_path) -> None:
    docs = _corpus() + [{"id": "u", "date": None, "text": "rent tenants"}]
    model = TopicModel(num_topics=2, passes=15, random_state=1).fit([d["text"] for d in docs])
    housing_topic = int(model.transform(["rent tenants eviction housing"])[0].argmax())
    prev = topic_prevalence(as_frame(docs), model, freq="Y")
    housing = prev[prev.topic == housing_topic].set_index("period")["prevalence"]
    assert housing["2019"] > 0.6 and housing["2024"] < 0.4
    assert prev.attrs["undated"] == 1
    model.save(tmp_path / "lda")
    again = TopicModel.load(tmp_path / "lda")
    assert np.allclose(again.transform(["rent tenants"]), model.transform(["rent tenants"]))


def test_bad_freq_is_named() -> None:
    model = TopicModel(num_topics=2, passes=1).fit([d["text"] for d in _corpus()])
    with pytest.raises(ValueError, match="freq"):
        topic_prevalence(_corpus(), model, freq="week")
