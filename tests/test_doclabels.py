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


def test_unit_flags_reads_lists_arrays_and_missing_values_alike() -> None:
    import numpy as np

    from framing.doclabels import unit_flags

    pair = f"{HR}+{RE}"
    concepts = [[HR, RE], np.array([HR, RE]), None, [TR], (HR, RE)]
    pairs = [{pair: "opposition"}, {pair: "opposition"}, float("nan"), {}, {pair: "complementary"}]
    flags = unit_flags(concepts, pairs, [HR, TR, RE, "SITE"])
    assert flags["any"].tolist() == [True, True, False, True, True]
    assert flags[HR].tolist() == [True, True, False, False, True]
    assert flags["SITE"].tolist() == [False] * 5
    assert flags[f"opposition:{pair}"].tolist() == [True, True, False, False, False]
    assert flags[f"complementary:{pair}"].tolist() == [False, False, False, False, True]
    assert flags["opposition"].tolist() == [1, 1, 0, 0, 0]


def test_unit_flags_rejects_an_unknown_label_in_a_units_table() -> None:
    units = pd.DataFrame([{"doc_id": "a", "concepts": [HR, RE], "pairs": {f"{HR}+{RE}": "against"}}])
    with pytest.raises(ValueError, match="against"):
        document_labels(units)
