"""Near-duplicate stories: syndicated copies with small edits share a story; distinct articles do not."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from corpus.dedup import NearDuplicateIndex, assign_stories, shingles, stories, story_members
from corpus.documents import Document
from corpus.store import Corpus

# an invented wire story, and invented edits of it as three papers might run it
WIRE = (
    "Riverton's first supervised consumption site will open its doors next month in a converted "
    "warehouse near the bus depot, the regional health authority confirmed on Monday. Nurses and peer "
    "workers will staff the facility from eight in the morning until midnight, and clients will be able "
    "to test their drugs for fentanyl before using them. Officials said the service is expected to see "
    "about ninety visits a day during its first year. Neighbours who spoke at a packed community meeting "
    "were divided: some welcomed a place that could stop people dying in laneways, while others worried "
    "about discarded needles and crowds outside the building. The authority promised a neighbourhood "
    "advisory committee and daily cleanup patrols within two blocks of the entrance. A referral desk inside "
    "will connect people who ask for it to detox beds and outpatient addiction treatment."
)
COPY_LOCAL = WIRE.replace("on Monday", "on Monday afternoon").replace("ninety", "about 90") + (
    " The Riverton Ledger will follow the opening closely.")
COPY_TRIMMED = WIRE.replace("Neighbours who spoke at a packed community meeting were divided",
                            "Residents at a crowded public meeting were split")
COPY_HEADLINE = "Supervised site to open in Riverton. " + WIRE.replace("Nurses and peer workers", "Nurses and peer staff")
DISTINCT_SAME_TOPIC = (
    "A year after Riverton's supervised consumption site opened near the bus depot, the regional health "
    "authority released figures showing staff reversed more than two hundred overdoses. Business owners on "
    "the block said complaints about needles had fallen since cleanup patrols began. The advisory committee "
    "will meet again in the spring to review hours, and the authority is asking the province for money to "
    "add a second referral worker for detox and treatment placements. Critics on council still argue the "
    "money would be better spent on recovery housing outside the downtown core."
)
UNRELATED = (
    "The county fair returns this weekend with a tractor pull, a pie contest judged by local bakers and a "
    "new petting zoo for younger visitors. Organisers expect record crowds if the forecast for sunshine "
    "holds, and shuttle buses will run every twenty minutes from the high school parking lot."
)


def _doc(n: int, text: str, outlet: str, day: int) -> Document:
    return Document(url=f"https://{outlet.lower().replace(' ', '')}.example/news/{n}", text=text,
                    outlet=outlet, title=f"story {n}", date=dt.date(2022, 3, day), date_source="feed",
                    date_confidence=0.9)


@pytest.fixture
def db(tmp_path: Path):
    with Corpus.open(tmp_path / "c.sqlite", create=True) as corpus:
        for n, (text, outlet) in enumerate([
            (WIRE, "Wire Service"), (COPY_LOCAL, "Riverton Ledger"), (COPY_TRIMMED, "Valley Post"),
            (COPY_HEADLINE, "Metro Daily"), (DISTINCT_SAME_TOPIC, "Riverton Ledger"), (UNRELATED, "Valley Post"),
        ]):
            assert corpus.upsert(_doc(n, text, outlet, day=1 + n)) == "new"
        yield corpus


def test_syndicated_copies_share_a_story_and_distinct_articles_do_not(db: Corpus) -> None:
    assert assign_stories(db) == 1
    by_outlet_text = {(d.outlet, d.text[:30]): d.story_id for d in db.stream()}
    wire = db.get_by_url("https://wireservice.example/news/0")
    syndicated = [db.get_by_url(f"https://{o}.example/news/{n}")
                  for n, o in ((1, "rivertonledger"), (2, "valleypost"), (3, "metrodaily"))]
    assert wire.story_id == wire.id  # the earliest document names the story
    assert {d.story_id for d in syndicated} == {wire.id}
    others = [db.get_by_url("https://rivertonledger.example/news/4"), db.get_by_url("https://valleypost.example/news/5")]
    assert [d.story_id for d in others] == [d.id for d in others]
    assert len(set(by_outlet_text.values())) == 3
    table = stories(db).set_index("story_id")
    assert table.loc[wire.id, "documents"] == 4
    assert table.loc[wire.id, "outlets"] == ["Metro Daily", "Riverton Ledger", "Valley Post", "Wire Service"]


def test_exact_copy_is_merged_and_still_counts_its_outlet(db: Corpus) -> None:
    assert db.upsert(_doc(9, WIRE, "Coast Herald", day=20)) == "updated"  # same text: the same document
    assign_stories(db)
    wire = db.get_by_url("https://coastherald.example/news/9")
    members = story_members(db, wire.story_id)
    assert members["doc_id"].nunique() == 4
    assert "Coast Herald" in set(members["outlet"]) and members["outlet"].nunique() == 5


def test_index_is_incremental_and_rebuilds_without_changing_stories(db: Corpus) -> None:
    assign_stories(db)
    before = {d.id: d.story_id for d in db.stream()}
    index = NearDuplicateIndex.from_corpus(db)
    assert {d.id: d.story_id for d in db.stream()} == before
    late = _doc(7, WIRE.replace("warehouse", "former warehouse").replace("Officials said", "Officials say"),
                "Harbour Times", day=25)
    db.upsert(late)
    stored = db.get_by_url(late.url)
    assert index.assign(db, stored) == before[db.get_by_url("https://wireservice.example/news/0").id]
    assert db.get(stored.id).story_id == stored.story_id
    fresh = _doc(8, "The harbour authority will dredge the north channel this autumn so larger ferries can dock, "
                 "a project that engineers say will take eleven weeks and close the marina to sailboats.",
                 "Harbour Times", day=26)
    db.upsert(fresh)
    assert index.assign(db, db.get_by_url(fresh.url)) == db.get_by_url(fresh.url).id


def test_reassign_recomputes_from_scratch(db: Corpus) -> None:
    wire = db.get_by_url("https://wireservice.example/news/0")
    db.set_story(wire.id, "stale")
    NearDuplicateIndex.from_corpus(db, reassign=True)
    assert db.get(wire.id).story_id == wire.id
    assert db.count() == 6


def test_query_scores_and_short_texts() -> None:
    index = NearDuplicateIndex(threshold=0.5)
    index.add("wire", WIRE)
    index.add("other", DISTINCT_SAME_TOPIC)
    hits = index.query(COPY_TRIMMED)
    assert [h[0] for h in hits] == ["wire"] and 0.5 <= hits[0][1] < 1.0
    assert index.query(UNRELATED) == []
    assert index.add("short-a", "Subscribe to read more.") == "short-a"
    assert index.add("short-b", "Subscribe to read more.") == "short-b"
    assert "wire" in index and len(index) == 4
    index.remove("wire")
    assert index.query(COPY_TRIMMED) == []
    assert len(shingles("one two three four five six", size=5)) == 2
    with pytest.raises(ValueError):
        NearDuplicateIndex(threshold=1.5)
