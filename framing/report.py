"""The HTML report an advocate opens after the monthly update: a headline finding, charts, tables, evidence
and method, in one self-contained file.

Example::

    ts = framing.timeseries(docs, units, freq="Q")
    framing.write_report("out/", ts, units=units, docs=docs)   # out/report.html plus the PNG charts
    print(framing.headline(ts))                                 # the report's first sentences
"""
from __future__ import annotations

import html
import io
import json
import re
import shutil
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from framing.concepts import ConceptDetector
from framing.plots import PAIR_NAMES, has_corrected, periods, plot_document_labels, plot_pair_rates, plot_shares
from framing.relations import LABELS, PAIRS
from framing.timeseries import wilson_interval

VALIDATION_FILE = Path(__file__).parent / "data" / "validation.json"
CODEBOOK = Path(__file__).resolve().parents[1] / "docs" / "CODEBOOK.md"
MIN_N = 10  # co-mentions a window needs before the headline states its share

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
h3{font-size:1em;margin:1.2em 0 .3em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0} td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}
th{background:#f4f4f4} td.text,th.text{text-align:left;max-width:640px} .muted{color:#666;font-size:.9em}
.headline{font-size:1.15em;line-height:1.45;background:#f6f8fb;border-left:4px solid #3b7dd8;padding:.6em 1em}
.cards{display:flex;gap:1em;flex-wrap:wrap} .card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em}
.card b{display:block;font-size:1.5em} figure{margin:1em 0} figure svg{width:100%;height:auto}
mark.concept{background:#dde9fb;padding:0 1px} mark.marker{background:#ffe08a;padding:0 1px;font-weight:600}
ul.why{margin:.2em 0;padding-left:1.2em;font-size:.9em;color:#444}
"""


# --------------------------------------------------------------------------------------------------
# The headline
def _span(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]}–{names[-1]}"


def _share(k: int, n: int) -> str:
    low, high = wilson_interval(int(k), int(n))
    return f"{k / n:.0%} ({low * 100:.0f}–{high:.0%})"


def headline(ts: pd.DataFrame, min_n: int = MIN_N) -> str:
    """One or two plain sentences computed from a time series table: the opposition share of the most
    discussed pair in the latest periods against the earliest ones, or why the data are too few to say."""
    rows = ts[(ts["measure"] == "opposition_share") & (ts["period"] != "undated")]
    if ts.attrs.get("documents_in_scope", 1) == 0:
        return ("No document is in scope, so there is nothing to measure yet: score the corpus's scope, "
                "or count every document (`--scope all`).")
    if rows.empty or int(rows["total"].sum()) == 0:
        return "No dated, in-scope unit names two of the concepts together, so there is no framing to report yet."
    order = periods(ts)
    per = rows.groupby(["pair", "period"])[["count", "total"]].sum()
    totals = per.groupby(level="pair")["total"].sum()
    pair = str(totals.idxmax())
    series = per.loc[pair].reindex(order).fillna(0).astype(int)
    series = series[series["total"] > 0]
    name = PAIR_NAMES[pair]
    a, b = name.split(" – ")
    n, k = int(series["total"].sum()), int(series["count"].sum())
    all_n, all_k = int(rows["total"].sum()), int(rows["count"].sum())
    overall = (f"Across all periods and pairs, {_share(all_k, all_n)} of {all_n} units naming two of the concepts "
               "together set them against each other.")
    if n < 2 * min_n:
        return (f"Too few data to state a trend: only {n} dated units name {a} and {b} together "
                f"(at least {2 * min_n} are needed); {k} of them set one against the other. {overall}")
    need = max(min_n, -(-n // 3))
    early_end = int((series["total"].cumsum() >= need).to_numpy().argmax())
    late_start = len(series) - 1 - int((series["total"][::-1].cumsum() >= need).to_numpy().argmax())
    if early_end >= late_start:
        return (f"In {_span(list(series.index))}, {_share(k, n)} of {n} units naming {a} and {b} together "
                f"set one against the other (too few periods with data to compare early and late). {overall}")
    early, late = series.iloc[: early_end + 1], series.iloc[late_start:]
    ek, en = int(early["count"].sum()), int(early["total"].sum())
    lk, ln = int(late["count"].sum()), int(late["total"].sum())
    (elo, ehi), (llo, lhi) = wilson_interval(ek, en), wilson_interval(lk, ln)
    if llo > ehi:
        change = f"up from {ek / en:.0%} in {_span(list(early.index))}"
    elif lhi < elo:
        change = f"down from {ek / en:.0%} in {_span(list(early.index))}"
    else:
        change = (f"against {ek / en:.0%} in {_span(list(early.index))} "
                  "(a difference within the 95% intervals)")
    return (f"In {_span(list(late.index))}, {_share(lk, ln)} of {ln} units naming {a} and {b} together "
            f"set one against the other, {change}, n = {en}. {overall}")


# --------------------------------------------------------------------------------------------------
# Charts and tables
def _svg(fig: Figure) -> str:
    """The figure as inline SVG with real text (so the report's period labels are in its DOM)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "framewatch"}):
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _pct(x: float) -> str:
    return "–" if pd.isna(x) else f"{x:.0%}"


def _correction_source(ts: pd.DataFrame) -> str:
    """Which coded sample the correction rests on, e.g. " on realnews (n=202): 204 pairs in ..."."""
    info = ts.attrs.get("correction") or {}
    sets = ts["correction_set"].dropna().unique() if "correction_set" in ts else []
    name = sets[0] if len(sets) else info.get("set")
    if not name:
        return ""
    about = info.get("description")
    return f" on {html.escape(str(name))}" + (f": {html.escape(about)}" if about else "")


def _pair_table(ts: pd.DataFrame) -> str:
    """Per period (and group) and pair: counts by relation, the oppositional share with its interval and n,
    and the error-corrected share when the table carries one."""
    rel = ts[(ts["measure"] == "units_by_relation") & (ts["period"] != "undated")]
    share_rows = ts[(ts["measure"] == "opposition_share") & (ts["period"] != "undated")]
    corrected = has_corrected(share_rows)
    share = share_rows.set_index(["group", "period", "pair"])
    counts = rel.set_index(["group", "period", "pair", "label"])["count"]
    groups = sorted(ts["group"].astype(str).unique()) if "group" in ts else ["all"]
    split = len(groups) > 1
    head = "".join(
        f"<th>{html.escape(PAIR_NAMES[p])}<br>comp / neut / opp</th><th>opposition share (n)</th>"
        + ("<th>error-corrected</th>" if corrected else "") for p in PAIRS)
    body = []
    for group in groups:
        for period in periods(ts):
            cells = []
            for pair in PAIRS:
                cells.append("<td>" + " / ".join(str(int(counts.get((group, period, pair, lab), 0)))
                                                  for lab in LABELS) + "</td>")
                row = share.loc[(group, period, pair)] if (group, period, pair) in share.index else None
                if row is None or row["total"] == 0:
                    cells.append("<td>–</td>" + ("<td>–</td>" if corrected else ""))
                    continue
                cells.append(f"<td>{row['rate']:.0%} ({row['ci_low']:.0%}–{row['ci_high']:.0%}) "
                             f"n={int(row['total'])}</td>")
                if corrected:
                    cells.append(f"<td>{_pct(row['corrected'])} ({_pct(row['corrected_low'])}–"
                                 f"{_pct(row['corrected_high'])})</td>" if pd.notna(row["corrected"]) else "<td>–</td>")
            label = f"{html.escape(group)} · {html.escape(period)}" if split else html.escape(period)
            body.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    first = "group · period" if split else "period"
    return f"<table id=pairs><tr><th>{first}</th>{head}</tr>{''.join(body)}</table>"


# --------------------------------------------------------------------------------------------------
# Evidence
def _highlight(text: str, concept_spans: list[tuple[int, int]], marker_spans: list[tuple[int, int]]) -> str:
    """`text` escaped, with concept terms and deciding markers wrapped in <mark> (markers win on overlap)."""
    kind = [""] * len(text)
    for spans, name in ((concept_spans, "concept"), (marker_spans, "marker")):
        for start, end in spans:
            for i in range(max(0, start), min(len(text), end)):
                kind[i] = name
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and kind[j] == kind[i]:
            j += 1
        piece = html.escape(text[i:j])
        out.append(f'<mark class={kind[i]}>{piece}</mark>' if kind[i] else piece)
        i = j
    return "".join(out)


def _link(title: str, url: object) -> str:
    if isinstance(url, str) and re.match(r"https?://", url):
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(title)}</a>'
    return html.escape(title)


def _doc_info(docs: pd.DataFrame | None) -> dict[str, dict]:
    if docs is None or docs.empty or "id" not in docs:
        return {}
    keep = [c for c in ("title", "outlet", "date", "url", "story_id") if c in docs.columns]
    return docs.assign(id=docs["id"].astype(str)).drop_duplicates("id").set_index("id")[keep].to_dict("index")


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value) != ""


def _story_key(doc_id: str, meta: Mapping) -> str:
    story = meta.get("story_id")
    return f"story:{story}" if _present(story) else f"doc:{doc_id}"


def _evidence_row(unit: pd.Series, pair: str, label: str, meta: Mapping, detector: ConceptDetector) -> str:
    """One evidence row: the unit with concept terms and deciding markers marked, the markers listed, and the
    source (linked title, outlet, date)."""
    concepts = set(pair.split("+"))
    text = str(unit["text"])
    mentions = [(m.start, m.end) for m in detector.detect(text)
                if m.concept in concepts or (m.concept == "SITE" and "HARM_REDUCTION" in concepts)]
    by_pair = unit.get("markers")
    markers = [m for m in ((by_pair if isinstance(by_pair, Mapping) else {}).get(pair) or []) if isinstance(m, Mapping)]
    deciding = [m for m in markers if m.get("label") == label] or markers
    why = "".join(f"<li>{html.escape(str(m.get('text', '')))} → {html.escape(str(m.get('label', '')))}"
                  f"{' (negated)' if m.get('negated') else ''}</li>" for m in deciding)
    why = why or "<li>no rule marker: the classifier's wording model decided</li>"
    marked = _highlight(text, mentions, [(m["start"], m["end"]) for m in deciding if "start" in m and "end" in m])
    title = str(meta["title"]) if _present(meta.get("title")) else "(untitled)"
    date = pd.to_datetime(meta.get("date"), errors="coerce")
    where = [str(meta["outlet"])] if _present(meta.get("outlet")) else []
    where.append("undated" if pd.isna(date) else f"{date:%Y-%m-%d}")
    confidence = f"p = {unit['ev_p']:.2f}" if unit["ev_p"] else ""
    return (f"<tr><td class=text>{marked}<ul class=why>{why}</ul></td>"
            f"<td class=text>{_link(title, meta.get('url'))}<br><span class=muted>{html.escape(' · '.join(where))}</span>"
            f"</td><td>{confidence}</td></tr>")


def _evidence(units: pd.DataFrame, docs: pd.DataFrame | None, per_label: int, level: str) -> str:
    """For every pair and label, the most confident units, one per story (syndicated copies and repeats of
    one sentence shown once), with their source and the markers that decided the label."""
    info = _doc_info(docs)
    detector = ConceptDetector(level=level)
    parts = []
    for pair in PAIRS:
        for label in LABELS:
            hits = units[units["pairs"].map(lambda p, k=pair, v=label: isinstance(p, Mapping) and p.get(k) == v)]
            if hits.empty:
                continue
            probs = hits["probabilities"] if "probabilities" in hits else pd.Series([None] * len(hits), index=hits.index)
            doc_ids = hits["doc_id"].astype(str)
            hits = hits.assign(
                ev_p=[(p.get(pair) or {}).get(label, 0.0) if isinstance(p, Mapping) else 0.0 for p in probs],
                ev_doc=doc_ids, ev_story=[_story_key(d, info.get(d, {})) for d in doc_ids],
                ev_norm=hits["text"].astype(str).str.lower().str.split().str.join(" "))
            ranked = hits.sort_values("ev_p", ascending=False, kind="stable")
            distinct = ranked.drop_duplicates("ev_story").drop_duplicates("ev_norm")
            rows = "".join(_evidence_row(unit, pair, label, info.get(unit["ev_doc"], {}), detector)
                           for _, unit in distinct.head(per_label).iterrows())
            stories = hits["ev_story"].nunique()
            shown = f"{len(hits)} units in {stories} {'story' if stories == 1 else 'stories'}"
            parts.append(f"<h3>{html.escape(PAIR_NAMES[pair])}: {label} ({shown})</h3>"
                         "<table class=evidence><tr><th class=text>unit (concept terms and deciding markers marked)</th>"
                         f"<th class=text>document</th><th>confidence</th></tr>{rows}</table>")
    return "".join(parts) or "<p class=muted>No unit relates two concepts.</p>"


# --------------------------------------------------------------------------------------------------
# Method
def validation_figures(path: str | Path = VALIDATION_FILE) -> list[dict]:
    """The project's measured validation figures (what, set, result), from `framing/data/validation.json`."""
    return list(json.loads(Path(path).read_text(encoding="utf-8"))["figures"])


def _method(ts: pd.DataFrame, units: pd.DataFrame | None, codebook_href: str | None) -> str:
    a = ts.attrs
    unit = units.attrs.get("unit", "sentence") if units is not None else "sentence"
    scope = a.get("scope")
    scope_text = "every document" if not scope else "documents whose scope label is " + " or ".join(scope)
    corrected = has_corrected(ts[ts["measure"] == "opposition_share"])
    period = {"M": "month", "Q": "quarter", "Y": "year"}.get(str(a.get("freq")), "period")
    codebook = (f'<a href="{html.escape(codebook_href, quote=True)}">the codebook</a>' if codebook_href
                else "the codebook (docs/CODEBOOK.md in the framewatch source)")
    figures = "".join(f"<tr><td class=text>{html.escape(f['what'])}</td><td class=text>{html.escape(f['set'])}</td>"
                      f"<td class=text>{html.escape(f['result'])}</td></tr>" for f in validation_figures())
    shares = ("Shares are shown raw (the share of co-occurring units the classifier labelled opposition) and "
              "error-corrected (adjusted classify-and-count from the classifier's measured confusion between "
              "labels" + _correction_source(ts) + "), each with its 95% interval." if corrected else
              "Shares are raw: the share of co-occurring units the classifier labelled opposition, with 95% "
              "Wilson intervals. No error-corrected shares were computed for this table.")
    return (
        "<h2>Method</h2>"
        f"<p><b>What was counted.</b> {html.escape(scope_text)} (in scope). Each is split into "
        f"{html.escape(unit)} units; in each unit the concepts harm reduction, treatment and recovery are "
        f"found at the {html.escape(str(a.get('level', 'family')))} level, and every pair of concepts that "
        "appears together is labelled complementary, neutral or opposition. The opposition share of a pair "
        f"is the share of its labelled co-occurrences labelled opposition, per {period}.</p>"
        f"<p><b>Documents.</b> {a.get('documents', '?')} documents given; {a.get('documents_in_scope', '?')} in "
        f"scope and {a.get('out_of_scope', '?')} out of scope. Syndicated copies of one story count once "
        f"(the earliest dated copy), leaving {a.get('stories_in_scope', '?')} stories in scope; "
        f"{a.get('undated', 0)} of them have no reliable publication date and are left out of every period.</p>"
        f"<p><b>Shares.</b> {shares}</p>"
        "<p><b>Validation</b> (measured by the project, on the sets named):</p>"
        f"<table id=validation><tr><th class=text>what</th><th class=text>set</th><th class=text>result</th></tr>"
        f"{figures}</table>"
        f"<p>Definitions: {codebook} (what is in "
        "scope, what counts as each concept and relation, how periods are reported).</p>"
    )


def _topics_and_frames(charts: dict[str, str], topics: pd.DataFrame | None) -> list[str]:
    """The topic and policy-frame section: charts, top words, and the frame dictionary's standing."""
    from framing.frames import UNVALIDATED

    parts = []
    if (topics is not None and not topics.empty) or "topic_prevalence" in charts:
        parts.append("<h2>Topics</h2>")
        parts.append(charts.get("topic_prevalence", ""))
        if topics is not None and not topics.empty:
            keys = ["topic", "label"] if "label" in topics.columns else ["topic"]
            top = topics.groupby(keys)["word"].apply(lambda w: ", ".join(w)).reset_index()
            parts.append(top.to_html(index=False, escape=True))
    if "frame_shares" in charts:
        parts += ["<h2>Policy frames</h2>", charts["frame_shares"], f"<p class=muted id=frames-note>{html.escape(UNVALIDATED)}</p>"]
    return parts


# --------------------------------------------------------------------------------------------------
def write_report(
    out_dir: str | Path,
    ts: pd.DataFrame,
    units: pd.DataFrame | None = None,
    topics: pd.DataFrame | None = None,
    title: str = "framewatch: harm reduction, treatment and recovery over time",
    examples_per_label: int = 3,
    docs: pd.DataFrame | None = None,
    topic_prevalence: pd.DataFrame | None = None,
    frame_shares: pd.DataFrame | None = None,
) -> Path:
    """Write `report.html` (self-contained, charts inline) and the charts as PNG into `out_dir`, creating it;
    return the HTML path. `docs` (id, title, outlet, date, url, story_id) gives the evidence its sources;
    `topic_prevalence` (framing.topic_prevalence) and `frame_shares` (framing.frame_shares) add their charts."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "opposition_share": plot_pair_rates(ts, "opposition_share"),
        "cooccurrence": plot_pair_rates(ts, "cooccurring_units"),
        "document_labels": plot_document_labels(ts),
    }
    if topic_prevalence is not None:
        figures["topic_prevalence"] = plot_shares(topic_prevalence, "label", "prevalence", "Topic prevalence")
    if frame_shares is not None:
        figures["frame_shares"] = plot_shares(frame_shares, "name", "share", "Policy frames: share of paragraphs")
    charts = {}
    for name, fig in figures.items():
        fig.savefig(out / f"{name}.png", dpi=110)
        charts[name] = f"<figure id=chart-{name}>{_svg(fig)}</figure>"
    codebook_href = None
    if CODEBOOK.is_file():  # a source checkout: the report carries its own copy of the definitions
        shutil.copyfile(CODEBOOK, out / "CODEBOOK.md")
        codebook_href = "CODEBOOK.md"
    attrs = ts.attrs
    cards = {
        "documents in scope": attrs.get("documents_in_scope", "?"),
        "distinct stories in scope": attrs.get("stories_in_scope", "?"),
        "out of scope": attrs.get("out_of_scope", "?"),
        "without a reliable date": attrs.get("undated", 0),
        "periods": len(periods(ts)),
    }
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class=muted>Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · "
        f"concept level: {html.escape(str(attrs.get('level', 'family')))} · period: {html.escape(str(attrs.get('freq', '')))}</p>",
        f"<p class=headline id=headline>{html.escape(headline(ts))}</p>",
        "<div class=cards>" + "".join(f"<div class=card><b>{v}</b>{html.escape(k)}</div>" for k, v in cards.items()) + "</div>",
        "<h2>Opposition over time</h2>", charts["opposition_share"],
        "<h2>Appearing together</h2>", charts["cooccurrence"],
        "<h2>Document framing</h2>", charts["document_labels"],
        "<h2>Relations by period</h2>", _pair_table(ts),
    ]
    sections += _topics_and_frames(charts, topics)
    if units is not None:
        sections += ["<h2>Evidence: units behind the counts</h2>",
                     _evidence(units, docs, examples_per_label, str(attrs.get("level", "family")))]
    sections.append(_method(ts, units, codebook_href))
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(sections)}</body></html>")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
