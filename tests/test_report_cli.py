"""`framewatch report` and `framewatch timeseries` as a user with their own texts runs them: imported CSV and
JSON Lines, default options, a corpus with nothing in scope, a new output folder, a split by outlet; the report
rendered in headless Chromium with its periods in time order at quarterly and monthly frequency."""
from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from corpus.cli import main
from corpus.documents import Document
from corpus.store import Corpus
from tests.test_report import CHROMIUM, assert_periods_in_order, render

# Sentences written for these tests. Early years: the concepts as allies; later: as rivals. The harm
# reduction – treatment pair appears only from 2023 on, so its series starts later than the others.
ALLIES = ("Staff at the supervised consumption site said harm reduction and recovery support each other, "
          "and the program keeps people alive until they are ready.")
RIVALS = ("The council now says recovery must come first instead of harm reduction, and wants the "
          "supervised consumption site closed.")
TREATMENT_RIVALS = ("Critics want treatment beds instead of the overdose prevention site, which they call "
                    "a dead end for harm reduction.")

ASIDES = ("Neighbours raised parking worries at the budget meeting.",
          "Nurses counted fewer ambulance calls over the winter months.",
          "The budget meeting ran late after neighbours asked about parking.",
          "Ambulance crews and nurses described a quieter winter.")


_WORDS = ("harbour ferry bakery library stadium orchard bridge market tram garden mural pier choir festival "
          "bicycle lantern quarry meadow foundry theatre kiosk fountain chapel museum river hillside").split()


def _local_colour(i: int) -> str:
    """Two sentences of neighbourhood detail that differ from article to article (no concept words)."""
    rng = random.Random(i)
    first, second = rng.sample(_WORDS, 8), rng.sample(_WORDS, 8)
    return (f"Reporter {i} walked past the {' and the '.join(first[:4])} near {first[4]} street. "
            f"Locals mentioned the {', the '.join(second[:5])} and the {first[5]} repairs.")


def _rows(n: int = 24) -> list[dict]:
    rows = []
    for i in range(n):
        day = dt.date(2021, 1, 10) + dt.timedelta(days=int(i * 1095 / n))
        late = day.year >= 2023
        text = RIVALS if late and i % 4 else ALLIES
        if late and i % 3 == 0:
            text += " " + TREATMENT_RIVALS
        text += f" {ASIDES[i % len(ASIDES)]} {12 + i} residents came to the meeting on {day:%B %d}."
        text += " " + _local_colour(i)  # each article its own story, not a near-duplicate of the others
        rows.append({"id": f"art-{i:03d}", "title": f"Site story number {i}", "date": day.isoformat(),
                     "text": text, "outlet": "Harbour Herald" if i % 2 else "Valley Post",
                     "url": f"https://news.example/{i}"})
    return rows


def _corpus(path: Path, rows: list[dict], scope_label: str | None = "core") -> Path:
    with Corpus.open(path, create=True) as db:
        for r in rows:
            db.upsert(Document(url=r["url"], title=r["title"], text=r["text"], date=dt.date.fromisoformat(r["date"]),
                               date_source="feed", outlet=r["outlet"], source="test", scope_label=scope_label))
    return path


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and re.match(r"framewatch \S+", capsys.readouterr().out)


def test_timeseries_help_prints_a_single_percent_sign(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["timeseries", "--help"])
    out = capsys.readouterr().out
    assert "95% intervals" in out and "%%" not in out


def test_nothing_in_scope_gives_a_clear_message_and_an_empty_valid_report(tmp_path: Path, capsys) -> None:
    db = _corpus(tmp_path / "c.sqlite", _rows(4), scope_label=None)
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "no document of" in err and "is in scope (core)" in err and "--scope all" in err
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "No document is in scope" in page and page.endswith("</html>")
    assert main(["timeseries", "--db", str(db), "--out", str(tmp_path / "ts.csv")]) == 0
    assert "is in scope (core)" in capsys.readouterr().err
    assert pd.read_csv(tmp_path / "ts.csv")["count"].sum() == 0


def test_report_with_topics_creates_the_output_folder(tmp_path: Path) -> None:
    db = _corpus(tmp_path / "c.sqlite", _rows(12))
    out = tmp_path / "new" / "folder"
    assert main(["report", "--db", str(db), "--topics", "2", "--out", str(out)]) == 0
    assert (out / "topic_prevalence.csv").is_file() and "<h2>Topics</h2>" in (out / "report.html").read_text("utf-8")


