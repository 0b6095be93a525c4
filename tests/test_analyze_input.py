"""`framing.analyze` refuses bad records in one line naming the record, and shows progress on long calls."""
from __future__ import annotations

import sys

import pandas as pd
import pytest

from framing import classifier
from framing.analyze import analyze

A = sys.modules["framing.analyze"]  # the module (the package exports a function of the same name)

GOOD = {"id": "ok", "text": "Harm reduction and recovery work together."}


@pytest.mark.parametrize("record, message", [
    ({"id": "s1", "text": "harm reduction \ud800 and recovery"}, r"record 2 \(id 's1'\): 'text' holds a lone surrogate character at offset 15"),
    ({"id": "n1", "text": None}, r"document 'n1' \(row 2\): 'text' is missing"),
    ({"id": ["a", "b"], "text": "recovery"}, r"row 2: id must be a single string or number, not list"),
    ({"id": "b1", "text": b"bytes"}, r"document 'b1' \(row 2\): 'text' must be text, not bytes"),
])
def test_bad_records_give_one_line_errors_naming_the_record(record: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        analyze([GOOD, record], progress=False)
    assert "\n" not in str(error.value)


def test_a_surrogate_in_a_dataframe_names_the_row() -> None:
    frame = pd.DataFrame({"id": ["a", "b"], "text": ["fine", "bad \udc80 text"]}, dtype=object)
    with pytest.raises(ValueError, match=r"document 'b' \(row 2\): 'text' holds a lone surrogate character at offset 4"):
        analyze(frame, progress=False)


def test_unknown_model_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown relation model 'bert-large'"):
        analyze([GOOD], model="bert-large", progress=False)
    assert analyze([GOOD], model="default", progress=False).loc[0, "pairs"] == {"HARM_REDUCTION+RECOVERY": "complementary"}
    with pytest.raises(ValueError, match="relation model RelationClassifier is not a fitted classifier"):
        analyze([GOOD], model=classifier.RelationClassifier(), progress=False)


def test_first_call_shows_whether_it_loads_or_trains_the_model(monkeypatch, capsys) -> None:
    trained = classifier.default_relation_model()
    monkeypatch.setattr(classifier, "_DEFAULT", {})   # as in a fresh process: the model is not loaded yet
    monkeypatch.setattr(A, "default_relation_model", lambda level: trained)
    analyze([GOOD])
    assert "loading the shipped relation model" in capsys.readouterr().err
    monkeypatch.setattr(classifier, "shipped_model_is_current", lambda: False)  # data changed since the build
    analyze([GOOD])
    assert "training the relation model (first call only)" in capsys.readouterr().err
    monkeypatch.setattr(classifier, "_DEFAULT", {"family": trained})
    analyze([GOOD])
    err = capsys.readouterr().err
    assert "training the relation model" not in err and "loading the shipped" not in err


def test_many_documents_show_progress_and_units_carry_their_settings(capsys) -> None:
    units = analyze([dict(GOOD, id=str(i)) for i in range(A.PROGRESS_MIN_DOCS)], unit="paragraph")
    err = capsys.readouterr().err
    assert "units and concepts" in err and "relations" in err
    assert units.attrs == {"unit": "paragraph", "level": "family"}


def test_a_bad_record_in_a_later_chunk_is_named_by_its_place_in_the_stream() -> None:
    records = iter([dict(GOOD, id=str(i)) for i in range(4)] + [{"id": "late", "text": None}])
    with pytest.raises(ValueError, match=r"document 'late' \(row 5\): 'text' is missing"):
        list(A.iter_analyze(records, chunk_docs=2, progress=False))


def test_garbage_collection_is_on_between_chunks_and_restored_after() -> None:
    import gc

    from framing.analyze import collection_paused, iter_analyze

    docs = [{"id": i, "text": "Harm reduction and treatment work together. The council met."} for i in range(5)]
    assert gc.isenabled()
    for _ in iter_analyze(docs, chunk_docs=2, progress=False):
        assert gc.isenabled()  # the caller's code between chunks runs with collection on
    assert gc.isenabled()
    gc.disable()
    try:
        list(iter_analyze(docs, chunk_docs=2, progress=False))
        with collection_paused():
            pass
        assert not gc.isenabled()  # a caller who switched it off keeps it off
    finally:
        gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_units_table_rows_own_their_values_and_skipping_empty_units_keeps_the_rest() -> None:
    text = ("Nothing here. The supervised consumption site offers harm reduction. Weather was mild. "
            "The supervised consumption site refers people to detox. Abstinence is not the only path; treatment helps.")
    docs = [{"id": "a", "text": text, "date": "2024-05-01"}, {"id": "b", "text": "", "date": "2024-05-02"}]
    full = analyze(docs, progress=False)
    assert list(full["unit"]) == [0, 1, 2, 3, 4] and set(full["date"]) == {"2024-05-01"}
    assert [r for r in full["pairs"]] == [{}, {}, {}, {"HARM_REDUCTION+TREATMENT": "complementary"},
                                         {"TREATMENT+RECOVERY": "complementary"}]  # a helper alone is no pair
    assert full.loc[1, "helpers"] == ["SITE"] and full.loc[0, "concepts"] == []
    for column in ("concepts", "helpers", "pairs", "probabilities", "markers", "explanations"):
        assert len({id(v) for v in full[column]}) == len(full)  # a new list or dict per row
    assert all(full.loc[i, "text"] == text[full.loc[i, "start"]:full.loc[i, "end"]] for i in range(len(full)))
    kept = pd.concat(A.iter_analyze(docs, progress=False, empty_units=False, chunk_docs=1), ignore_index=True)
    named = full[full["concepts"].map(bool) | full["helpers"].map(bool)].reset_index(drop=True)
    assert kept.to_dict("records") == named.to_dict("records") and list(kept["unit"]) == [1, 3, 4]
