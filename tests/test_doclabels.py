"""Document framing labels (CODEBOOK section 4)."""
from __future__ import annotations

import pandas as pd
import pytest

from framing.doclabels import document_label, document_labels

HR, TR, RE = "HARM_REDUCTION", "TREATMENT", "RECOVERY"


@pytest.mark.parametrize("labels, concepts, expected", [
    ([], [], "none"),
    ([], ["ABSTINENCE", "SITE"], "none"),          # helpers alone are not one of the three
    ([], [HR], "single"),
    ([], [RE, "ABSTINENCE"], "single"),
    (["complementary", "neutral"], [HR, RE], "integrative"),
    (["neutral"], [HR, TR], "integrative"),
    ([], [HR, TR], "integrative"),                 # both present, never set against each other
    (["opposition", "neutral"], [HR, RE], "oppositional"),
    (["opposition"], [HR, TR, RE], "oppositional"),
    (["opposition", "complementary"], [HR, RE], "mixed"),
])
def test_document_label_rules(labels: list[str], concepts: list[str], expected: str) -> None:
    assert document_label(labels, concepts) == expected


def test_unknown_pair_label_is_rejected() -> None:
    with pytest.raises(ValueError, match="opposed"):
        document_label(["opposed"], [HR, RE])


def test_document_labels_over_a_units_table() -> None:
    units = pd.DataFrame([
        {"doc_id": "a", "unit": 0, "concepts": [HR, RE], "pairs": {f"{HR}+{RE}": "opposition"}},
        {"doc_id": "a", "unit": 1, "concepts": [TR, RE], "pairs": {f"{TR}+{RE}": "complementary"}},
        {"doc_id": "b", "unit": 0, "concepts": [TR], "pairs": {}},
        {"doc_id": "b", "unit": 1, "concepts": [], "pairs": {}},
        {"doc_id": "c", "unit": 0, "concepts": [], "pairs": {}},
        {"doc_id": "d", "unit": 0, "concepts": [HR, TR], "pairs": {f"{HR}+{TR}": "opposition"}},
        {"doc_id": "d", "unit": 1, "concepts": [HR, TR], "pairs": {f"{HR}+{TR}": "neutral"}},
    ])
    out = document_labels(units).set_index("doc_id")
    assert out["label"].to_dict() == {"a": "mixed", "b": "single", "c": "none", "d": "oppositional"}
    assert out.loc["a", "concepts"] == [HR, TR, RE]
    assert out.loc["d", ["units", "opposition", "neutral", "complementary"]].tolist() == [2, 1, 1, 0]


def test_document_labels_needs_the_analyze_columns() -> None:
    with pytest.raises(ValueError, match="pairs"):
        document_labels(pd.DataFrame({"doc_id": ["a"], "concepts": [[HR]]}))
