"""Count the labels per concept pair in local human-coded real-news checks and record them as the
relation classifier's real-coverage priors (framing/data/pair_priors.json; counts only, no text).

usage: python benchmarks/pair_priors.py CHECK_DIR [CHECK_DIR ...] [--name NAME ...] [--write]

Each CHECK_DIR holds units.jsonl ({uid, doc, text, concepts, pairs}) as read by score_relations_docs.py.
Keep at least one coded check out of the priors to measure the model on pages it never saw.
After --write, rebuild the shipped model: python -m framing.build_model
"""
from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from framing.classifier import PRIORS_FILE
from framing.relations import LABELS, PAIRS, split_pair


def pair_counts(units_files: list[Path]) -> tuple[dict[str, dict[str, int]], list[int]]:
    """Label counts per pair over the units files, and the number of coded pairs in each file."""
    counts: dict[str, Counter] = defaultdict(Counter)
    sizes = []
    for path in units_files:
        n = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for pair, label in json.loads(line)["pairs"].items():
                    a, b = split_pair(pair)
                    counts[f"{a}+{b}"][label] += 1
                    n += 1
        sizes.append(n)
    return {p: {lab: counts[p][lab] for lab in LABELS} for p in PAIRS}, sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checks", nargs="+", help="folders with units.jsonl")
    ap.add_argument("--name", action="append", default=[], help="a description per folder, in order")
    ap.add_argument("--write", action="store_true", help=f"write {PRIORS_FILE}")
    args = ap.parse_args()
    counts, sizes = pair_counts([Path(c) / "units.jsonl" for c in args.checks])
    names = args.name + [Path(c).name for c in args.checks[len(args.name):]]
    for pair, row in counts.items():
        total = sum(row.values()) or 1
        print(f"{pair:26s} " + "  ".join(f"{lab} {n} ({n / total:.2f})" for lab, n in row.items()))
    if args.write:
        old = json.loads(PRIORS_FILE.read_text(encoding="utf-8")) if PRIORS_FILE.exists() else {}
        doc = {"about": old.get("about", "Label counts per concept pair in human-coded real coverage."),
               "sets": [f"{name} ({n} pairs)" for name, n in zip(names, sizes)], "counts": counts}
        PRIORS_FILE.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {PRIORS_FILE}")


if __name__ == "__main__":
    main()
