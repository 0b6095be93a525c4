"""Precision and recall of concept detection per concept, on the team's labelled set and on
`../shared/labels/seed-units.jsonl` when it is present (a development set: ABSTINENCE counts as
RECOVERY there). Run: `python benchmarks/concepts.py [--errors]`.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from framing.concepts import ConceptDetector
from framing.lexicon import MAIN_CONCEPTS

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "framing" / "data" / "concepts_labelled.jsonl"
SHARED = ROOT.parent / "shared"


def score(rows: list[dict], detector: ConceptDetector, concepts: tuple[str, ...]) -> tuple[dict, list]:
    """Per concept: tp, fp, fn, precision, recall; plus the rows the detector got wrong."""
    counts = {c: {"tp": 0, "fp": 0, "fn": 0} for c in concepts}
    errors = []
    for row in rows:
        gold = set(row["concepts"])
        if "ABSTINENCE" in gold and "ABSTINENCE" not in concepts:
            gold = (gold - {"ABSTINENCE"}) | {"RECOVERY"}
        found = set(detector.concepts_in(row["text"], site_context=row.get("site_context", False), helpers=True))
        for c in concepts:
            if c in found and c in gold:
                counts[c]["tp"] += 1
            elif c in found:
                counts[c]["fp"] += 1
            elif c in gold:
                counts[c]["fn"] += 1
        if (found & set(concepts)) != (gold & set(concepts)):
            errors.append((row["text"], sorted(gold & set(concepts)), sorted(found & set(concepts))))
    for c in counts.values():
        c["precision"] = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
        c["recall"] = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
    return counts, errors


def _print(name: str, n: int, counts: dict, errors: list, show_errors: bool) -> None:
    print(f"\n{name}: {n} units")
    print(f"  {'concept':<16}{'P':>7}{'R':>7}{'tp':>6}{'fp':>5}{'fn':>5}")
    for concept, c in counts.items():
        print(f"  {concept:<16}{c['precision']:>7.3f}{c['recall']:>7.3f}{c['tp']:>6}{c['fp']:>5}{c['fn']:>5}")
    if show_errors:
        for text, gold, found in errors:
            print(f"  - gold {gold} found {found}: {text}")


def seed_rows(shared: Path, detector: ConceptDetector) -> list[dict]:
    """The shared seed units, each marked with whether its source document names a consumption site."""
    site_docs = {}
    for path in sorted((shared / "seeds").glob("*.txt")):
        site_docs["seed" + path.name.split("_")[0]] = detector.names_site(path.read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (shared / "labels" / "seed-units.jsonl").open(encoding="utf-8")]
    for row in rows:
        row["site_context"] = site_docs.get(row["doc"], False)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="print every unit the detector got wrong")
    args = parser.parse_args()
    detector = ConceptDetector()
    own = [json.loads(line) for line in OWN.open(encoding="utf-8") if line.strip()]
    t0 = time.perf_counter()
    counts, errors = score(own, detector, MAIN_CONCEPTS + ("ABSTINENCE", "SITE"))
    elapsed = time.perf_counter() - t0
    _print(f"own labelled set ({OWN.name})", len(own), counts, errors, args.errors)
    print(f"  speed: {len(own) / elapsed:,.0f} units/s")
    if (SHARED / "labels" / "seed-units.jsonl").is_file():
        rows = seed_rows(SHARED, detector)
        counts, errors = score(rows, detector, MAIN_CONCEPTS)
        _print("shared seed units (development set)", len(rows), counts, errors, args.errors)
    else:
        print("\n../shared/labels/seed-units.jsonl not present: shared figures skipped")


if __name__ == "__main__":
    main()
