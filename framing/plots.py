"""Charts of a `framing.timeseries` table as matplotlib Figures; the caller shows them or saves them.

Figures are built as `matplotlib.figure.Figure` objects (`Chart`, which also shows itself in Jupyter), not
with pyplot: importing or plotting changes no global state (a notebook keeps its backend, and pyplot keeps
no reference to the figures). Periods are placed in
time order on one shared axis, so a series that starts late never lands at the end of the axis.

Example::

    fig = plot_pair_rates(ts)          # one panel per pair, Wilson band, n over every point
    fig.savefig("opposition_share.png", dpi=110)
"""
from __future__ import annotations

import io

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from framing.doclabels import DOC_LABELS
from framing.relations import PAIRS

PAIR_NAMES = {
    "HARM_REDUCTION+TREATMENT": "harm reduction – treatment",
    "HARM_REDUCTION+RECOVERY": "harm reduction – recovery",
    "TREATMENT+RECOVERY": "treatment – recovery",
}
LABEL_COLOURS = {"integrative": "#3b7dd8", "mixed": "#9b6fc3", "oppositional": "#d8553b",
                 "single": "#b5b5b5", "none": "#e6e6e6"}
CORRECTED = ("corrected", "corrected_low", "corrected_high")
TITLES = {"opposition_share": "Share of co-occurrences framed as opposition",
          "cooccurring_units": "Units where two concepts appear together"}
MAX_TICKS = 24


