"""Topic models: themes found, the same topics for the same seed, the number of topics chosen by coherence,
outlet names kept out of the topics, prevalence over time, fold-in, clone and safe save/load."""
from __future__ import annotations

import pickle
import random
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from corpus.demo.sitebuilder import article_path, build_site, load_site
from framing.records import as_frame
from framing.topics import TopicModel, name_words, tokenize, topic_framing, topic_prevalence
from scrapers.extract import extract

HOUSING = "rent tenants landlord eviction apartment housing shelter lease".split()
BUDGET = "budget council spending taxes deficit funding audit ledger".split()
FAST = {"passes": 5, "iterations": 50}


def _corpus() -> list[dict]:
    rng = random.Random(3)
    docs = []
    for i in range(60):
        year = 2019 + i % 6
        theme = HOUSING if (year < 2022) == (i % 5 != 0) else BUDGET
        words = [rng.choice(theme) for _ in range(40)]
        docs.append({"id": f"d{i}", "date": f"{year}-0{1 + i % 9}-15", "text": " ".join(words)})
    return docs


@pytest.fixture(scope="module")
def demo_docs() -> pd.DataFrame:
    """The demo site's in-scope news pages as the update stores them: extracted text, outlet name, date."""
    site = load_site()
    base = "http://127.0.0.1:1"
    pages = build_site(site, base)
    rows = []
    for a in site.articles:
        if a.kind == "offtopic" or site.outlets[a.outlet].template == "pdf":
            continue
        got = extract(pages[article_path(a)].body, base + article_path(a))
        rows.append({"id": a.uid, "text": got.text, "title": got.title, "outlet": site.outlets[a.outlet].name,
                     "date": a.date.isoformat() if a.date else None})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def demo_model(demo_docs) -> TopicModel:
    return TopicModel(topic_range=(3, 6), random_state=7, **FAST).fit(demo_docs)


def test_tokenize_drops_stop_words_short_tokens_and_possessives() -> None:
    assert tokenize("The Council's budget, in 2024!") == ["council", "budget"]


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


def test_prevalence_follows_the_written_shift_and_counts_undated() -> None:
    docs = _corpus() + [{"id": "u", "date": None, "text": "rent tenants"}]
    model = TopicModel(num_topics=2, passes=15, random_state=1).fit([d["text"] for d in docs])
    housing_topic = int(model.transform(["rent tenants eviction housing"])[0].argmax())
    prev = topic_prevalence(as_frame(docs), model, freq="Y")
    housing = prev[prev.topic == housing_topic].set_index("period")
    assert housing.loc["2019", "prevalence"] > 0.6 and housing.loc["2024", "prevalence"] < 0.4
    assert (housing["ci_low"] <= housing["prevalence"]).all() and (housing["prevalence"] <= housing["ci_high"]).all()
    assert prev.attrs["undated"] == 1


def test_demo_same_seed_same_topics_and_n_chosen_by_coherence(demo_docs, demo_model) -> None:
    again = TopicModel(topic_range=(3, 6), random_state=7, **FAST).fit(demo_docs)
    pd.testing.assert_frame_equal(again.topics(10), demo_model.topics(10))
    pd.testing.assert_frame_equal(again.coherence_, demo_model.coherence_)
    table = demo_model.coherence_
    assert list(table["num_topics"]) == [3, 4, 5, 6]
    assert table[["c_v", "c_npmi"]].notna().all().all()
    best = table.loc[table["c_v"].idxmax(), "num_topics"]
    assert demo_model.num_topics_ == best == table.loc[table["chosen"], "num_topics"].item()


def test_demo_prevalence_sums_to_one_in_every_period_and_outlet(demo_docs, demo_model) -> None:
    prev = topic_prevalence(demo_docs, demo_model, freq="Y")
    sums = prev.groupby("period")["prevalence"].sum()
    assert len(sums) >= 6 and np.allclose(sums, 1.0)
    by_outlet = topic_prevalence(demo_docs, demo_model, freq="Y", by="outlet")
    assert np.allclose(by_outlet.groupby(["period", "outlet"])["prevalence"].sum(), 1.0)
    assert set(by_outlet["outlet"]) == set(demo_docs["outlet"])


def test_demo_no_top_word_is_an_outlet_name(demo_docs, demo_model) -> None:
    outlet_words = {w for name in demo_docs["outlet"].unique() for w in re.findall(r"[a-z]+", name.lower())
                    if len(w) > 3}
    assert {"northwind", "harbourton", "ledger", "civic", "weekly", "radio", "valmere"} <= outlet_words
    for word in demo_model.topics(10)["word"]:
        assert not set(re.split(r"[_\-']", word)) & outlet_words, word
    # without the outlet fields, outlet names do reach the topics: the test above can fail
    plain = TopicModel(num_topics=demo_model.num_topics_, random_state=7, drop_names=False, boilerplate_share=None,
                       **FAST).fit(demo_docs)
    words = {p for w in plain.topics(10)["word"] for p in re.split(r"[_\-']", w)}
    assert words & outlet_words


def test_name_words_include_run_together_forms() -> None:
    assert {"civic", "weekly", "civicweekly"} <= name_words(["The Civic Weekly"])


def test_clone_and_params() -> None:
    model = TopicModel(num_topics=4, keep_words=("health",), method="nmf", random_state=3)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and twin is not model
    fitted = TopicModel(num_topics=2, **FAST).fit([d["text"] for d in _corpus()])
    fresh = clone(fitted)
    assert not hasattr(fresh, "num_topics_") and fresh.get_params() == fitted.get_params()


