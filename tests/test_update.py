"""The monthly update against a small invented news site on the local test server.

`UpdateSite` serves two outlets: the Riverside Courier (an RSS feed) and the Northgate Herald (a Google News
sitemap),
with a syndicated wire story both ran (the Herald's copy lightly edited), an exact reprint, an off-topic
vaccine page, and a URL variant with tracking parameters. Every article was written for these tests.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest

from corpus.cli import main
from corpus.archive import iter_responses, reextract, warc_files
from corpus.config import load_config
from corpus.documents import Document
from corpus.lock import CorpusLock, LockHeld
from corpus.runlog import failure_reasons, runs_frame
from corpus.store import Corpus
from corpus.update import run_update
from corpus.urls import canonical_url

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Article:
    slug: str
    outlet: str          # "courier" or "herald"
    date: dt.date
    title: str
    paragraphs: list[str]


WIRE = [
    "A provincial review released on Thursday found that the supervised consumption site in the old "
    "rail district handled more than nine thousand visits last year without a single death on the premises.",
    "Reviewers interviewed forty staff members and sixty clients. Nurses described reversing overdoses "
    "with oxygen and naloxone, and several clients said the site was where they first asked about detox.",
    "The review recommends longer opening hours and a second booth for people who smoke rather than inject. "
    "The health ministry said it would respond within ninety days.",
]

FIRST_MONTH = [
    "Staff at the Elm Row site reversed thirty-one overdoses in its first month, according to figures "
    "the health authority posted on Monday.",
    "Most visits happened between noon and six in the evening. Staff made nineteen referrals to "
    "opioid agonist treatment, and eleven clients kept their first appointment.",
    "The business association said complaints about needles on Elm Row had dropped since June.",
]

ARTICLES = [
    Article("council-weighs-site", "courier", dt.date(2023, 1, 10), "Council weighs overdose prevention site",
            ["Riverside council spent four hours on Tuesday debating whether to open an overdose prevention "
             "site in the vacant bakery on Elm Row, a block from the river path.",
             "Supporters pointed to the eleven people who died of overdoses downtown last winter. Opponents "
             "worried about the playground across the street and asked for a security plan.",
             "A final vote is expected next month after staff report on locations farther from the school."]),
    Article("site-vote-passes", "courier", dt.date(2023, 2, 14), "Elm Row site approved on a narrow vote",
            ["By six votes to five, council approved a twelve-month pilot of a supervised consumption site on "
             "Elm Row. The province still has to sign the federal exemption request.",
             "Councillor Imogen Vance, who moved the motion, said the pilot would include a referral desk so "
             "that people could reach treatment the same day they asked for it.",
             "The bakery building needs new ventilation and a second exit before it can open."]),
    Article("nurses-hired", "courier", dt.date(2023, 4, 3), "Eight nurses hired for Elm Row pilot",
            ["The health authority hired eight nurses and four peer workers to staff the Elm Row supervised "
             "consumption site, which is now scheduled to open in early June.",
             "Training covers overdose response, wound care and how to connect clients with housing workers. "
             "Peer workers, several of them in recovery themselves, will greet people at the door.",
             "Neighbours will be invited to an open house before the first clients arrive."]),
    Article("first-month", "courier", dt.date(2023, 7, 5), "First month at Elm Row: 31 overdoses reversed",
            FIRST_MONTH),
    Article("wire-review", "courier", dt.date(2023, 9, 21), "Review praises rail district consumption site",
            WIRE),
    Article("flu-clinic", "courier", dt.date(2023, 10, 2), "Flu shots available at the library",
            ["The public health unit will run a walk-in flu clinic at the central library every Saturday in "
             "October. Bring a health card; no appointment is needed.",
             "Nurses remind residents that a sore arm or a little redness at the injection site is normal after "
             "the vaccine and usually fades within two days.",
             "Children under five should see their family doctor for the vaccine instead."]),
    Article("budget-recovery", "courier", dt.date(2023, 11, 8), "Budget bets on an economic recovery downtown",
            ["The city's draft budget assumes the downtown economic recovery will continue next year, with "
             "parking revenue back to where it was before the pandemic.",
             "The finance chair warned that higher interest rates could slow the recovery and leave a gap "
             "of four million dollars by the autumn.",
             "Residents can comment on the draft at three evening meetings in November."]),
    Article("herald-editorial", "herald", dt.date(2023, 3, 2), "Editorial: Northgate needs its own site",
            ["Northgate has buried more neighbours to toxic drugs this year than in any year on record, and "
             "still has no supervised consumption site of its own.",
             "The nearest one is forty minutes away by bus. People do not take a bus to use drugs; they use "
             "alone, in parked cars and stairwells, where nobody is there with naloxone.",
             "The council should ask the province for an exemption now and argue about the location later."]),
    Article("herald-wire", "herald", dt.date(2023, 9, 22), "Rail district site gets a good review",
            [WIRE[0].replace("on Thursday", "this week"),
             WIRE[1],
             WIRE[2].replace("The health ministry said", "A ministry spokesperson said") +
             " Northgate has no such site."]),
    Article("herald-reprint", "herald", dt.date(2023, 7, 6), "First month at Elm Row: 31 overdoses reversed",
            list(FIRST_MONTH)),
    Article("safe-supply", "herald", dt.date(2023, 5, 19), "Northgate doctors join safe supply program",
            ["Six family doctors in Northgate have joined the provincial safe supply program, which lets them "
             "prescribe pharmaceutical opioids to patients at high risk of overdose.",
             "The clinic also hands out naloxone kits and fentanyl test strips at the front desk.",
             "Critics on council said the program should come with more addiction treatment beds."]),
    Article("site-location", "herald", dt.date(2023, 12, 1), "Three locations shortlisted for Northgate site",
            ["City staff have shortlisted three buildings for a Northgate overdose prevention site: a former "
             "bank on Quarry Road, a clinic annex and a church hall.",
             "Each would need a federal exemption and a new ventilation system before opening.",
             "Public meetings on the shortlist begin in January at the community centre."]),
    Article("harbour-festival", "herald", dt.date(2023, 8, 12), "Harbour festival returns with tall ships",
            ["Four tall ships will dock at the Northgate harbour for the summer festival, the first since the "
             "pier was rebuilt after the spring storms.",
             "Food trucks, a craft market and evening concerts fill the waterfront for three days.",
             "Organisers expect forty thousand visitors and advise taking the shuttle from the stadium."]),
]

NEW_ARTICLES = [  # published after the first run; dated today so the second run's range covers them
    Article("site-opens-doors", "herald", dt.date.today(), "Northgate site opens its doors",
            ["The Quarry Road overdose prevention site opened on Monday with six booths and a nurse on every "
             "shift, ending two years of debate in Northgate.",
             "Its first visitor arrived eleven minutes after the doors opened, staff said.",
             "A referral worker from the addiction treatment clinic will be on site three afternoons a week."]),
    Article("elm-row-extended", "courier", dt.date.today(), "Elm Row pilot extended for two years",
            ["Riverside council voted to extend the Elm Row supervised consumption site pilot for two more years "
             "after the province renewed its exemption.",
             "The extension adds an inhalation room, which staff say most clients now need.",
             "Opponents asked for a yearly public report on needle litter, which council accepted."]),
]

OUTLETS = {"courier": "Riverside Courier", "herald": "Northgate Herald"}


def page(article: Article) -> str:
    """The article as a small news page with JSON-LD and OpenGraph metadata."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
                     "datePublished": article.date.isoformat(), "publisher": {"name": OUTLETS[article.outlet]}})
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(article.title)} | {OUTLETS[article.outlet]}</title>
<meta property="og:site_name" content="{OUTLETS[article.outlet]}">
<meta property="og:title" content="{escape(article.title)}">
<meta property="article:published_time" content="{article.date.isoformat()}T08:00:00Z">
<script type="application/ld+json">{ld}</script></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<article><h1>{escape(article.title)}</h1><p class="byline">Published {article.date.isoformat()}</p>
{body}</article><footer>© {OUTLETS[article.outlet]}</footer></body></html>"""


class UpdateSite:
    """Serves the two outlets on a `LocalWeb`; `publish()` adds the new articles to feed and sitemap."""

    def __init__(self, web) -> None:
        self.web = web
        self.articles = list(ARTICLES)
        self.render()

    def path(self, article: Article) -> str:
        return f"/{article.outlet}/{article.date.year}/{article.slug}.html"

    def url(self, article: Article) -> str:
        return self.web.url(self.path(article))

    def publish(self) -> None:
        self.articles += NEW_ARTICLES
        self.render()

    def render(self) -> None:
        for article in self.articles:
            self.web.route(self.path(article), body=page(article))
        items = []
        for a in self.articles:
            if a.outlet != "courier":
                continue
            stamp = dt.datetime.combine(a.date, dt.time(8)).strftime("%a, %d %b %Y %H:%M:%S +0000")
            items.append(f"<item><title>{escape(a.title)}</title><link>{self.url(a)}?utm_source=rss</link>"
                         f"<guid>{self.url(a)}</guid><pubDate>{stamp}</pubDate></item>")
        self.web.route("/courier/feed.xml", content_type="application/rss+xml",
                       body=f"<?xml version='1.0'?><rss version='2.0'><channel><title>Riverside Courier</title>"
                            f"<link>{self.web.url('/courier/')}</link>{''.join(items)}</channel></rss>")
        urls = "".join(f"<url><loc>{self.url(a)}</loc><news:news><news:publication><news:name>Northgate Herald"
                       f"</news:name><news:language>en</news:language></news:publication><news:publication_date>"
                       f"{a.date.isoformat()}</news:publication_date><news:title>{escape(a.title)}</news:title>"
                       f"</news:news></url>" for a in self.articles if a.outlet == "herald")
        self.web.route("/herald/sitemap.xml", content_type="application/xml",
                       body=f"<?xml version='1.0' encoding='UTF-8'?><urlset "
                            f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
                            f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{urls}</urlset>")


def write_config(tmp_path: Path, web, extra: str = "", start: str = "2023-01-01") -> Path:
    """A configuration for the test site: loopback allowed, no delays, no retry back-off."""
    path = tmp_path / "framewatch.toml"
    path.write_text(f"""