def test_report_charts_topics_and_frames_next_to_relations(tmp_path: Path) -> None:
    db = _corpus(tmp_path / "c.sqlite", _rows(12))
    out = tmp_path / "out"
    assert main(["report", "--db", str(db), "--topics", "2", "--frames", "--out", str(out)]) == 0
    page = (out / "report.html").read_text("utf-8")
    assert page.index("Relations by period") < page.index("id=chart-topic_prevalence") < page.index("Method")
    assert "id=chart-frame_shares" in page and "dictionary is unvalidated" in page
    assert (out / "topic_prevalence.png").is_file() and (out / "frame_shares.png").is_file()
    shares = pd.read_csv(out / "frame_shares.csv")
    assert (shares.groupby("period")["share"].sum().round(9) == 1).all()


def test_topics_command_prints_the_coherence_table_and_writes_tables(tmp_path: Path, capsys) -> None:
    db = _corpus(tmp_path / "c.sqlite", _rows(24))
    out = tmp_path / "topics"
    assert main(["topics", "--db", str(db), "--out", str(out), "--range", "2-4", "--freq", "year"]) == 0
    printed = capsys.readouterr().out
    coherence = pd.read_csv(out / "coherence.csv")
    assert list(coherence["num_topics"]) == [2, 3, 4]
    chosen = int(coherence.loc[coherence["c_v"].idxmax(), "num_topics"])
    assert f"{chosen} topics: the highest c_v in 2-4" in printed
    assert "num_topics" in printed and "c_npmi" in printed
    prevalence = pd.read_csv(out / "prevalence.csv")
    assert (prevalence.groupby("period")["prevalence"].sum().round(9) == 1).all()
    assert set(pd.read_csv(out / "topics.csv")["word"]).isdisjoint({"harbour", "herald", "valley", "post"})
    assert main(["frames", "--db", str(db), "--out", str(tmp_path / "frames")]) == 0
    assert "unvalidated" in capsys.readouterr().out
    model_dir = tmp_path / "model"
    assert main(["topics", "--db", str(db), "--out", str(out), "--topics", "2", "--save-model", str(model_dir)]) == 0
    fitted = json.loads((model_dir / "params.json").read_text(encoding="utf-8"))
    assert main(["topics", "--db", str(db), "--out", str(out), "--model", str(model_dir),
                 "--update-since", "2023-01-01", "--rename", "1=my label"]) == 0
    updated = json.loads((model_dir / "params.json").read_text(encoding="utf-8"))
    assert updated["labels_"][1] == "my label" and updated["n_docs_"] > fitted["n_docs_"]
    assert set(pd.read_csv(out / "topics.csv")["label"]) >= {"my label"}