def test_save_load_restores_everything_and_refuses_a_pickle(tmp_path, demo_docs, demo_model) -> None:
    demo_model.rename_topics({0: "my own name"})
    folder = demo_model.save(tmp_path / "model")
    again = TopicModel.load(folder)
    assert again.get_params() == demo_model.get_params()
    assert again.labels() == demo_model.labels() and again.labels()[0] == "my own name"
    pd.testing.assert_frame_equal(again.topics(10), demo_model.topics(10))
    pd.testing.assert_frame_equal(again.coherence_, demo_model.coherence_)
    assert again.phrasegrams_ == demo_model.phrasegrams_ and again.dropped_words_ == demo_model.dropped_words_
    assert again.boilerplate_words_ == demo_model.boilerplate_words_ and again.n_docs_ == demo_model.n_docs_
    texts = demo_docs["text"].tolist()[:10]
    assert np.allclose(again.transform(texts), demo_model.transform(texts))
    assert np.allclose(again.update(texts[:5]).topic_word_matrix(),
                       TopicModel.load(folder).update(texts[:5]).topic_word_matrix())
    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"num_topics": 3}))
    with pytest.raises(ValueError, match="pickle"):
        TopicModel.load(tmp_path / "model.pkl")
    np.savez(folder / "arrays.npz", sstats=np.array([{"x": 1}], dtype=object))  # pickled inside the npz
    with pytest.raises(ValueError, match="not a readable"):
        TopicModel.load(folder)


def test_update_folds_in_new_documents_without_refitting() -> None:
    docs = [d["text"] for d in _corpus()]
    model = TopicModel(num_topics=2, random_state=1, **FAST).fit(docs[:40])
    before, vocab = model.topic_word_matrix().copy(), dict(model.dictionary_.token2id)
    model.update(docs[40:] + ["unknown words only"])
    assert model.n_docs_ == 60 and dict(model.dictionary_.token2id) == vocab
    assert not np.allclose(before, model.topic_word_matrix())


def test_nmf_behind_the_same_interface(tmp_path) -> None:
    docs = [d["text"] for d in _corpus()]
    model = TopicModel(method="nmf", topic_range=(2, 3), random_state=1).fit(docs)
    assert list(model.coherence_["num_topics"]) == [2, 3]
    theta = model.transform(["rent eviction tenants lease", "budget deficit audit taxes"])
    assert np.allclose(theta.sum(axis=1), 1.0) and theta[0].argmax() != theta[1].argmax()
    again = TopicModel.load(model.save(tmp_path / "nmf"))
    assert np.allclose(again.transform(docs[:5]), model.transform(docs[:5]))
    model.update(docs[:10])
    assert model.n_docs_ == 70


def test_topic_framing_weights_units_by_topic() -> None:
    docs = _corpus()
    model = TopicModel(num_topics=2, passes=15, random_state=1).fit([d["text"] for d in docs])
    housing_doc = next(d for d in docs if d["date"].startswith("2019"))
    units = pd.DataFrame([
        {"doc_id": housing_doc["id"], "concepts": ["HARM_REDUCTION", "RECOVERY"],
         "pairs": {"HARM_REDUCTION+RECOVERY": "opposition"}},
        {"doc_id": housing_doc["id"], "concepts": ["HARM_REDUCTION"], "pairs": {}},
    ])
    table = topic_framing(docs, units, model)
    housing_topic = int(model.transform([housing_doc["text"]])[0].argmax())
    opp = table[(table.kind == "relation") & (table.name == "HARM_REDUCTION+RECOVERY|opposition")]
    assert opp.set_index("topic").loc[housing_topic, "share"] == pytest.approx(1.0)
    hr = table[(table.kind == "concept") & (table.name == "HARM_REDUCTION")]
    assert hr["units"].sum() == pytest.approx(2.0)


def test_bad_freq_is_named() -> None:
    model = TopicModel(num_topics=2, passes=1).fit([d["text"] for d in _corpus()])
    with pytest.raises(ValueError, match="freq"):
        topic_prevalence(_corpus(), model, freq="week")


class _Stream:
    """Texts read anew on every pass, without a length: what a file-backed corpus looks like."""

    def __init__(self, texts: list[str]) -> None:
        self.texts, self.passes = texts, 0

    def __iter__(self):
        self.passes += 1
        yield from self.texts


def test_streamed_input_is_read_twice_and_multicore_workers_train(tmp_path) -> None:
    stream = _Stream([d["text"] for d in _corpus()])
    model = TopicModel(num_topics=2, workers=1, random_state=1, **FAST).fit(stream)
    assert stream.passes == 2  # names, then the one tokenising pass; training reads the cached bags of words
    assert type(model._state["lda"]).__name__ == "LdaMulticore"
    again = TopicModel.load(model.save(tmp_path / "multi"))
    assert type(again._state["lda"]).__name__ == "LdaMulticore"
    assert np.allclose(again.transform(stream.texts[:3]), model.transform(stream.texts[:3]))


def test_byline_words_from_the_metadata_field_are_dropped() -> None:
    docs = [{**d, "outlet": "Harbour Herald", "metadata": {"byline": "Zorba Quillfeather"},
             "text": d["text"] + " reporting by zorba quillfeather for the harbour herald"} for d in _corpus()]
    model = TopicModel(num_topics=2, random_state=1, **FAST).fit(docs)
    assert {"zorba", "quillfeather", "harbour", "herald"} <= set(model.dropped_words_)
    assert not {"zorba", "quillfeather", "harbour", "herald"} & set(model.dictionary_.token2id)
    kept = TopicModel(num_topics=2, random_state=1, drop_names=False, no_above=1.0, **FAST).fit(docs)
    assert any("quillfeather" in w for w in kept.dictionary_.token2id)