[project]
data_dir = "data"
contact = "tests@example.org"

[http]
min_delay = 0
timeout = 10
allow_loopback = true
max_retries = 0
backoff = 0

[update]
start_date = {start}

[sources.courier]
kind = "rss"
url = "{web.url('/courier/feed.xml')}"

[sources.herald]
kind = "sitemap"
url = "{web.url('/herald/sitemap.xml')}"
{extra}
""", encoding="utf-8")
    return path


def canonical_export(db_path: Path) -> list[dict]:
    """Every document's lasting fields (not fetch times), sorted: two equal corpora give equal exports."""
    with Corpus.open(db_path, create=True) as db:
        docs = list(db.stream())
        urls = db.sql("SELECT url, canonical, doc_id, outlet, source FROM document_urls ORDER BY url")
    out = []
    for d in sorted(docs, key=lambda d: d.id):
        record = {k: getattr(d, k) for k in ("id", "url", "title", "text", "outlet", "source", "language",
                                            "date", "date_source", "content_hash", "scope_label", "story_id",
                                            "metadata")}
        record["date"] = d.date.isoformat() if d.date else None
        record["urls"] = sorted(d.urls)
        out.append(record)
    return out + urls.to_dict("records")


@pytest.fixture
def site(web) -> UpdateSite:
    return UpdateSite(web)


