"""Policy frames: the dictionary on paragraphs written for these tests, shares per period, and the frame
validation workflow through `framewatch validate --frames` (agreement, retraining, a coding sheet)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from framing.frames import (
    FRAMES,
    FrameDictionary,
    document_frames,
    frame_paragraphs,
    frame_shares,
    load_frame_terms,
    read_frame_codes,
    train_frames,
    validate_frames,
)

ROOT = Path(__file__).resolve().parents[1]

# Our own example paragraphs, one per frame the dictionary should recognise.
EXAMPLES = {
    "economic": "Running the site will cost the city four million dollars a year, and the budget committee "
                "wants to know which taxpayers will fund it.",
    "capacity_and_resources": "The detox unit has only twelve beds, the waiting list is three weeks long and "
                              "a staffing shortage has cut its hours.",
    "morality": "A pastor told the meeting it was morally wrong to condone drug use, while others spoke of "
                "compassion and dignity.",
    "fairness_and_equality": "Advocates say stigma and racial discrimination keep marginalized people from "
                             "equal access to care.",
    "legality_constitutionality_and_jurisprudence": "A judge granted an injunction, and the court will rule "
                                                    "on whether the federal exemption is legal.",
    "policy_prescription_and_evaluation": "An evaluation of the pilot found the evidence on outcomes mixed, and "
                                          "the review recommends a new strategy.",
    "crime_and_punishment": "Police reported more arrests of dealers near the site, and prosecutors want jail "
                            "time for trafficking.",
    "security_and_defense": "Officials called cartel smuggling across the border a threat to national security.",
    "health_and_safety": "Nurses reversed nine overdoses with naloxone last month, and no one died at the site.",
    "quality_of_life": "Residents of the neighbourhood complained about discarded needles near the playground "
                       "and the school.",
    "cultural_identity": "Elders spoke about tradition, heritage and the identity of the Indigenous community.",
    "public_opinion": "A new poll and a survey of voters show support for the plan, despite a petition and a "
                      "protest.",
    "political": "The mayor and the premier traded blame before the election, and the party whip counted votes.",
    "external_regulation_and_reputation": "Officials pointed to Portugal and other countries, and to the "
                                          "province's reputation abroad.",
}


def test_every_codebook_frame_has_a_definition_and_terms() -> None:
    terms = load_frame_terms()
    assert tuple(terms) == FRAMES and len(FRAMES) == 15
    assert all(terms[f]["terms"] for f in FRAMES if f != "other")
    docs = (ROOT / "docs" / "frames.md").read_text(encoding="utf-8")
    for f in FRAMES:
        assert f"`{f}`" in docs, f
    assert "unvalidated" in docs.lower()


def test_dictionary_labels_our_own_example_paragraphs() -> None:
    clf = FrameDictionary()
    predicted = clf.predict(list(EXAMPLES.values()))
    assert list(predicted) == list(EXAMPLES)
    assert clf.predict(["The weather was mild on Tuesday."])[0] == "other"
    assert "naloxone" in clf.explain(EXAMPLES["health_and_safety"])["health_and_safety"]


def test_a_broken_dictionary_is_named(tmp_path) -> None:
    bad = tmp_path / "frames.toml"
    bad.write_text('[frames.economy]\nterms = ["cost"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="frames.toml.*unknown: economy"):
        load_frame_terms(bad)


def _docs() -> pd.DataFrame:
    return pd.DataFrame([
        {"id": "a", "date": "2020-03-01", "outlet": "X",
         "text": EXAMPLES["economic"] + "\n\n" + EXAMPLES["health_and_safety"]},
        {"id": "b", "date": "2021-05-01", "outlet": "Y",
         "text": EXAMPLES["crime_and_punishment"] + "\n\n" + EXAMPLES["crime_and_punishment"] + "\n\nThe end."},
        {"id": "c", "date": None, "outlet": "X", "text": EXAMPLES["political"]},
    ])


def test_shares_per_period_sum_to_one_and_documents_get_a_primary_frame() -> None:
    paragraphs = frame_paragraphs(_docs())
    assert len(paragraphs) == 6
    shares = frame_shares(_docs(), freq="Y", paragraphs=paragraphs)
    assert np.allclose(shares.groupby("period")["share"].sum(), 1.0)
    assert shares.attrs["undated"] == 1 and shares.attrs["validated"] is False
    row = shares[(shares.period == "2021") & (shares.frame == "crime_and_punishment")].iloc[0]
    assert (row.paragraphs, row.total) == (2, 3) and row.ci_low < row.share < row.ci_high
    primary = document_frames(paragraphs).set_index("doc_id")["primary_frame"]
    assert primary["b"] == "crime_and_punishment" and primary["c"] == "political"


def _sheet(path: Path, disagree: int = 0) -> Path:
    rows = []
    for i, (frame, text) in enumerate(EXAMPLES.items()):
        rows.append({"sample_id": f"s{i}", "text": text, "coder_1": frame.replace("_", " "),
                     "coder_2": "other" if i < disagree else frame})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_validate_frames_reports_agreement_of_coders_and_dictionary(tmp_path) -> None:
    codes = read_frame_codes(_sheet(tmp_path / "codes.csv", disagree=2))
    assert codes.loc[0, "coder_1"] == "economic"  # spelled with spaces on the sheet
    report = validate_frames(codes).set_index(["reference", "other"])
    assert report.loc[("coder_1", "model"), "accuracy"] == pytest.approx(1.0)
    assert report.loc[("coder_1", "coder_2"), "accuracy"] == pytest.approx(12 / 14)
    assert report.loc[("coder_1", "coder_2"), "alpha"] < 1.0


def test_unknown_frame_label_is_named_with_row(tmp_path) -> None:
    path = tmp_path / "codes.csv"
    pd.DataFrame([{"text": "x", "coder_1": "economy"}]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"row 2, column 'coder_1': unknown label 'economy'"):
        read_frame_codes(path)


def test_train_frames_learns_the_users_codes(tmp_path) -> None:
    codes = read_frame_codes(_sheet(tmp_path / "codes.csv"))
    model = train_frames(codes)
    assert list(model.predict(list(EXAMPLES.values()))) == list(EXAMPLES)


def framewatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corpus", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_cli_validate_frames_prints_agreement_and_retrains(tmp_path) -> None:
    sheet = _sheet(tmp_path / "codes.csv", disagree=2)
    proc = framewatch("validate", "--frames", str(sheet))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:6] == ["reference", "other", "n", "accuracy", "macro_f1", "alpha"]
    coder_model = next(line for line in lines if line.split()[:2] == ["coder_1", "model"])
    assert coder_model.split()[2:4] == ["14", "1.000"]
    assert "unvalidated" in proc.stderr
    proc = framewatch("validate", "--frames", str(sheet), "--retrain", str(tmp_path / "frames"))
    assert proc.returncode == 0, proc.stderr
    proc = framewatch("validate", "--frames", str(sheet), "--model", str(tmp_path / "frames.skops"))
    assert proc.returncode == 0 and "coder_1" in proc.stdout, proc.stderr
    (tmp_path / "bad.pkl").write_bytes(b"\x80\x04K\x01.")
    proc = framewatch("validate", "--frames", str(sheet), "--model", str(tmp_path / "bad.pkl"))
    assert proc.returncode == 2 and "bad.pkl" in proc.stderr