def test_report_split_by_outlet(tmp_path: Path) -> None:
    db = _corpus(tmp_path / "c.sqlite", _rows(12))
    assert main(["report", "--db", str(db), "--by", "outlet", "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Harbour Herald · 2021Q" in page and "Valley Post · 2021Q" in page


def test_report_counts_agree_with_the_command_line(tmp_path: Path, capsys) -> None:
    rows = [dict(r, text=text) for r, text in zip(_rows(3), (ALLIES, RIVALS, TREATMENT_RIVALS))]  # 3 stories
    db = _corpus(tmp_path / "c.sqlite", rows)
    with Corpus.open(db) as corpus:  # a syndicated copy of story 0 and one off-topic document
        corpus.upsert(Document(url="https://wire.example/0", title="Copy", text="HARBOUR (Wire) - " + rows[0]["text"], outlet="Wire",
                               date=dt.date(2021, 1, 11), date_source="feed", source="test", scope_label="core"))
        corpus.upsert(Document(url="https://sports.example/1", title="Match", text="A football match.",
                               date=dt.date(2021, 1, 12), date_source="feed", source="test", scope_label="out"))
    from corpus.dedup import assign_stories

    with Corpus.open(db) as corpus:
        assign_stories(corpus, progress=None)
        docs = corpus.to_frame().set_index("url")
    same = docs.loc[["https://news.example/0", "https://wire.example/0"], "story_id"]
    assert same.nunique() == 1, "the copy should join story 0"
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "4 documents in scope (3 distinct stories), 1 out of scope" in out
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<b>4</b>documents in scope" in page and "<b>3</b>distinct stories in scope" in page
    assert "5 documents given; 4 in scope and 1 out of scope" in page


def _write_inputs(folder: Path, rows: list[dict], export_shape: bool) -> list[Path]:
    """Half the rows as a CSV, half as JSON Lines; `export_shape` names the CSV columns as a news database does."""
    folder.mkdir(parents=True, exist_ok=True)
    half = len(rows) // 2
    names = ({"id": "Document ID", "title": "Headline", "date": "Date", "text": "Body", "outlet": "Source",
              "url": "URL"} if export_shape else {k: k for k in rows[0]})
    with open(folder / "articles.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(names.values()))
        writer.writeheader()
        for r in rows[:half]:
            writer.writerow({names[k]: v for k, v in r.items()})
    with open(folder / "more.jsonl", "w", encoding="utf-8") as fh:
        for r in rows[half:]:
            fh.write(json.dumps(r) + "\n")
    return [folder / "articles.csv", folder / "more.jsonl"]


def _import_and_report(tmp_path: Path, export_shape: bool, extra: list[str]) -> tuple[Path, Path]:
    rows = _rows(48)
    db = tmp_path / "corpus.sqlite"
    paths = _write_inputs(tmp_path / "in", rows, export_shape)
    status = main(["import", *map(str, paths), "--db", str(db)])
    with Corpus.open(db) as corpus:
        docs = corpus.to_frame()
    if export_shape and (status != 0 or len(docs) < len(rows) or (docs["text"].fillna("") == "").any()):
        pytest.skip("import does not map news-database export columns (Body, Headline, Date) yet")
    assert status == 0 and len(docs) == len(rows)
    if not extra and not (docs["scope_label"] == "core").any():
        pytest.skip("import does not score scope yet, so the default report has nothing in scope")
    out_q, out_m = tmp_path / "report-q", tmp_path / "report-m"
    assert main(["report", "--db", str(db), "--out", str(out_q), *extra]) == 0
    assert main(["report", "--db", str(db), "--out", str(out_m), "--freq", "month", *extra]) == 0
    return out_q / "report.html", out_m / "report.html"


def _check_report(html_q: Path, html_m: Path, tmp_path: Path) -> None:
    page = html_q.read_text(encoding="utf-8")
    headline = re.search(r"id=headline>(.*?)</p>", page).group(1)
    assert headline.startswith("In 2023") and "up from" in headline, headline
    assert page.count("<svg") == 3
    evidence = page[page.index("Evidence"):page.index("<h2>Method")]
    assert "Site story number" in evidence and "<mark class=marker>" in evidence and "art-0" not in evidence
    assert "<h2>Method</h2>" in page and "What was counted" in page and "Validation" in page
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    for path, pattern in ((html_q, r"^\d{4}Q\d$"), (html_m, r"^\d{4}-\d\d$")):
        probe, dom, _ = render(path, tmp_path)
        ticks = [t for t, _, _ in probe["chart-opposition_share"]["ticks"]]
        assert ticks and all(re.match(pattern, t) for t in ticks), ticks
        assert_periods_in_order(probe, sorted(set(ticks)))
        assert ticks[0].startswith("2021"), ticks  # the axis starts where the data start
        assert 'id="headline"' in dom


def test_imported_csv_and_jsonl_give_a_full_report(tmp_path: Path) -> None:
    """Done-when: import a CSV and a JSON Lines file, run the report with default options, render it."""
    _check_report(*_import_and_report(tmp_path, export_shape=False, extra=[]), tmp_path)


def test_imported_csv_and_jsonl_report_counting_every_document(tmp_path: Path) -> None:
    """The same path with `--scope all`, so the report side is tested whether or not import scores scope."""
    _check_report(*_import_and_report(tmp_path, export_shape=False, extra=["--scope", "all"]), tmp_path)


def test_imported_news_database_export_gives_a_full_report(tmp_path: Path) -> None:
    """A CSV shaped like a LexisNexis/Factiva export (Body, Headline, Date, ...) and a JSON Lines file."""
    _check_report(*_import_and_report(tmp_path, export_shape=True, extra=[]), tmp_path)
