"""Topic models over dated texts (gensim LDA, or scikit-learn NMF), the number of topics chosen by coherence,
and each topic's prevalence per period and per outlet with intervals.

Texts are tokenised once into a temporary token file, phrases (gensim Phrases) are joined, outlet and byline
words are dropped, and the result is cached on disk as a bag-of-words Matrix Market file that every training
pass streams, gensim's way, so memory does not grow with the corpus.

Example::

    model = TopicModel(topic_range=(3, 12), random_state=1).fit(df)   # df: text, outlet, byline (optional)
    model.coherence_                            # num_topics, c_v, c_npmi: why this number of topics
    model.topics(top_n=10)                      # topic, label, rank, word, weight
    topic_prevalence(df, model, freq="Y")       # period, topic, prevalence, ci_low, ci_high, documents
    model.save("topics-model/"); TopicModel.load("topics-model/")   # JSON + npz, nothing executable
"""
from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary, MmCorpus
from gensim.models import CoherenceModel, LdaModel, LdaMulticore
from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phrases
from gensim.parsing.preprocessing import STOPWORDS
from sklearn.base import BaseEstimator, TransformerMixin
from tqdm.auto import tqdm

from framing.records import as_frame
from framing.timeseries import FREQS

_WORD = re.compile(r"[a-z][a-z\-']+[a-z]")
FORMAT = "framewatch-topic-model"
METHODS = ("lda", "nmf")
COHERENCES = ("c_v", "c_npmi")


def tokenize(text: str, min_len: int = 3) -> list[str]:
    """Lower-cased word tokens without stop words; what the topic model sees of a text."""
    words = (w[:-2] if w.endswith("'s") else w for w in _WORD.findall(text.lower()))
    return [w for w in words if len(w) >= min_len and w not in STOPWORDS]


# --------------------------------------------------------------------------------------------------
# Input: texts, or records / a DataFrame with text, outlet and byline
def _byline(rec: Mapping) -> str:
    """The byline of a record: a `byline`/`author` field, or the same key inside `metadata`."""
    meta = rec.get("metadata")
    for source in (rec, meta if isinstance(meta, Mapping) else {}):
        for key in ("byline", "author", "authors"):
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, (list, tuple)):
                return " ".join(str(v) for v in value)
    return ""


class _Docs:
    """A re-iterable view of the input as (text, outlet, byline) triples."""

    def __init__(self, docs: object, text_col: str = "text") -> None:
        if isinstance(docs, (str, bytes)):
            raise TypeError("give a list of texts, records or a DataFrame, not one string")
        self.docs, self.text_col = docs, text_col

    def __len__(self) -> int:
        return len(self.docs)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        if isinstance(self.docs, pd.DataFrame):
            frame = self.docs
            fields = [c for c in (self.text_col, "outlet", "byline", "author", "authors", "metadata") if c in frame]
            rows: Iterable = (dict(zip(fields, values)) for values in zip(*(frame[c] for c in fields)))
        elif isinstance(self.docs, pd.Series):
            rows = ({self.text_col: t} for t in self.docs)
        else:
            rows = self.docs  # type: ignore[assignment]
        for rec in rows:
            if isinstance(rec, Mapping):
                text, outlet = rec.get(self.text_col), rec.get("outlet")
                yield (text if isinstance(text, str) else "", outlet if isinstance(outlet, str) else "",
                       _byline(rec))
            else:
                yield (rec if isinstance(rec, str) else "", "", "")


def name_words(names: Iterable[str]) -> set[str]:
    """The words of outlet names and bylines as the tokenizer sees them, with their run-together forms
    ("The Civic Weekly" -> civic, weekly, civicweekly), since addresses and handles run names together."""
    words: set[str] = set()
    for name in names:
        raw = re.findall(r"[a-z]+", name.lower())
        words.update(tokenize(name))
        words.update(w for w in ("".join(raw[i:j]) for i in range(len(raw)) for j in range(i + 2, len(raw) + 1))
                     if w not in STOPWORDS and len(w) >= 3)
    return words