def run(config: Path, **kwargs):
    return run_update(load_config(config), progress=False, **kwargs)


def test_first_run_collects_dedups_and_scores(tmp_path: Path, site: UpdateSite) -> None:
    summary = run(write_config(tmp_path, site.web))
    assert summary.status == "finished", summary
    db_path = tmp_path / "data" / "corpus.sqlite"
    with Corpus.open(db_path, create=True) as db:
        docs = {d.title: d for d in db.stream()}
        # 13 pages; the Herald's exact reprint merges into the Courier's document
        assert len(docs) == 12
        first = db.get_by_url(site.url(ARTICLES[3]))
        assert first is not None and len(first.urls) == 2
        reprint = db.get_by_url(site.url(ARTICLES[9]))
        assert reprint is not None and reprint.id == first.id
        outlets = db.sql("SELECT outlet FROM document_urls WHERE doc_id = ?", (first.id,))["outlet"]
        assert set(outlets) == {"Riverside Courier", "Northgate Herald"}
        # the syndicated wire story: two documents, one story, both outlets kept
        courier_wire = db.get_by_url(site.url(ARTICLES[4]))
        herald_wire = db.get_by_url(site.url(ARTICLES[8]))
        assert courier_wire.id != herald_wire.id
        assert courier_wire.story_id == herald_wire.story_id == courier_wire.id
        assert {courier_wire.outlet, herald_wire.outlet} == {"Riverside Courier", "Northgate Herald"}
        stories = db.sql("SELECT COUNT(DISTINCT story_id) AS n FROM documents")["n"].iloc[0]
        assert stories == 11
        # scope: vaccine "injection site" and the economic recovery are kept but out; safe supply adjacent
        assert docs["Flu shots available at the library"].scope_label == "out"
        assert docs["Budget bets on an economic recovery downtown"].scope_label == "out"
        assert docs["Harbour festival returns with tall ships"].scope_label == "out"
        assert docs["Northgate doctors join safe supply program"].scope_label == "adjacent"
        assert docs["Council weighs overdose prevention site"].scope_label == "core"
        # dates from the feed and the page, not the fetch day
        assert docs["Council weighs overdose prevention site"].date == dt.date(2023, 1, 10)
        # the tracking parameter of the feed link is not part of the canonical URL
        assert "utm_source" not in docs["Council weighs overdose prevention site"].url
    row = summary.sources.set_index("source")
    assert row.loc["courier", "new"] == 7 and row.loc["herald", "new"] == 5
    assert row.loc["herald", "duplicate"] == 1 and row.loc["herald", "near_duplicate"] == 1
    assert row.loc["courier", "out_of_scope"] == 2 and row.loc["herald", "out_of_scope"] == 1
    assert summary.total("failed") == 0


