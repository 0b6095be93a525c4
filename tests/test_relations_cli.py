"""`framewatch relations` and `framewatch validate`, run through the real command entry point."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from corpus.cli import main


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMEWATCH_CACHE_DIR", str(tmp_path / "cache"))


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "not json\n", encoding="utf-8")
    return path


def test_relations_prints_one_line_per_unit_with_pairs_and_explanations(tmp_path, capsys):
    f = _jsonl(tmp_path / "in.jsonl", [
        {"id": "a", "text": "The county funds rehab instead of safe supply. The weather was fine."},
        {"id": "b", "text": "The shelter lists naloxone kits, detox referrals and recovery meetings."},
    ])
    assert main(["relations", str(f)]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(x) for x in out.splitlines()]
    assert [(x["doc_id"], x["unit"]) for x in lines] == [("a", 0), ("a", 1), ("b", 0)]
    assert lines[0]["pairs"] == {"HARM_REDUCTION+TREATMENT": "opposition"}
    assert any("instead_of" in m for m in lines[0]["explanation"]["HARM_REDUCTION+TREATMENT"]["markers"])
    assert lines[1]["concepts"] == [] and lines[1]["pairs"] == {}
    assert set(lines[2]["pairs"].values()) == {"neutral"} and len(lines[2]["pairs"]) == 3
    assert "in.jsonl:3: skipped" in err  # the bad line is named, the good ones are kept


def test_relations_paragraph_units_and_missing_file(tmp_path, capsys):
    f = _jsonl(tmp_path / "in.jsonl", [{"id": "p", "text": "Officials shut the overdose prevention site. "
                                               "They will pay for treatment beds instead."}])
    assert main(["relations", str(f), "--unit", "paragraph"]) == 0
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert line["pairs"] == {"HARM_REDUCTION+TREATMENT": "opposition"}
    assert main(["relations", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_validate_sample_codes_report_and_retrain(tmp_path, capsys):
    docs = _jsonl(tmp_path / "docs.jsonl", [
        {"id": f"d{i}", "date": f"2024-0{1 + i % 3}-01", "text": t} for i, t in enumerate([
            "We need both naloxone and methadone.", "Rehab, not needle exchanges, is the answer.",
            "The office handles detox and sober housing permits.", "Drug checking is a door to recovery.",
            "Sobriety clubs oppose the safe supply pilot.", "The clinic offers methadone and recovery coaching."])])
    sheet = tmp_path / "sheet.csv"
    assert main(["validate", "--sample", str(docs), "--out", str(sheet), "-n", "5"]) == 0
    codes = pd.read_csv(sheet)
    assert len(codes) == 5 and {"coder_1", "coder_2", "pair", "text"} <= set(codes.columns)
    codes["coder_1"] = "complementary"
    codes["coder_2"] = ["complementary", "complementary", "neutral", "opposition", "complementary"]
    codes.to_csv(sheet, index=False)
    capsys.readouterr()
    assert main(["validate", str(sheet), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(r["reference"], r["other"]) for r in report] == [("coder_1", "coder_2"), ("coder_1", "model"),
                                                              ("coder_2", "model")]
    assert report[0]["accuracy"] == pytest.approx(0.6)
    model_path = tmp_path / "mine.skops"
    assert main(["validate", str(sheet), "--retrain", str(model_path)]) == 0
    assert model_path.exists()
    assert main(["validate", str(sheet), "--model", str(model_path), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_validate_adapt_reports_unseen_folds_and_saves_a_model_to_use(tmp_path, capsys):
    rows = []
    for town in ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir"]:
        for text, label in [
            (f"The {town} building houses the supervised consumption site and an addiction treatment clinic.", "neutral"),
            (f"The {town} health hub houses a safe consumption site, a pharmacy and a detox program.", "neutral"),
            (f"Critics in {town} said the money would be better spent on rehab than on the injection site.", "opposition"),
            (f"Staff at the {town} consumption site refer clients to treatment every day.", "complementary")]:
            rows.append({"doc_id": town, "pair": "HARM_REDUCTION+TREATMENT", "text": text, "coder_1": label,
                         "coder_2": label})
    sheet = tmp_path / "codes.csv"
    pd.DataFrame(rows).to_csv(sheet, index=False)
    out = tmp_path / "adapted.skops"
    assert main(["validate", str(sheet), "--adapt", str(out), "--folds", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["other"] for r in report] == ["model", "model without coverage head", "adapted (2 folds, each unseen)"]
    assert all(r["n"] == len(rows) for r in report) and out.exists()
    assert main(["validate", str(sheet), "--model", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[1]["other"] == "model"
    from framing.classifier import RelationClassifier
    assert RelationClassifier.load(out).coverage_head_.n_train_ == len(rows)  # the user's head came back with it
    few = tmp_path / "few.csv"
    pd.DataFrame(rows[:4]).to_csv(few, index=False)  # one town: one code of opposition, two folds
    assert main(["validate", str(few), "--adapt", str(tmp_path / "no.skops"), "--folds", "2"]) == 2
    assert "few.csv" in capsys.readouterr().err and not (tmp_path / "no.skops").exists()


def test_validate_reads_coded_units_in_their_documents_with_docs(tmp_path, capsys):
    docs = _jsonl(tmp_path / "docs.jsonl", [
        {"id": f"d{i}", "title": f"{town} overdose prevention site marks its first year",
         "text": f"Staff at the site referred forty people in {town} to detox this spring."}
        for i, town in enumerate(["Alder", "Birch", "Cedar"])])
    sheet = tmp_path / "sheet.csv"
    assert main(["validate", "--sample", str(docs), "--out", str(sheet), "-n", "3"]) == 0
    codes = pd.read_csv(sheet)
    assert len(codes) == 3  # the analysis found "the site" through each document's title
    codes["coder_1"] = codes["coder_2"] = "complementary"
    codes.to_csv(sheet, index=False)
    capsys.readouterr()
    assert main(["validate", str(sheet), "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)[1]
    assert main(["validate", str(sheet), "--docs", str(docs), "--json"]) == 0
    read_in_place = json.loads(capsys.readouterr().out)[1]
    # out of its document the unit has no site: "not found"; in it, the model sees what the analysis saw
    assert alone["accuracy"] == 0.0 and read_in_place["accuracy"] == 1.0
    assert main(["validate", str(sheet), "--docs", str(tmp_path / "gone.jsonl")]) == 2
    assert "gone.jsonl" in capsys.readouterr().err


def test_validate_labels_on_our_own_coded_units(tmp_path, capsys):
    f = tmp_path / "coded.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [
        {"text": "The city chose rehab over drug checking.", "pairs": {"HARM_REDUCTION+TREATMENT": "opposition"}},
        {"text": "Methadone clinics and recovery homes were listed.", "pairs": {"TREATMENT+RECOVERY": "neutral"}},
        {"text": "Harm reduction can lead to recovery.", "pairs": {"HARM_REDUCTION+RECOVERY": "complementary"}},
    ]) + "\n")
    assert main(["validate", "--labels", str(f), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["n"] == 3 and row["macro_f1"] == pytest.approx(1.0) and row["alpha"] == pytest.approx(1.0)


def test_validate_bad_codes_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "codes.csv"
    bad.write_text("text,pair,coder_1\nx,HARM_REDUCTION+TREATMENT,maybe\n")
    assert main(["validate", str(bad)]) == 2
    assert "unknown label 'maybe'" in capsys.readouterr().err


def test_shared_seed_units_score(shared):
    """The reviewers' scorer on the shared development set (never used for training)."""
    script = shared / "tools" / "score_relations.py"
    exe = [p for p in (sys.prefix + "/bin/framewatch",) if p]
    res = subprocess.run([sys.executable, str(script), exe[0], str(shared / "labels" / "seed-units.jsonl")],
                         capture_output=True, text=True, timeout=600)
    scores = json.loads(res.stdout)["relations"]
    assert scores["n"] == 110 and scores["macro_f1"] >= 0.55


def test_relations_refuses_a_pickled_model_in_one_line(tmp_path, capsys):
    import joblib
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "a", "text": "Harm reduction is a path to recovery."}) + "\n")
    model = tmp_path / "model.joblib"
    joblib.dump({"anything": 1}, model)
    with pytest.raises(SystemExit) as exit_info:
        main(["relations", str(docs), "--model", str(model)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "model.joblib" in err[0] and "not a skops model file" in err[0]
