"""Benchmark: framewatch's TopicModel (gensim LDA, streamed from disk) against scikit-learn's
LatentDirichletAllocation on one generated corpus, in the same run.

Each model trains in its own fresh process (multiprocessing "spawn"), so its peak resident memory is its own;
it is read when training ends (before coherence), beside the process's size after its imports.
Both see the same tokens (framing.topics.tokenize), the same number of topics and the same number of
passes; coherence (c_v and c_npmi, gensim CoherenceModel) is measured for both on the same sample of
documents. The corpus is written to a temporary file, one document per line, and framewatch streams it.

    python benchmarks/topics.py            # 50,000 documents
    python benchmarks/topics.py --quick    # 5,000 documents, well under 2 minutes
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "da", "sho", "gri", "bel", "mar", "tun", "fes"]


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct made-up words of four syllables (none is an English stop word)."""
    if size > len(SYLLABLES) ** 4:
        raise ValueError(f"at most {len(SYLLABLES) ** 4} made-up words")
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES, size=4)))
    return sorted(words)


def generate(path: Path, n_docs: int, n_topics: int = 20, vocab_size: int = 5_000, doc_len: int = 120,
             seed: int = 0) -> None:
    """Write `n_docs` documents drawn from an LDA generative model with `n_topics` topics to `path`."""
    rng = np.random.default_rng(seed)
    vocab = np.array(vocabulary(vocab_size, rng))
    topic_words = rng.dirichlet(np.full(vocab_size, 0.02), size=n_topics)
    cdf = np.cumsum(topic_words, axis=1)
    cdf /= cdf[:, -1:]
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n_docs):
            theta = rng.dirichlet(np.full(n_topics, 0.1))
            counts = rng.multinomial(doc_len, theta)
            words = [vocab[np.searchsorted(cdf[t], rng.random(c))] for t, c in enumerate(counts) if c]
            fh.write(" ".join(np.concatenate(words)) + "\n")


class Lines:
    """A re-iterable stream of the corpus file's lines (nothing held in memory)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self):
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                yield line.rstrip("\n")

    def __len__(self) -> int:
        with open(self.path, encoding="utf-8") as fh:
            return sum(1 for _ in fh)


def coherence(top_words: list[list[str]], path: Path, sample: int) -> dict[str, float]:
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    from framing.topics import tokenize

    texts = []
    for n, line in enumerate(Lines(path)):
        if n >= sample:
            break
        texts.append(tokenize(line))
    dictionary = Dictionary(texts)
    return {m: float(CoherenceModel(topics=top_words, texts=texts, dictionary=dictionary, coherence=m,
                                    processes=1).get_coherence()) for m in ("c_v", "c_npmi")}


def run_framewatch(path: str, k: int, passes: int, workers: int, sample: int, out: mp.Queue) -> None:
    from framing.topics import TopicModel

    out.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # after imports
    started = time.perf_counter()
    model = TopicModel(num_topics=k, passes=passes, workers=workers, phrases=False, no_below=3, no_above=0.5,
                       coherence_docs=1, chunksize=2_000, random_state=0).fit(Lines(Path(path)))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # training only, before coherence
    top = model.topics(10)
    words = [list(top.loc[top.topic == t, "word"]) for t in range(k)]
    out.put({"model": f"framewatch TopicModel (gensim {'LdaModel' if not workers else f'LdaMulticore x{workers}'})",
             "seconds": seconds, **coherence(words, Path(path), sample),
             "peak_rss_mb": peak})


def run_sklearn(path: str, k: int, passes: int, sample: int, out: mp.Queue) -> None:
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    from framing.topics import tokenize

    out.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # after imports
    started = time.perf_counter()
    vectorizer = CountVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, min_df=3, max_df=0.5)
    X = vectorizer.fit_transform(Lines(Path(path)))
    lda = LatentDirichletAllocation(n_components=k, learning_method="online", max_iter=passes, batch_size=2_000,
                                    random_state=0, n_jobs=1).fit(X)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # training only, before coherence
    vocab = vectorizer.get_feature_names_out()
    words = [[str(vocab[i]) for i in np.argsort(-row)[:10]] for row in lda.components_]
    out.put({"model": "scikit-learn LatentDirichletAllocation (online)", "seconds": seconds,
             **coherence(words, Path(path), sample),
             "peak_rss_mb": peak})


def measure(n_docs: int, topics: int = 20, passes: int = 3, workers: int = 0, coherence_docs: int = 5_000,
            progress: bool = True) -> list[dict]:
    """Generate `n_docs` documents and train both models on them, each in a fresh process: one dict per model
    (framewatch first) with `model`, `seconds`, `c_v`, `c_npmi`, `peak_rss_mb` and `baseline_mb`."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.txt"
        started = time.perf_counter()
        generate(path, n_docs, n_topics=topics)
        if progress:
            print(f"generated {n_docs:,} documents ({path.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - started:.1f} s; {topics} topics, {passes} passes", flush=True)
        results = []
        jobs = [(run_framewatch, (str(path), topics, passes, workers, coherence_docs)),
                (run_sklearn, (str(path), topics, passes, coherence_docs))]
        for target, job_args in jobs:
            queue = ctx.Queue()
            proc = ctx.Process(target=target, args=(*job_args, queue))
            proc.start()
            baseline = queue.get()
            results.append({**queue.get(), "baseline_mb": baseline})
            proc.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000, help="documents to generate (default 50,000)")
    parser.add_argument("--quick", action="store_true", help="5,000 documents")
    parser.add_argument("--topics", type=int, default=20, help="topics, generated and fitted (default 20)")
    parser.add_argument("--passes", type=int, default=3, help="passes / max_iter for both (default 3)")
    parser.add_argument("--workers", type=int, default=0, help="LdaMulticore workers (default 0: LdaModel)")
    parser.add_argument("--coherence-docs", type=int, default=5_000, help="documents coherence is measured on")
    args = parser.parse_args()
    results = measure(5_000 if args.quick else args.docs, args.topics, args.passes, args.workers, args.coherence_docs)
    print(f"{'model':58} {'train s':>8} {'c_v':>7} {'c_npmi':>7} {'peak RSS MB':>12} {'after imports':>14}")
    for r in results:
        print(f"{r['model']:58} {r['seconds']:8.1f} {r['c_v']:7.3f} {r['c_npmi']:7.3f} {r['peak_rss_mb']:12.0f} "
              f"{r['baseline_mb']:14.0f}")


if __name__ == "__main__":
    main()