def test_second_run_adds_exactly_the_new_items(tmp_path: Path, site: UpdateSite) -> None:
    config = write_config(tmp_path, site.web)
    db_path = tmp_path / "data" / "corpus.sqlite"
    run(config)
    before = {d["id"] for d in canonical_export(db_path) if "text" in d}
    again = run(config)                      # nothing new published: nothing added, nothing fetched
    assert again.total("new") == 0 and again.total("fetched") == 0
    site.publish()
    third = run(config)
    after = {d["id"]: d for d in canonical_export(db_path) if "text" in d}
    added = set(after) - before
    assert {after[i]["title"] for i in added} == {a.title for a in NEW_ARTICLES}
    assert third.total("new") == 2
    # the state moved the range: the third run asked each source only for the last days
    with Corpus.open(db_path, create=True) as db:
        ranges = db.sql("SELECT source, since FROM run_sources WHERE run_id = ?", (third.run_id,))
    assert all(dt.date.fromisoformat(s) >= dt.date.today() - dt.timedelta(days=3) for s in ranges["since"])


def test_since_until_override_is_a_backfill(tmp_path: Path, site: UpdateSite) -> None:
    config = write_config(tmp_path, site.web)
    summary = run(config, since=dt.date(2023, 1, 1), until=dt.date(2023, 3, 31))
    with Corpus.open(tmp_path / "data" / "corpus.sqlite", create=True) as db:
        dates = sorted(d.date for d in db.stream())
    assert dates and all(dt.date(2023, 1, 1) <= d <= dt.date(2023, 3, 31) for d in dates)
    assert summary.total("new") == 3
    # the rest of the year is collected by a later run over the full range
    rest = run(config, since=dt.date(2023, 1, 1), until=dt.date(2023, 12, 31))
    assert rest.total("new") == 9 and rest.total("known") == 3


def test_failing_sources_are_recorded_and_others_still_run(tmp_path: Path, site: UpdateSite) -> None:
    web = site.web
    web.route("/down/feed.xml", status=500, body="server error", content_type="text/plain")
    web.route("/bad/feed.xml", body="<html><body>Maintenance: back soon</body></html>", content_type="text/html")
    web.route("/gone/feed.xml", content_type="application/rss+xml",
              body=f"<?xml version='1.0'?><rss version='2.0'><channel><title>Gone</title><item><title>Missing"
                   f"</title><link>{web.url('/gone/missing.html')}</link></item></channel></rss>")
    extra = f"""
[sources.down]
kind = "rss"
url = "{web.url('/down/feed.xml')}"

[sources.bad]
kind = "rss"
url = "{web.url('/bad/feed.xml')}"

[sources.gone]
kind = "rss"
url = "{web.url('/gone/feed.xml')}"
"""
    config = write_config(tmp_path, web, extra)
    summary = run(config)
    assert summary.status == "partial"
    status = summary.sources.set_index("source")["status"]
    assert status["courier"] == status["herald"] == "finished"
    assert status["down"] == "failed"
    assert summary.total("new") == 12
    reasons = failure_reasons(tmp_path / "data" / "corpus.sqlite", summary.run_id)
    assert reasons["down"] == {"http_500": 1}
    assert reasons["gone"] == {"http_404": 1}
    assert status["bad"] == "failed" and reasons["bad"] == {"parse_error": 1}   # not a feed at all
    missing = summary.failures[summary.failures["source"] == "gone"].iloc[0]
    assert missing["url"] == web.url("/gone/missing.html") and "404" in missing["message"]
    # the failing source keeps its old state: it will be asked for the same range again
    with Corpus.open(tmp_path / "data" / "corpus.sqlite", create=True) as db:
        states = set(db.sql("SELECT source FROM source_state")["source"])
    assert "down" not in states and {"courier", "herald"} <= states


