"""Precision and recall of the scope scorer's `core` label on the team's labelled set, per split.

The scorer is a hand-weighted evidence model: its rules were written while looking at the `dev` split,
and the `heldout` split was written afterwards without looking at the scorer's output, so `heldout` is the
honest figure. Run: ``python benchmarks/scope.py``.
"""
from __future__ import annotations

import time

from corpus.scope import ScopeScorer, evaluate, load_labelled


def main() -> None:
    frame = load_labelled()
    scorer = ScopeScorer()
    print(f"{'split':8} {'n':>4} {'core P':>7} {'core R':>7} {'core F1':>7} {'acc(3)':>7}")
    for split in ("dev", "heldout", "all"):
        part = frame if split == "all" else frame[frame["split"] == split]
        m = evaluate(part, scorer)
        print(f"{split:8} {int(m['n']):4d} {m['core_precision']:7.3f} {m['core_recall']:7.3f} "
              f"{m['core_f1']:7.3f} {m['accuracy']:7.3f}")
    texts = list(zip(frame["title"], frame["text"])) * 20
    start = time.perf_counter()
    for title, text in texts:
        scorer.score(title, text)
    elapsed = time.perf_counter() - start
    print(f"speed: {len(texts) / elapsed:,.0f} documents per second")


if __name__ == "__main__":
    main()
