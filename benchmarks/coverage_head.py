"""Fit the relation model's coverage head on local human-coded real-news checks, measure it on each check
with a head fitted on the others only, and write it (framing/data/coverage_head.skops: numbers, no text).

usage: python benchmarks/coverage_head.py CHECK_DIR [CHECK_DIR ...] [--write]

Each CHECK_DIR holds records.jsonl and units.jsonl in the format of score_relations_docs.py; the texts
stay local and out of git. The head is stacked on one build of the relation model: after
`python -m framing.build_model`, run this again with --write, then benchmarks/relations_validation.py.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from framing.classifier import default_relation_model, model_fingerprint
from framing.coverage_head import cross_fit_labels, fit_head, write_head
from framing.validation import NOT_FOUND, agreement, model_codes, read_check


def _line(name: str, gold: list[str], pred: list[str]) -> str:
    ag = agreement(gold, pred)
    return f"macro-F1 {ag['macro_f1']:.3f}  alpha {ag['alpha']:.3f}  ({name}, n {ag['n']})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checks", nargs="+", help="folders with records.jsonl and units.jsonl")
    ap.add_argument("--write", action="store_true", help="fit on all checks and write the shipped head")
    args = ap.parse_args()
    os.environ["FRAMEWATCH_COVERAGE_HEAD"] = "0"  # the model's own labels are the baseline
    model = default_relation_model()
    groups = [read_check(folder)[:2] for folder in args.checks]
    crossed = cross_fit_labels(model, groups)
    gold_all, base_all, head_all = [], [], []
    print("check: model alone -> with a head fitted on the other checks")
    for folder, (items, gold), labels in zip(args.checks, groups, crossed):
        base = model_codes(model, items)
        head = [NOT_FOUND if lab is None else lab for lab in labels]
        print(f"{Path(folder).name}: {_line('model', gold, base)} -> {_line('head', gold, head)}")
        gold_all, base_all, head_all = gold_all + list(gold), base_all + base, head_all + head
    print(f"all: {_line('model', gold_all, base_all)} -> {_line('head', gold_all, head_all)}")
    if args.write:
        items = [item for group, _ in groups for item in group]
        path = write_head(fit_head(model, items, gold_all), model_fingerprint(),
                          [f"{Path(folder).name} ({len(gold)} pairs)" for folder, (_, gold) in zip(args.checks, groups)])
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