def test_every_response_is_archived_and_reextract_updates_changed_text(tmp_path: Path, site: UpdateSite,
                                                                       capsys) -> None:
    config = write_config(tmp_path, site.web)
    summary = run(config)
    data_dir = tmp_path / "data"
    files = warc_files(data_dir)
    assert files and all(f.parent.name == summary.run_id for f in files)
    archived = {canonical_url(r.final_url) for f in files for r in iter_responses(f)}
    assert canonical_url(site.web.url("/courier/feed.xml")) in archived
    assert all(canonical_url(site.url(a)) in archived for a in ARTICLES)
    db_path = data_dir / "corpus.sqlite"
    # nothing changed: reextract finds the same text
    frame = reextract(db_path, data_dir, progress=False)
    assert len(frame) == 12 and (frame["changed"] == "").all()
    # a stored text made worse (as by an older extractor) is repaired from the archive
    with Corpus.open(db_path, create=True) as db:
        doc = db.get_by_url(site.url(ARTICLES[0]))
        db.upsert(Document(id=doc.id, title="x", text="truncated"))
    frame = reextract(db_path, data_dir, progress=False)
    changed = frame[frame["changed"] != ""]
    assert list(changed["id"]) == [doc.id] and changed.iloc[0]["changed"] == "text,title"
    with Corpus.open(db_path, create=True) as db:
        assert db.get(doc.id).text == doc.text and db.get(doc.id).title == doc.title
        db.upsert(Document(id=doc.id, title="y", text="cut short"))
    code, out, err = framewatch(capsys, "reextract", "--db", str(db_path), "-q")
    assert code == 0, err
    assert "12 archived documents: 1 changed, 0 failed" in out and doc.id in out


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`framewatch ARGS` as a separate process (`python -m corpus`)."""
    return subprocess.run([sys.executable, "-m", "corpus", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def framewatch(capsys, *args: str) -> tuple[int, str, str]:
    """`framewatch ARGS` in this process: exit code, stdout, stderr."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_concurrent_run_refuses_with_the_holders_pid(tmp_path: Path, site: UpdateSite, capsys) -> None:
    config = write_config(tmp_path, site.web)
    db_path = tmp_path / "data" / "corpus.sqlite"
    with CorpusLock(db_path, "import") as lock:
        assert lock.held
        with pytest.raises(LockHeld, match=f"framewatch import, pid {os.getpid()}"):
            CorpusLock(db_path, "update").acquire()
        result = cli("update", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert "in use by framewatch import" in result.stderr and f"pid {os.getpid()}" in result.stderr
    assert not (tmp_path / "data" / "corpus.sqlite").exists()   # refused before anything was written
    # once the holder lets go, the run goes ahead
    code, out, err = framewatch(capsys, "update", "--config", str(config), "--quiet")
    assert code == 0, err
    assert "new 7" in out


def test_runs_command_lists_counts_and_failures(tmp_path: Path, site: UpdateSite, capsys) -> None:
    site.web.route("/down/feed.xml", status=500, body="no", content_type="text/plain")
    config = write_config(tmp_path, site.web, f"""
[sources.down]
kind = "rss"
url = "{site.web.url('/down/feed.xml')}"
""")
    code, _, err = framewatch(capsys, "update", "--config", str(config), "-q")
    assert code == 1, err      # partial: one source failed
    db = str(tmp_path / "data" / "corpus.sqlite")
    code, out, err = framewatch(capsys, "runs", "--db", db, "--failures")
    assert code == 0, err
    assert "partial" in out and "http_500" in out and "/down/feed.xml" in out
    code, out, _ = framewatch(capsys, "runs", "--db", db, "--json")
    data = json.loads(out)
    assert len(data) == 1
    sources = {s["source"]: s for s in data[0]["sources"]}
    assert sources["courier"]["new"] == 7 and sources["down"]["status"] == "failed"
    assert data[0]["failed_by_reason"] == {"down": {"http_500": 1}}
    assert sources["courier"]["duration_s"] >= 0
    frame = runs_frame(db)
    assert list(frame["status"]) == ["partial"] and frame["new"].iloc[0] == 12


def test_bad_configuration_is_refused_before_anything_runs(tmp_path: Path, site: UpdateSite, capsys) -> None:
    config = write_config(tmp_path, site.web).read_text().replace('kind = "sitemap"', 'kind = "sitemapp"')
    (tmp_path / "bad.toml").write_text(config)
    code, _, err = framewatch(capsys, "update", "--config", str(tmp_path / "bad.toml"))
    assert code == 2
    assert "sources.herald.kind: unknown kind 'sitemapp'" in err
    assert not (tmp_path / "data").exists() and site.web.requests == []


def test_init_writes_a_valid_default(tmp_path: Path, capsys) -> None:
    target = tmp_path / "conf" / "framewatch.toml"
    code, _, err = framewatch(capsys, "init", str(target))
    assert code == 0, err
    config = load_config(target, environ={})
    assert config.data_dir == tmp_path / "conf" / "framewatch-data"
    assert "mediacloud" in config.sources and not config.sources["mediacloud"].enabled
    code, _, err = framewatch(capsys, "init", str(target))
    assert code == 2 and "already exists" in err


def test_two_updates_with_different_configs_and_one_db_exclude_each_other(tmp_path: Path, site: UpdateSite,
                                                                          capsys) -> None:
    """The lock is on the corpus file: a second update refuses (naming the first), marks nothing interrupted,
    and fetches nothing; the first finishes alone with the right story count."""
    import threading

    web = site.web
    entered, release = threading.Event(), threading.Event()
    held = site.path(ARTICLES[2])
    body = page(ARTICLES[2]).encode()

    def stall(h) -> None:  # the first update waits here, holding the lock, until the second has tried
        entered.set()
        release.wait(60)
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    web.route(held, handler=stall)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    config_a, config_b = write_config(tmp_path / "a", web), write_config(tmp_path / "b", web)
    db = tmp_path / "shared.sqlite"
    first = subprocess.Popen([sys.executable, "-m", "corpus", "update", "--config", str(config_a), "--db", str(db),
                              "-q"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    try:
        assert entered.wait(60), "the first update never reached the stalled page"
        requests_before = len(web.requests)
        code, out, err = framewatch(capsys, "update", "--config", str(config_b), "--db", str(db), "-q")
        assert code == 3, (out, err)
        assert f"in use by framewatch update, pid {first.pid}" in err and str(db) in err
        assert len(web.requests) == requests_before           # the refused run fetched nothing
    finally:
        release.set()
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert not (tmp_path / "b" / "data" / "warc").exists()
    frame = runs_frame(db)
    assert list(frame["status"]) == ["finished"] and frame["new"].iloc[0] == 12
    with Corpus.open(db) as corpus:
        assert corpus.sql("SELECT COUNT(DISTINCT story_id) AS n FROM documents")["n"].iloc[0] == 11
        assert len(corpus) == 12


def test_every_writer_takes_the_corpus_lock(tmp_path: Path, site: UpdateSite, capsys) -> None:
    """import and reextract refuse while another writer holds the corpus; the report measures from memory."""
    from corpus.measure import measure_corpus

    run(write_config(tmp_path, site.web))
    db = tmp_path / "data" / "corpus.sqlite"
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"url": "https://example.org/x", "text": "A note on the pier meeting."}) + "\n")
    with CorpusLock(db, "update"):
        code, _, err = framewatch(capsys, "import", "--db", str(db), str(rows))
        assert code == 3 and f"in use by framewatch update, pid {os.getpid()}" in err
        code, _, err = framewatch(capsys, "reextract", "--db", str(db), "-q")
        assert code == 3 and "in use by framewatch update" in err
        measured = measure_corpus(db)                 # labels not written while the update holds the corpus
        with Corpus.open(db) as corpus:
            assert corpus.sql("SELECT COUNT(*) AS n FROM documents WHERE framing_label IS NOT NULL")["n"][0] == 0
    assert len(measured.docs) == 12
    with Corpus.open(db) as corpus:
        assert len(corpus) == 12
    code, _, err = framewatch(capsys, "import", "--db", str(db), str(rows))
    assert code == 0, err


@pytest.mark.parametrize("command", ["info", "init", "update", "runs", "reextract"])
def test_commands_describe_themselves_in_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    usage, _, rest = capsys.readouterr().out.partition("\n\n")
    description = rest.split("\n\n", 1)[0]
    assert not description.lstrip().startswith(("positional", "options")) and len(description.split()) >= 12