class Chart(Figure):
    """A matplotlib Figure that shows itself in Jupyter (as PNG) without pyplot or a configured backend."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def periods(ts: pd.DataFrame) -> list[str]:
    """The dated periods of a time series table in time order (by `period_start`, not by first appearance)."""
    dated = ts[ts["period"] != "undated"]
    if dated.empty:
        return []
    first = dated.groupby("period")["period_start"].min().sort_values(kind="stable")
    return [str(p) for p in first.index]


def has_corrected(rows: pd.DataFrame) -> bool:
    """True when the rows carry error-corrected shares (columns corrected, corrected_low, corrected_high)."""
    return all(c in rows.columns for c in CORRECTED) and bool(rows["corrected"].notna().any())


def _rows(ts: pd.DataFrame, measure: str, group: str | None) -> pd.DataFrame:
    rows = ts[(ts["measure"] == measure) & (ts["period"] != "undated")]
    if group is not None:
        if group not in set(rows["group"].astype(str)):
            raise ValueError(f"no group {group!r} in the time series (groups: {', '.join(map(str, rows['group'].unique()))})")
        rows = rows[rows["group"].astype(str) == group]
    return rows


def _period_axis(ax: Axes, order: list[str]) -> None:
    step = max(1, -(-len(order) // MAX_TICKS))
    ticks = list(range(0, len(order), step))
    ax.set_xticks(ticks, [order[i] for i in ticks])
    ax.set_xlim(-0.6, max(len(order) - 0.4, 0.6))
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.grid(axis="y", alpha=0.3)


def _annotate_n(ax: Axes, x: list[int], y: pd.Series, n: pd.Series, many: bool) -> None:
    for xi, yi, ni in zip(x, y, n):
        ax.annotate(str(int(ni)), (xi, yi), textcoords="offset points", xytext=(0, 4), ha="center",
                    fontsize=5 if many else 6.5, color="#555", rotation=90 if many else 0)


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color="#666", transform=ax.transAxes)
    return fig


def plot_pair_rates(ts: pd.DataFrame, measure: str = "opposition_share", min_total: int = 1,
                    group: str | None = None) -> Figure:
    """One panel per pair: the measure per period with its Wilson band and n (the denominator) over each point.

    Periods under `min_total` are left blank. When the rows carry error-corrected shares (`corrected`,
    `corrected_low`, `corrected_high`) they are drawn dashed beside the raw share. A table split `by` a
    column draws one line per group (without bands), unless `group` picks one.
    """
    rows = _rows(ts, measure, group)
    order = periods(ts)
    title = TITLES.get(measure, measure)
    fig = Chart(figsize=(8, 1.0 + 2.0 * len(PAIRS)))
    if rows.empty or not order or int(rows["total"].max()) < min_total:
        fig.set_size_inches(8, 2.0)
        return _empty(fig, f"{title}: no co-occurrence in the dated documents")
    position = {p: i for i, p in enumerate(order)}
    many = len(order) > MAX_TICKS
    groups = sorted(rows["group"].astype(str).unique())
    corrected = measure == "opposition_share" and has_corrected(rows) and len(groups) == 1
    axes = fig.subplots(len(PAIRS), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, pair in zip(axes, PAIRS):
        for g in groups:
            series = rows[(rows["pair"] == pair) & (rows["group"].astype(str) == g) & (rows["total"] >= min_total)]
            series = series.assign(_x=series["period"].map(position)).sort_values("_x")
            if series.empty:
                continue
            x = series["_x"].tolist()
            label = "raw" if len(groups) == 1 else g
            line = ax.plot(x, series["rate"], marker="o", ms=3, lw=1.2, label=label)[0]
            line.set_gid(f"line-{pair}-{g}")
            if len(groups) == 1:
                ax.fill_between(x, series["ci_low"], series["ci_high"], color=line.get_color(), alpha=0.15, lw=0)
            _annotate_n(ax, x, series["rate"], series["total"], many)
            if corrected:
                fixed = series[series["corrected"].notna()]
                if not fixed.empty:
                    cx = fixed["_x"].tolist()
                    ax.plot(cx, fixed["corrected"], ls="--", marker="s", ms=2.5, lw=1, color="#333",
                            label="error-corrected")
                    ax.fill_between(cx, fixed["corrected_low"], fixed["corrected_high"], color="#333",
                                    alpha=0.08, lw=0)
        ax.set_title(PAIR_NAMES[pair], loc="left", fontsize=9)
        ax.set_ylim(0, 1.15)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        _period_axis(ax, order)
        if ax.lines and (corrected or len(groups) > 1):
            ax.legend(fontsize=7, frameon=False, loc="upper left", ncol=min(len(groups), 4) if len(groups) > 1 else 2)
    fig.suptitle(f"{title} (95% Wilson interval; numbers are n)", x=0.01, ha="left", fontsize=10)
    fig.supylabel("share", fontsize=9)
    fig.tight_layout()
    return fig


def plot_document_labels(ts: pd.DataFrame, group: str | None = None) -> Figure:
    """Stacked bars: in-scope documents per period by framing label, the period's total over each bar.

    A table split `by` a column is summed over its groups unless `group` picks one.
    """
    rows = _rows(ts, "documents_by_label", group)
    order = periods(ts)
    fig = Chart(figsize=(8, 3.6))
    if rows.empty or not order:
        fig.set_size_inches(8, 2.0)
        return _empty(fig, "In-scope documents by framing label: no dated document in scope")
    table = (rows.pivot_table(index="period", columns="label", values="count", aggfunc="sum")
             .reindex(order).fillna(0))
    ax = fig.add_subplot()
    x = list(range(len(order)))
    bottom = pd.Series(0.0, index=table.index)
    for label in DOC_LABELS:
        if label in table:
            ax.bar(x, table[label].to_numpy(), bottom=bottom.to_numpy(), label=label, color=LABEL_COLOURS[label])
            bottom += table[label]
    _annotate_n(ax, x, bottom, bottom, len(order) > MAX_TICKS)
    ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.35)  # headroom for the legend and the totals
    ax.legend(fontsize=8, frameon=False, ncol=5, loc="upper left")
    _period_axis(ax, order)
    ax.set_title("In-scope documents by framing label (numbers are the period's documents)", loc="left", fontsize=10)
    ax.set_ylabel("documents")
    fig.tight_layout()
    return fig


def plot_shares(table: pd.DataFrame, key: str, value: str, title: str, top: int = 8) -> Figure:
    """One line per `key` (a topic label or a frame name) of its `value` per period, with the `ci_low`/`ci_high`
    band when present; only the `top` keys with the highest mean are drawn. For `topic_prevalence` (key
    "label", value "prevalence") and `frame_shares` (key "name", value "share")."""
    fig = Chart(figsize=(8, 3.8))
    if table is None or table.empty:
        fig.set_size_inches(8, 2.0)
        return _empty(fig, f"{title}: no dated document")
    order = sorted(table["period"].astype(str).unique())
    position = {p: i for i, p in enumerate(order)}
    keep = table.groupby(key)[value].mean().sort_values(ascending=False).head(top).index
    ax = fig.add_subplot()
    for name in keep:
        series = table[table[key] == name].assign(_x=lambda d: d["period"].astype(str).map(position)).sort_values("_x")
        line = ax.plot(series["_x"], series[value], marker="o", ms=3, lw=1.2, label=str(name))[0]
        if {"ci_low", "ci_high"} <= set(series.columns):
            ax.fill_between(series["_x"], series["ci_low"], series["ci_high"], color=line.get_color(), alpha=0.06, lw=0)
    ax.set_ylim(0, 1.0)
    ax.legend(fontsize=7, frameon=False, loc="upper left", ncol=2)
    _period_axis(ax, order)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"{title} (95% intervals)", loc="left", fontsize=10)
    ax.set_ylabel("share", fontsize=9)
    fig.tight_layout()
    return fig
