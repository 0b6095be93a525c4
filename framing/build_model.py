"""Rebuild the shipped relation model: `python -m framing.build_model`.

Run it after changing a team training set, the rule layer, the detector or the lexicon; the test suite
fails while the shipped model is out of date (`framing.classifier.shipped_model_is_current`).
"""
from __future__ import annotations

import json
import sys

from framing.classifier import SHIPPED_MANIFEST, write_shipped_model


def main() -> int:
    """Train on the team sets and write framing/data/relation_model.skops and its manifest."""
    path = write_shipped_model()
    manifest = json.loads(SHIPPED_MANIFEST.read_text(encoding="utf-8"))
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) trained on {manifest['n_train']} pairs "
          f"({manifest['n_unlocated']} left out: concepts not found)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
