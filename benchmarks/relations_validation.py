"""Measure the shipped relation model on human-coded units and record its confusion matrices.

Each coded sentence is labelled with its whole document as context (so "the site" counts where the
document names one), the way `framewatch relations` sees it. The confusion matrices (counts only, no
text) go to framing/data/confusion.json, which `framing.add_corrected_shares` uses to correct shares.

usage: python benchmarks/relations_validation.py [--shared ../shared] [--realnews DIR ...] [--cross-fit] [--pool-earlier] [--write]

--realnews DIR: a local, git-ignored real-news check in the format of score_relations_docs.py
(records.jsonl {id, title, text} and units.jsonl {uid, doc, text, concepts, pairs}); its text never
enters the repository, only the counts.
--cross-fit: label each check with a coverage head fitted on the other checks only, with the shipped head's
parameters (the shipped head was fitted on the checks; its errors on pages it saw would be understated).
--pool-earlier: add the counts recorded as the "realnews_earlier" set of confusion.json (checks of earlier
rounds whose texts are no longer at hand, as an earlier release labelled them) to the measured real-news matrix.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
from pathlib import Path

import numpy as np

from framing.classifier import default_relation_model, model_fingerprint
from framing.coverage_head import cross_fit_labels
from framing.prevalence import CONFUSION_FILE, Validation
from framing.relations import LABELS
from framing.validation import NOT_FOUND, agreement, coded_pairs, model_codes, read_check


def measure(name: str, description: str, gold: list[str], pred: list[str]) -> Validation:
    """Print agreement on one set and return its confusion matrix."""
    ag = agreement(gold, pred)
    print(f"{name}: n {ag['n']}  macro-F1 {ag['macro_f1']:.3f}  alpha {ag['alpha']:.3f}  "
          f"accuracy {ag['accuracy']:.3f}  not found {pred.count(NOT_FOUND)}")
    return Validation.from_pairs(gold, pred, name=name, description=description)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--realnews", action="append", default=[],
                    help="folder with records.jsonl and units.jsonl of a real-news check (repeat to pool checks)")
    ap.add_argument("--pool-earlier", action="store_true",
                    help='add the recorded "realnews_earlier" counts to the measured real-news matrix')
    ap.add_argument("--cross-fit", action="store_true",
                    help="label each check with a coverage head fitted on the other checks only (use when the "
                         "shipped head was fitted on these checks, so that the matrix is not measured in-sample)")
    ap.add_argument("--write", action="store_true", help="record the matrices in framing/data/confusion.json")
    args = ap.parse_args()
    old = json.loads(CONFUSION_FILE.read_text(encoding="utf-8")) if CONFUSION_FILE.exists() else {}
    sets: dict[str, Validation] = {}
    shared = Path(args.shared)
    if (shared / "labels" / "seed-units.jsonl").exists():
        seeds = {"seed" + os.path.basename(p)[:3]: Path(p).read_text(encoding="utf-8")
                 for p in sorted(glob.glob(str(shared / "seeds" / "*.txt")))}
        items, gold = coded_pairs(shared / "labels" / "seed-units.jsonl", seeds)
        sets["seeds"] = measure("seeds", "110 pairs in 4 academic and practitioner texts, double-coded by "
                                "two coders (shared development set)", gold, model_codes(default_relation_model(), items))
    if args.realnews:
        groups, pages = [], 0
        for folder in map(Path, args.realnews):
            found, codes, documents = read_check(folder)
            groups.append((found, codes))
            pages += len(documents)
        gold = [label for _, codes in groups for label in codes]
        model = default_relation_model()
        head = getattr(model, "coverage_head_", None)
        cross_fit = args.cross_fit and head is not None
        if cross_fit:  # each check labelled by a head that never saw it
            crossed = cross_fit_labels(model, groups, **head.get_params())
            pred = [NOT_FOUND if label is None else label for labels in crossed for label in labels]
        else:
            pred = model_codes(model, [item for found, _ in groups for item in found])
        checks = f"{len(args.realnews)} checks" if len(args.realnews) > 1 else "one check"
        crossing = ("; each check labelled with a coverage head fitted on the other checks only"
                    if cross_fit else "")
        sets["realnews"] = measure("realnews", f"{len(gold)} pairs in {pages} real news, opinion, government, "
                                   f"legislative and legal pages (2003-2026; {checks}) coded by the team per the "
                                   f"codebook; text kept out of the repository{crossing}", gold, pred)
        earlier = old.get("sets", {}).get("realnews_earlier")
        if args.pool_earlier and earlier:
            v, before = sets["realnews"], np.asarray(earlier["counts"])
            counts = np.asarray(v.counts) + before
            sets["realnews"] = Validation("realnews", counts, description=(
                f"{v.description} ({v.n} with both concepts found), pooled with the {int(before.sum())} found "
                f"pairs of earlier checks as an earlier release labelled them (set realnews_earlier)"))
            print(f"pooled with realnews_earlier: n {int(counts.sum())}")
    if args.write:
        data = {"about": "Confusion matrices (rows: human codes, columns: model labels, in `labels` order) of "
                         "the shipped relation model, written by benchmarks/relations_validation.py.",
                "labels": list(LABELS), "default": "realnews" if "realnews" in sets or "realnews" in
                old.get("sets", {}) else "seeds", "model_fingerprint": model_fingerprint(),
                "sets": dict(old.get("sets", {}))}
        for name, v in sets.items():
            data["sets"][name] = {"description": v.description, "counts": np.asarray(v.counts).tolist()}
        CONFUSION_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CONFUSION_FILE}")


if __name__ == "__main__":
    main()
