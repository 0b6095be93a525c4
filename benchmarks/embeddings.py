"""Embedding benchmark: model load time and sentences/second of `framing.embeddings.SentenceEncoder`.

Needs the extra (`pip install "framewatch[embed]"`). The sentences are generated from templates with a
fixed seed, 8 to about 60 words long, like the units of news pages.

usage: python benchmarks/embeddings.py [--n 1000] [--batch-size 32] [--threads N]
"""
from __future__ import annotations

import argparse
import random
import time

from framing.embeddings import SentenceEncoder, available

SUBJECTS = ["The supervised site", "The council", "A recovery hub", "The health minister", "Outreach staff",
            "The province", "Critics of the program", "A treatment centre", "Police", "The nurses' union"]
VERBS = ["refers clients to", "wants more money for", "argues against", "opened beside", "reported on",
         "voted to expand", "questioned the cost of", "described the benefits of"]
OBJECTS = ["detox beds", "naloxone training", "harm reduction services", "long-term recovery housing",
           "the drug checking program", "peer support workers", "treatment on demand", "the needle exchange"]
TAILS = ["after a long debate at city hall", "despite a rise in overdoses downtown",
         "according to figures released on Tuesday", "while neighbours asked for more patrols",
         "as the budget for next year was tabled", "in a letter signed by forty physicians"]


def sentences(n: int, seed: int = 7) -> list[str]:
    """`n` generated sentences of one to four clauses."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        clauses = [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
                   for _ in range(rng.randint(1, 4))]
        out.append(", and ".join(clauses) + ".")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="sentences to embed")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=None, help="BLAS threads (default: the library's)")
    args = ap.parse_args()
    if not available():
        raise SystemExit('the embed extra is not installed: pip install "framewatch[embed]"')
    texts = sentences(args.n)
    t = time.perf_counter()
    encoder = SentenceEncoder(threads=args.threads)
    print(f"load: {time.perf_counter() - t:.2f}s")
    words = sum(len(s.split()) for s in texts) / len(texts)
    t = time.perf_counter()
    vectors = encoder.encode(texts, batch_size=args.batch_size, progress=True)
    dt = time.perf_counter() - t
    print(f"encode: {len(texts)} sentences ({words:.1f} words on average) in {dt:.2f}s "
          f"= {len(texts) / dt:.0f} sentences/s, batch size {args.batch_size}, threads {args.threads or 'default'}, "
          f"output {vectors.shape}")


if __name__ == "__main__":
    main()
