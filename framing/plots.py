"""PNG charts of a `framing.timeseries` table: opposition share, co-occurrence and document labels over time."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from framing.doclabels import DOC_LABELS  # noqa: E402
from framing.relations import PAIRS  # noqa: E402

PAIR_NAMES = {
    "HARM_REDUCTION+TREATMENT": "harm reduction – treatment",
    "HARM_REDUCTION+RECOVERY": "harm reduction – recovery",
    "TREATMENT+RECOVERY": "treatment – recovery",
}
LABEL_COLOURS = {"integrative": "#3b7dd8", "mixed": "#9b6fc3", "oppositional": "#d8553b",
                 "single": "#b5b5b5", "none": "#e6e6e6"}


def _measure(ts: pd.DataFrame, measure: str) -> pd.DataFrame:
    rows = ts[(ts["measure"] == measure) & (ts["period"] != "undated")]
    if "group" in rows and rows["group"].nunique() > 1:
        raise ValueError("plots take an unsplit time series (by=None); plot each group's rows separately")
    return rows


def _finish(fig: plt.Figure, ax: plt.Axes, path: str | Path, title: str, ylabel: str) -> Path:
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_pair_rates(ts: pd.DataFrame, path: str | Path, measure: str = "opposition_share",
                    min_total: int = 1) -> Path:
    """Line chart of one pair measure per period with its Wilson band (periods under `min_total` left blank)."""
    rows = _measure(ts, measure)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for pair in PAIRS:
        series = rows[rows["pair"] == pair].set_index("period").sort_index()
        series = series[series["total"] >= min_total]
        if series.empty:
            continue
        x = list(series.index)
        line = ax.plot(x, series["rate"], marker="o", ms=3, label=PAIR_NAMES[pair])[0]
        ax.fill_between(x, series["ci_low"], series["ci_high"], color=line.get_color(), alpha=0.15)
    ax.set_ylim(0, 1)
    if ax.lines:
        ax.legend(fontsize=8, frameon=False)
    titles = {"opposition_share": "Share of co-occurrences framed as opposition",
              "cooccurring_units": "Units where two concepts appear together"}
    return _finish(fig, ax, path, titles.get(measure, measure), "share (95% Wilson interval)")


def plot_document_labels(ts: pd.DataFrame, path: str | Path) -> Path:
    """Stacked bars: in-scope documents per period by framing label."""
    rows = _measure(ts, "documents_by_label")
    table = rows.pivot_table(index="period", columns="label", values="count", aggfunc="sum").fillna(0)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bottom = pd.Series(0.0, index=table.index)
    for label in DOC_LABELS:
        if label in table:
            ax.bar(table.index, table[label], bottom=bottom, label=label, color=LABEL_COLOURS[label])
            bottom += table[label]
    ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.3)  # headroom for the legend
    ax.legend(fontsize=8, frameon=False, ncol=5, loc="upper left")
    return _finish(fig, ax, path, "In-scope documents by framing label", "documents")
