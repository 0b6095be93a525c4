"""The HTML report an advocate opens after the monthly update: charts, tables, evidence and method, in one file.

Example::

    ts = framing.timeseries(docs, units, freq="Q")
    framing.write_report("out/", ts, units=units)     # out/report.html plus the PNG charts
"""
from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from framing.plots import PAIR_NAMES, plot_document_labels, plot_pair_rates
from framing.relations import LABELS, PAIRS

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0} td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}
th{background:#f4f4f4} td.text{text-align:left;max-width:640px} .muted{color:#666;font-size:.9em}
.cards{display:flex;gap:1em;flex-wrap:wrap} .card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em}
.card b{display:block;font-size:1.5em} img{max-width:100%}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _pair_table(ts: pd.DataFrame) -> str:
    """Per period and pair: co-occurring units, counts by relation, and the oppositional share with its interval."""
    rel = ts[(ts["measure"] == "units_by_relation") & (ts["period"] != "undated")]
    share = ts[(ts["measure"] == "opposition_share") & (ts["period"] != "undated")].set_index(["period", "pair"])
    head = "".join(f"<th>{html.escape(PAIR_NAMES[p])}<br>comp / neut / opp</th><th>opposition share</th>"
                   for p in PAIRS)
    body = []
    for period in sorted(rel["period"].unique()):
        cells = []
        for pair in PAIRS:
            counts = rel[(rel["period"] == period) & (rel["pair"] == pair)].set_index("label")["count"]
            cells.append("<td>" + " / ".join(str(int(counts.get(lab, 0))) for lab in LABELS) + "</td>")
            row = share.loc[(period, pair)] if (period, pair) in share.index else None
            if row is None or row["total"] == 0:
                cells.append("<td>–</td>")
            else:
                cells.append(f"<td>{row['rate']:.0%} ({row['ci_low']:.0%}–{row['ci_high']:.0%})</td>")
        body.append(f"<tr><th>{html.escape(period)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>period</th>{head}</tr>{''.join(body)}</table>"


def _evidence(units: pd.DataFrame, per_label: int) -> str:
    """A few units for every pair and label, so a reader can check what the classifier counted."""
    parts = []
    for pair in PAIRS:
        for label in LABELS:
            hits = units[units["pairs"].map(lambda p, k=pair, v=label: isinstance(p, Mapping) and p.get(k) == v)]
            if hits.empty:
                continue
            rows = "".join(f"<tr><td>{html.escape(str(r.doc_id))}</td><td class=text>{html.escape(str(r.text))}</td></tr>"
                           for r in hits.head(per_label).itertuples())
            parts.append(f"<h3>{html.escape(PAIR_NAMES[pair])}: {label} ({len(hits)} units)</h3>"
                         f"<table><tr><th>document</th><th>unit</th></tr>{rows}</table>")
    return "".join(parts) or "<p class=muted>No unit relates two concepts.</p>"


def write_report(
    out_dir: str | Path,
    ts: pd.DataFrame,
    units: pd.DataFrame | None = None,
    topics: pd.DataFrame | None = None,
    title: str = "framewatch: harm reduction, treatment and recovery over time",
    examples_per_label: int = 3,
) -> Path:
    """Write `report.html` (self-contained, charts embedded) and the charts as PNG into `out_dir`; return the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    charts = [
        plot_pair_rates(ts, out / "opposition_share.png", "opposition_share"),
        plot_pair_rates(ts, out / "cooccurrence.png", "cooccurring_units"),
        plot_document_labels(ts, out / "document_labels.png"),
    ]
    attrs = ts.attrs
    cards = {
        "documents in scope": attrs.get("documents_in_scope", "?"),
        "without a reliable date": attrs.get("undated", 0),
        "syndicated copies counted once": attrs.get("syndicated_copies_dropped", 0),
        "periods": ts.loc[ts["period"] != "undated", "period"].nunique(),
    }
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class=muted>Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · "
        f"concept level: {html.escape(str(attrs.get('level', 'family')))} · period: {html.escape(str(attrs.get('freq', '')))}</p>",
        "<div class=cards>" + "".join(f"<div class=card><b>{v}</b>{html.escape(k)}</div>" for k, v in cards.items()) + "</div>",
        "<h2>Opposition over time</h2>", _img(charts[0]),
        "<h2>Appearing together</h2>", _img(charts[1]),
        "<h2>Document framing</h2>", _img(charts[2]),
        "<h2>Relations by period</h2>", _pair_table(ts),
    ]
    if units is not None:
        sections += ["<h2>Evidence: units behind the counts</h2>", _evidence(units, examples_per_label)]
    if topics is not None and not topics.empty:
        top = topics.groupby("topic")["word"].apply(lambda w: ", ".join(w)).reset_index()
        sections += ["<h2>Topics</h2>", top.to_html(index=False, escape=True)]
    sections.append(
        "<h2>Method</h2><p>Concepts, relations and document labels follow the project's codebook "
        "(CODEBOOK.md): a unit is a sentence unless stated; each pair of concepts in a unit is labelled "
        "complementary, neutral or opposition. Shares carry 95% Wilson intervals. Syndicated copies of one "
        "story count once; documents without a reliable publication date are counted above and left out of "
        "every period.</p>"
    )
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(sections)}</body></html>")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
