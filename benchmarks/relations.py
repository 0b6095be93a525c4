"""Relation benchmark: training time, labelling throughput, cross-validated and development-set scores.

usage: python benchmarks/relations.py [--dev ../shared/labels/seed-units.jsonl] [--docs 300]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from framing.analyze import analyze
from framing.classifier import RelationClassifier, read_labelled, team_examples
from framing.validation import agreement, cross_validate_team


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dev", default=str(Path(__file__).resolve().parents[2] / "shared/labels/seed-units.jsonl"))
    ap.add_argument("--docs", type=int, default=300, help="synthetic documents for the throughput figure")
    args = ap.parse_args()
    items, labels = team_examples()
    t = time.perf_counter()
    model = RelationClassifier().fit(items, labels)
    print(f"train: {len(items)} pairs in {time.perf_counter() - t:.1f}s")
    text = ("The city funds rehab instead of safe supply. Harm reduction is not the opposite of recovery. "
            "Services include naloxone, detox and recovery homes. The weather was mild.")
    docs = [{"id": i, "text": text} for i in range(args.docs)]
    t = time.perf_counter()
    units = analyze(docs, model=model, progress=False)
    dt = time.perf_counter() - t
    print(f"analyze: {len(docs)} docs, {len(units)} units in {dt:.1f}s ({len(units) / dt:.0f} units/s)")
    cv = cross_validate_team(k=5).iloc[0]
    print(f"team set 5-fold cv: macro-F1 {cv.macro_f1:.3f}  alpha {cv.alpha:.3f}  accuracy {cv.accuracy:.3f}")
    if Path(args.dev).exists():
        dev_items, dev_y = read_labelled(args.dev)
        ag = agreement(dev_y, list(model.predict(dev_items)))
        print(f"dev set (gold pairs): n {ag['n']}  macro-F1 {ag['macro_f1']:.3f}  alpha {ag['alpha']:.3f}")


if __name__ == "__main__":
    main()