class _TokenFile:
    """Re-iterable token lists read from a file with one space-separated document per line."""

    def __init__(self, path: Path, phrases: FrozenPhrases | None = None, drop: frozenset[str] = frozenset(),
                 limit: int | None = None) -> None:
        self.path, self.phrases, self.drop, self.limit = path, phrases, drop, limit

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if self.limit is not None and n >= self.limit:
                    return
                tokens = line.split()
                if self.phrases is not None:
                    tokens = self.phrases[tokens]
                yield [t for t in tokens if not _dropped(t, self.drop)] if self.drop else tokens


def _dropped(token: str, drop: frozenset[str]) -> bool:
    return token in drop or ("_" in token and any(part in drop for part in token.split("_")))


# --------------------------------------------------------------------------------------------------
class TopicModel(BaseEstimator, TransformerMixin):
    """Topics in scikit-learn's shape: parameters in the constructor, `fit`, `transform`, `update`, save/load.

    `num_topics=None` chooses the number of topics in `topic_range` (inclusive) by the coherence named in
    `selection`; the table of every candidate's c_v and c_npmi is `coherence_`. `method` is "lda" (gensim
    LdaMulticore with `workers` processes; `workers=0`, the default, trains the same model with gensim's
    single-process LdaModel, which is bit-for-bit reproducible, while repeated LdaMulticore updates with
    the same seed differed slightly in our runs) or "nmf" (scikit-learn NMF on tf-idf).

    Words of the documents' own `outlet` and byline fields are dropped (`drop_names`), except those in
    `keep_words`; words in fewer than `no_below` documents or more than a `no_above` share of them are
    pruned. An outlet's boilerplate (sign-offs, "listen to this story") is found by document frequency
    too: a word or phrase in at least a `boilerplate_share` of one outlet's documents (outlets with 10 or
    more) whose documents come at least an `outlet_concentration` share from that outlet is dropped
    (`boilerplate_share=None` keeps them).
    """

    def __init__(
        self,
        num_topics: int | None = None,
        topic_range: tuple[int, int] = (3, 12),
        method: str = "lda",
        passes: int = 10,
        iterations: int = 100,
        no_below: int = 3,
        no_above: float = 0.5,
        keep_n: int = 50_000,
        phrases: bool = True,
        phrase_min_count: int = 5,
        phrase_threshold: float = 10.0,
        drop_names: bool = True,
        keep_words: tuple[str, ...] = (),
        boilerplate_share: float | None = 0.5,
        outlet_concentration: float = 0.9,
        selection: str = "c_v",
        coherence_docs: int = 5_000,
        chunksize: int = 2_000,
        workers: int = 0,
        random_state: int | None = 0,
        verbose: bool = False,
    ) -> None:
        self.num_topics = num_topics
        self.topic_range = topic_range
        self.method = method
        self.passes = passes
        self.iterations = iterations
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n
        self.phrases = phrases
        self.phrase_min_count = phrase_min_count
        self.phrase_threshold = phrase_threshold
        self.drop_names = drop_names
        self.keep_words = keep_words
        self.boilerplate_share = boilerplate_share
        self.outlet_concentration = outlet_concentration
        self.selection = selection
        self.coherence_docs = coherence_docs
        self.chunksize = chunksize
        self.workers = workers
        self.random_state = random_state
        self.verbose = verbose

    # ---- fitting ---------------------------------------------------------------------------------
    def _check(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        if self.selection not in COHERENCES:
            raise ValueError(f"selection must be one of {COHERENCES}, not {self.selection!r}")
        low, high = self.topic_range
        if self.num_topics is None and not 2 <= low <= high:
            raise ValueError(f"topic_range must be (low, high) with 2 <= low <= high, not {self.topic_range!r}")

    def fit(self, X: object, y: object = None) -> TopicModel:
        """Learn phrases, vocabulary and topics from `X`: texts, records or a DataFrame (text, outlet, byline).

        `X` must be re-iterable (a list, a Series, a DataFrame or a class with `__iter__`); it is read twice,
        once for the outlet and byline fields and once for the texts."""
        self._check()
        docs = _Docs(X)
        names = {name for _, outlet, byline in docs for name in (outlet, byline) if name} if self.drop_names else set()
        self.dropped_words_ = sorted(name_words(names) - set(self.keep_words))
        with tempfile.TemporaryDirectory(prefix="framewatch-topics-") as tmp:
            corpus, texts = self._cache(docs, Path(tmp))
            ks = [self.num_topics] if self.num_topics else list(range(self.topic_range[0], self.topic_range[1] + 1))
            rows, best, best_score = [], None, -np.inf
            for k in tqdm(ks, desc="topic models", unit="model", disable=not self.verbose or len(ks) == 1):
                state = self._train(corpus, k)
                words = self._top_words(state, k, 10)
                row = {"num_topics": k, **{c: self._coherence(words, texts, c) for c in COHERENCES}}
                rows.append(row)
                score = row[self.selection]
                if best is None or score > best_score + 1e-12:
                    best, best_score = (k, state), score
        self.coherence_ = pd.DataFrame(rows)
        self.coherence_["chosen"] = self.coherence_["num_topics"] == best[0]
        self.num_topics_, self._state = best
        self.labels_ = self.default_labels()
        return self

    def _cache(self, docs: _Docs, tmp: Path) -> tuple[MmCorpus, list[list[str]]]:
        """Tokenise every text once into a token file, learn phrases and the dictionary from it, and cache the
        bags of words as a Matrix Market file; returns that corpus and the texts coherence is measured on."""
        token_path = tmp / "tokens.txt"
        outlets: list[str] = []
        n = 0
        try:
            total = len(docs)
        except TypeError:
            total = None
        with open(token_path, "w", encoding="utf-8") as fh:
            for text, outlet, _ in tqdm(docs, total=total, desc="tokenise", unit="doc", disable=not self.verbose):
                fh.write(" ".join(tokenize(text)) + "\n")
                outlets.append(outlet)
                n += 1
        if n == 0:
            raise ValueError("topic model: no documents given")
        self.phrasegrams_: dict[str, float] = {}
        frozen = None
        if self.phrases:
            frozen = Phrases(_TokenFile(token_path), min_count=self.phrase_min_count, threshold=self.phrase_threshold,
                             connector_words=ENGLISH_CONNECTOR_WORDS).freeze()
            self.phrasegrams_ = {k: float(v) for k, v in sorted(frozen.phrasegrams.items())}
        self._phraser = frozen
        stream = _TokenFile(token_path, frozen, frozenset(self.dropped_words_))
        dictionary = Dictionary(stream)
        dictionary.filter_extremes(no_below=self.no_below, no_above=self.no_above, keep_n=self.keep_n)
        self.boilerplate_words_ = self._boilerplate(stream, outlets, dictionary)
        if self.boilerplate_words_:
            dictionary.filter_tokens(bad_ids=[dictionary.token2id[w] for w in self.boilerplate_words_])
        if len(dictionary) == 0:
            raise ValueError("topic model: no words left after filtering; give more or longer texts")
        self.dictionary_ = dictionary
        self.n_docs_ = n
        MmCorpus.serialize(str(tmp / "bow.mm"), (dictionary.doc2bow(t) for t in stream))
        texts = list(_TokenFile(token_path, frozen, frozenset(self.dropped_words_), limit=self.coherence_docs))
        return MmCorpus(str(tmp / "bow.mm")), texts

    def _boilerplate(self, stream: Iterable[list[str]], outlets: list[str], dictionary: Dictionary) -> list[str]:
        """Words and phrases in at least `boilerplate_share` of one outlet's documents and found almost only there."""
        sizes = pd.Series(outlets).value_counts()
        big = set(sizes[(sizes >= 10) & (sizes.index != "")].index)
        if self.boilerplate_share is None or len(sizes) < 2 or not big:
            return []
        per_outlet: dict[str, dict[int, int]] = {o: {} for o in big}
        for tokens, outlet in zip(stream, outlets):
            if outlet in big:
                counts = per_outlet[outlet]
                for i in {dictionary.token2id[t] for t in tokens if t in dictionary.token2id}:
                    counts[i] = counts.get(i, 0) + 1
        found = set()
        for outlet, counts in per_outlet.items():
            for i, n in counts.items():
                if n >= self.boilerplate_share * sizes[outlet] and n >= self.outlet_concentration * dictionary.dfs[i]:
                    found.add(dictionary[i])
        return sorted(found)

    def _train(self, corpus: Iterable, k: int) -> dict:
        if self.method == "lda":
            lda = self._lda(corpus=corpus, id2word=self.dictionary_, num_topics=k, chunksize=self.chunksize,
                            passes=self.passes, iterations=self.iterations, eval_every=None,
                            random_state=self.random_state)
            return {"lda": lda}
        from sklearn.decomposition import NMF

        X = self._tfidf(corpus)
        nmf = NMF(n_components=k, init="nndsvda", random_state=self.random_state, max_iter=400)
        nmf.fit(X)
        return {"components": nmf.components_}

    def _lda(self, **kwargs: object) -> LdaModel:
        """gensim LdaMulticore with `workers` processes; with workers=0, gensim's single-process LdaModel."""
        if self.workers:
            return LdaMulticore(workers=self.workers, **kwargs)
        return LdaModel(**kwargs)

    def _tfidf(self, bows: Iterable) -> object:
        """Documents x terms tf-idf matrix (rows L2-normalised) of bags of words, for NMF."""
        from gensim.matutils import corpus2csc
        from sklearn.preprocessing import normalize

        counts = corpus2csc(bows, num_terms=len(self.dictionary_)).T.tocsr()
        dfs = np.array([self.dictionary_.dfs.get(i, 0) for i in range(len(self.dictionary_))], dtype=float)
        idf = np.log((1 + self.dictionary_.num_docs) / (1 + dfs)) + 1.0
        return normalize(counts.multiply(idf).tocsr())

    def _topic_word(self, state: dict) -> np.ndarray:
        """Topics x words matrix of word probabilities (rows sum to 1)."""
        if "lda" in state:
            return state["lda"].get_topics()
        comp = state["components"]
        sums = comp.sum(axis=1, keepdims=True)
        return comp / np.where(sums == 0, 1, sums)

    def _top_words(self, state: dict, k: int, top_n: int) -> list[list[str]]:
        matrix = self._topic_word(state)
        return [[self.dictionary_[int(i)] for i in np.argsort(-matrix[t])[:top_n]] for t in range(k)]

    def _coherence(self, words: list[list[str]], texts: list[list[str]], measure: str) -> float:
        cm = CoherenceModel(topics=words, texts=texts, dictionary=self.dictionary_, coherence=measure,
                            topn=len(words[0]), processes=1)
        return float(cm.get_coherence())

    # ---- applying -------------------------------------------------------------------------------
    def _bows(self, X: object) -> list[list[tuple[int, int]]]:
        drop = frozenset(self.dropped_words_)
        out = []
        for text, _, _ in _Docs(X):
            tokens = tokenize(text)
            if self._phraser is not None:
                tokens = self._phraser[tokens]
            out.append(self.dictionary_.doc2bow([t for t in tokens if not _dropped(t, drop)]))
        return out

    def transform(self, X: object) -> np.ndarray:
        """Topic proportions per document, one row per document and one column per topic (rows sum to 1)."""
        k = self.num_topics_
        bows = self._bows(X)
        if not bows:
            return np.zeros((0, k))
        if "lda" in self._state:
            lda = self._state["lda"]
            lda.random_state = np.random.RandomState(self.random_state)  # the same answer on every call
            gamma, _ = lda.inference(bows)
            theta = gamma.astype(np.float64)
        else:
            from sklearn.decomposition import non_negative_factorization

            X_ = self._tfidf(bows)
            theta, _, _ = non_negative_factorization(X_, H=self._state["components"], n_components=k,
                                                     init="custom", update_H=False, max_iter=400,
                                                     random_state=self.random_state)
        sums = theta.sum(axis=1, keepdims=True)
        return np.where(sums > 0, theta / np.where(sums == 0, 1, sums), 1.0 / k)

    def update(self, X: object) -> TopicModel:
        """Fold new documents (e.g. a new month) into the fitted topics without refitting from scratch.

        The vocabulary stays the one learned by `fit`: words it does not hold are ignored (refit now and then
        to take in new words)."""
        bows = [b for b in self._bows(X) if b]
        if not bows:
            return self
        if "lda" in self._state:
            lda = self._state["lda"]
            lda.random_state = np.random.RandomState(self.random_state)  # a loaded model updates alike
            lda.update(bows)
        else:
            from sklearn.decomposition import non_negative_factorization

            X_ = self._tfidf(bows)
            H = self._state["components"]
            _, H_new, _ = non_negative_factorization(X_, H=H.copy(), n_components=self.num_topics_,
                                                     init="custom", update_H=True, max_iter=200,
                                                     W=np.full((X_.shape[0], self.num_topics_), 0.1),
                                                     random_state=self.random_state)
            seen = self.n_docs_
            self._state["components"] = (seen * H + len(bows) * H_new) / (seen + len(bows))
        self.n_docs_ += len(bows)
        return self

    # ---- reading the topics ---------------------------------------------------------------------
    def topic_word_matrix(self) -> np.ndarray:
        """Topics x vocabulary word probabilities (rows sum to 1); columns follow `dictionary_` ids."""
        return self._topic_word(self._state)

    def topics(self, top_n: int = 10) -> pd.DataFrame:
        """The top words of every topic: columns topic, label, rank, word, weight."""
        matrix = self.topic_word_matrix()
        rows = [{"topic": t, "label": self.labels_[t], "rank": r, "word": self.dictionary_[int(i)],
                 "weight": float(matrix[t, i])}
                for t in range(self.num_topics_) for r, i in enumerate(np.argsort(-matrix[t])[:top_n])]
        return pd.DataFrame(rows, columns=["topic", "label", "rank", "word", "weight"])

    def default_labels(self, top_n: int = 3) -> list[str]:
        """A short readable name per topic from its top words."""
        return [" / ".join(words) for words in self._top_words(self._state, self.num_topics_, top_n)]

    def labels(self) -> list[str]:
        """The topics' current labels (the default ones unless renamed)."""
        return list(self.labels_)

    def rename_topics(self, names: Mapping[int, str] | Sequence[str]) -> TopicModel:
        """Give topics your own labels: {topic: name} or one name per topic; saved with the model."""
        items = names.items() if isinstance(names, Mapping) else enumerate(names)
        for t, name in items:
            if not 0 <= int(t) < self.num_topics_:
                raise ValueError(f"no topic {t}: the model has topics 0-{self.num_topics_ - 1}")
            self.labels_[int(t)] = str(name)
        return self

    # ---- files ----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save into the folder `path`: params.json (parameters, labels, phrases, dropped words, coherence),
        dictionary.json and arrays.npz. Nothing in it executes when loaded (no pickle)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        d = self.dictionary_
        meta = {
            "format": FORMAT, "version": 1, "params": {**self.get_params(), "keep_words": list(self.keep_words),
                                                      "topic_range": list(self.topic_range)},
            "num_topics_": int(self.num_topics_), "labels_": self.labels_, "n_docs_": int(self.n_docs_),
            "dropped_words_": self.dropped_words_, "boilerplate_words_": self.boilerplate_words_,
            "phrasegrams_": self.phrasegrams_,
            "coherence_": self.coherence_.to_dict("records"),
        }
        (folder / "params.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        vocab = {"id2token": [d[i] for i in range(len(d))], "dfs": [int(d.dfs.get(i, 0)) for i in range(len(d))],
                 "cfs": [int(d.cfs.get(i, 0)) for i in range(len(d))],
                 "num_docs": d.num_docs, "num_pos": d.num_pos, "num_nnz": d.num_nnz}
        (folder / "dictionary.json").write_text(json.dumps(vocab), encoding="utf-8")
        if "lda" in self._state:
            lda = self._state["lda"]
            arrays = {"sstats": lda.state.sstats, "alpha": lda.alpha, "eta": lda.eta,
                      "num_updates": np.array([lda.num_updates, lda.state.numdocs])}
        else:
            arrays = {"components": self._state["components"]}
        np.savez_compressed(folder / "arrays.npz", **arrays)
        return folder

    @classmethod
    def load(cls, path: str | Path) -> TopicModel:
        """Load a model folder written by `save`; anything else (a pickle, a gensim .save file) is refused."""
        folder = Path(path)
        params_file = folder / "params.json"
        if not folder.is_dir() or not params_file.is_file():
            raise ValueError(f"{folder} is not a framewatch topic model folder (params.json, dictionary.json, "
                             "arrays.npz); pickled models are refused, since loading them can run code")
        try:
            meta = json.loads(params_file.read_text(encoding="utf-8"))
            vocab = json.loads((folder / "dictionary.json").read_text(encoding="utf-8"))
            with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{folder}: not a readable framewatch topic model: {exc}") from exc
        if meta.get("format") != FORMAT:
            raise ValueError(f"{params_file}: not a framewatch topic model (format {meta.get('format')!r})")
        params = dict(meta["params"])
        params["keep_words"] = tuple(params["keep_words"])
        params["topic_range"] = tuple(params["topic_range"])
        model = cls(**params)
        dictionary = Dictionary()
        dictionary.token2id = {w: i for i, w in enumerate(vocab["id2token"])}
        dictionary.dfs = {i: n for i, n in enumerate(vocab["dfs"])}
        dictionary.cfs = {i: n for i, n in enumerate(vocab["cfs"])}
        dictionary.num_docs, dictionary.num_pos, dictionary.num_nnz = vocab["num_docs"], vocab["num_pos"], vocab["num_nnz"]
        model.dictionary_ = dictionary
        model.num_topics_ = int(meta["num_topics_"])
        model.labels_ = list(meta["labels_"])
        model.n_docs_ = int(meta["n_docs_"])
        model.dropped_words_ = list(meta["dropped_words_"])
        model.boilerplate_words_ = list(meta["boilerplate_words_"])
        model.phrasegrams_ = {k: float(v) for k, v in meta["phrasegrams_"].items()}
        model.coherence_ = pd.DataFrame(meta["coherence_"])
        model._phraser = None
        if model.phrases:
            frozen = Phrases(min_count=model.phrase_min_count, threshold=model.phrase_threshold,
                             connector_words=ENGLISH_CONNECTOR_WORDS).freeze()
            frozen.phrasegrams = dict(model.phrasegrams_)
            model._phraser = frozen
        if "sstats" in arrays:
            lda = model._lda(id2word=dictionary, num_topics=model.num_topics_, chunksize=model.chunksize,
                             passes=model.passes, iterations=model.iterations, alpha=arrays["alpha"],
                             eta=arrays["eta"], eval_every=None, random_state=model.random_state)
            lda.state.sstats = arrays["sstats"].astype(lda.state.sstats.dtype)
            lda.num_updates, lda.state.numdocs = (int(v) for v in arrays["num_updates"])
            lda.sync_state()
            model._state = {"lda": lda}
        else:
            model._state = {"components": arrays["components"]}
        return model


# --------------------------------------------------------------------------------------------------
# Topics over time, by outlet, and beside the framing measures
def _dated(docs: object, freq: str) -> tuple[pd.DataFrame, np.ndarray, int]:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")
    frame = as_frame(docs)
    dates = pd.to_datetime(frame.get("date"), errors="coerce", utc=True)
    if dates is None:
        dates = pd.Series(pd.NaT, index=frame.index)
    dated = frame.loc[dates.notna().to_numpy()]
    periods = dates[dates.notna()].dt.tz_localize(None).dt.to_period(FREQS[freq]).astype(str).to_numpy()
    return dated, periods, int(dates.isna().sum())


def topic_prevalence(docs: object, model: TopicModel, freq: str = "Y", by: str | None = None,
                     text_col: str = "text", n_boot: int = 200, level: float = 0.95,
                     random_state: int | None = 0) -> pd.DataFrame:
    """Mean topic proportion of the dated documents per period (and per `by` group, e.g. "outlet"), with a
    Bayesian-bootstrap interval over documents: columns period, [by], topic, label, prevalence, ci_low,
    ci_high, documents. In every period (and group) the prevalences sum to 1.

    Undated documents are left out (their number is in `attrs["undated"]`).
    """
    dated, periods, undated = _dated(docs, freq)
    theta = model.transform(dated[[text_col]].rename(columns={text_col: "text"}) if text_col != "text"
                            else dated["text"].fillna("").tolist())
    keys = pd.DataFrame({"period": periods})
    if by is not None:
        if by not in dated.columns:
            raise ValueError(f"no column {by!r} to split topic prevalence by")
        keys[by] = dated[by].fillna("unknown").astype(str).to_numpy()
    rng = np.random.default_rng(random_state)
    tail = (1 - level) / 2
    labels = model.labels()
    rows = []
    group_cols = ["period"] + ([by] if by else [])
    for key, idx in keys.groupby(group_cols, sort=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        sub = theta[idx]
        mean = sub.mean(axis=0)
        weights = rng.dirichlet(np.ones(len(idx)), size=n_boot) if n_boot and len(idx) > 1 else None
        boots = weights @ sub if weights is not None else np.repeat(mean[None, :], 1, axis=0)
        low, high = np.quantile(boots, tail, axis=0), np.quantile(boots, 1 - tail, axis=0)
        for t in range(model.num_topics_):
            rows.append({**dict(zip(group_cols, key)), "topic": t, "label": labels[t],
                         "prevalence": float(mean[t]), "ci_low": float(low[t]), "ci_high": float(high[t]),
                         "documents": len(idx)})
    out = pd.DataFrame(rows, columns=group_cols + ["topic", "label", "prevalence", "ci_low", "ci_high", "documents"])
    out.attrs["undated"] = undated
    return out


def document_topics(docs: object, model: TopicModel, text_col: str = "text", id_col: str = "id") -> pd.DataFrame:
    """One row per document and topic proportion columns `topic_0` … (rows sum to 1), with the document's id."""
    frame = as_frame(docs)
    theta = model.transform(frame[text_col].fillna("").tolist())
    out = pd.DataFrame(theta, columns=[f"topic_{t}" for t in range(model.num_topics_)])
    out.insert(0, "doc_id", frame[id_col].astype(str).to_numpy() if id_col in frame else range(len(frame)))
    return out


def representative_documents(docs: object, model: TopicModel, n: int = 3, text_col: str = "text",
                             id_col: str = "id") -> pd.DataFrame:
    """The `n` documents with the highest proportion of each topic: topic, label, rank, doc_id, weight, title."""
    frame = as_frame(docs)
    theta = model.transform(frame[text_col].fillna("").tolist())
    ids = frame[id_col].astype(str).to_numpy() if id_col in frame else np.arange(len(frame)).astype(str)
    titles = frame["title"].fillna("").astype(str).to_numpy() if "title" in frame else np.full(len(frame), "")
    labels = model.labels()
    rows = [{"topic": t, "label": labels[t], "rank": r, "doc_id": ids[i], "weight": float(theta[i, t]),
             "title": titles[i]}
            for t in range(model.num_topics_) for r, i in enumerate(np.argsort(-theta[:, t], kind="stable")[:n])]
    return pd.DataFrame(rows, columns=["topic", "label", "rank", "doc_id", "weight", "title"])


def topic_framing(docs: object, units: pd.DataFrame, model: TopicModel, text_col: str = "text",
                  id_col: str = "id") -> pd.DataFrame:
    """Topic x concept and topic x relation table from `framing.analyze` units: each unit counts towards the
    topics of its document in proportion to the document's topic mix.

    Columns topic, label, kind ("concept" or "relation"), name (a concept, or "PAIR|label"), units (weighted
    count), share (of the topic's units for concepts; of the pair's co-occurrences in the topic for relations).
    Sorting the relation rows by share shows which topics hold the oppositional framings.
    """
    by_doc = document_topics(docs, model, text_col=text_col, id_col=id_col).set_index("doc_id")
    k = model.num_topics_
    weights = by_doc.reindex(units["doc_id"].astype(str)).fillna(0.0).to_numpy()
    totals = weights.sum(axis=0)
    counts: dict[tuple[str, str], np.ndarray] = {}
    for w, concepts, pairs in zip(weights, units["concepts"], units["pairs"]):
        for c in concepts if isinstance(concepts, (list, tuple, np.ndarray)) else []:
            counts[("concept", str(c))] = counts.get(("concept", str(c)), np.zeros(k)) + w
        for pair, lab in (pairs.items() if isinstance(pairs, Mapping) else []):
            counts[("relation", f"{pair}|{lab}")] = counts.get(("relation", f"{pair}|{lab}"), np.zeros(k)) + w
    pair_totals: dict[str, np.ndarray] = {}
    for (kind, name), v in counts.items():
        if kind == "relation":
            pair = name.split("|")[0]
            pair_totals[pair] = pair_totals.get(pair, np.zeros(k)) + v
    labels = model.labels()
    rows = []
    for (kind, name), v in sorted(counts.items()):
        denom = totals if kind == "concept" else pair_totals[name.split("|")[0]]
        for t in range(k):
            rows.append({"topic": t, "label": labels[t], "kind": kind, "name": name, "units": float(v[t]),
                         "share": float(v[t] / denom[t]) if denom[t] else float("nan")})
    return pd.DataFrame(rows, columns=["topic", "label", "kind", "name", "units", "share"])
