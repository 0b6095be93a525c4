"""The HTML report: headline, charts in time order with n, evidence once per story, method; rendered in a real
headless Chromium."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from framing.plots import periods, plot_document_labels, plot_pair_rates
from framing.report import headline, validation_figures, write_report
from framing.timeseries import timeseries

HR_TR, HR_RE = "HARM_REDUCTION+TREATMENT", "HARM_REDUCTION+RECOVERY"
CHROMIUM = shutil.which("chromium")


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    docs, units = [], []
    for i in range(12):
        year = 2020 + i // 4
        label = "complementary" if year == 2020 else "opposition"
        docs.append({"id": f"d{i}", "date": f"{year}-03-0{1 + i % 4}", "scope_label": "core"})
        units.append({"doc_id": f"d{i}", "unit": 0, "text": f"Unit {i} <b>relating</b> the site and treatment.",
                      "concepts": ["HARM_REDUCTION", "TREATMENT"], "pairs": {HR_TR: label}})
    docs.append({"id": "undated", "date": None, "scope_label": "core"})
    units.append({"doc_id": "undated", "unit": 0, "text": "Recovery.", "concepts": ["RECOVERY"], "pairs": {}})
    frame = pd.DataFrame(units)
    frame.attrs["level"] = "family"
    return pd.DataFrame(docs), frame


def _late_series(freq: str) -> pd.DataFrame:
    """HR–RE from 2021 on; HR–TR (drawn first) only from mid-2022: the early pair's periods must not go to
    the end of the axis, as they did when the axis took periods in order of first appearance."""
    docs, units = [], []
    months = pd.period_range("2021-01", "2023-12", freq="M")
    for i, month in enumerate(months):
        day = month.start_time.date().isoformat()
        docs.append({"id": f"t{i}", "date": day, "scope_label": "core"})
        units.append({"doc_id": f"t{i}", "unit": 0, "text": "x", "concepts": ["HARM_REDUCTION", "RECOVERY"],
                      "pairs": {HR_RE: "opposition" if i % 3 == 0 else "neutral"}})
        if month >= pd.Period("2022-07", "M"):
            docs.append({"id": f"r{i}", "date": day, "scope_label": "core"})
            units.append({"doc_id": f"r{i}", "unit": 0, "text": "y", "concepts": ["HARM_REDUCTION", "TREATMENT"],
                          "pairs": {HR_TR: "opposition"}})
    frame = pd.DataFrame(units)
    frame.attrs["level"] = "family"
    return timeseries(pd.DataFrame(docs), frame, freq=freq)


def test_report_holds_the_numbers_and_escapes_text(tmp_path: Path) -> None:
    docs, units = _tables()
    ts = timeseries(docs, units, freq="Y")
    path = write_report(tmp_path, ts, units=units)
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    assert {p.name for p in tmp_path.glob("*.png")} == {"opposition_share.png", "cooccurrence.png", "document_labels.png"}
    assert "<b>relating</b>" not in page and "&lt;b&gt;relating&lt;/b&gt;" in page
    assert "<th>2020</th><td>4 / 0 / 0</td><td>0% (0%–49%) n=4</td>" in page
    assert "<b>1</b>without a reliable date" in page


def test_import_changes_no_global_matplotlib_state() -> None:
    code = ("import matplotlib; matplotlib.use('svg'); import framing, framing.plots, framing.report; "
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "svg"


def test_plots_return_figures_that_pyplot_does_not_hold() -> None:
    import matplotlib.pyplot as plt

    docs, units = _tables()
    ts = timeseries(docs, units, freq="Y")
    before = plt.get_fignums()
    figs = [plot_pair_rates(ts), plot_pair_rates(ts, "cooccurring_units"), plot_document_labels(ts)]
    assert all(isinstance(f, Figure) for f in figs)
    assert plt.get_fignums() == before
    assert all(f._repr_png_().startswith(b"\x89PNG") for f in figs)  # shown by Jupyter without pyplot


@pytest.mark.parametrize("freq", ["Q", "M"])
def test_periods_are_drawn_in_time_order_with_one_panel_per_pair_and_n(freq: str) -> None:
    ts = _late_series(freq)
    order = periods(ts)
    assert order == sorted(order) and order[0].startswith("2021") and order[-1].startswith("2023")
    fig = plot_pair_rates(ts)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(panels) == 3
    for ax in panels:
        for line in ax.lines:
            x = list(line.get_xdata())
            assert x == sorted(x), ax.get_title(loc="left")
    labels = [t.get_text() for t in panels[-1].get_xticklabels()]  # the shared period axis, under the panels
    assert labels == sorted(labels) and labels[0] == order[0]
    hr_tr = next(ax for ax in panels if ax.get_title(loc="left") == "harm reduction – treatment")
    line, *corrected = hr_tr.lines  # the raw share, then the error-corrected share (dashed)
    assert [c.get_linestyle() for c in corrected] == ["--"]
    assert order[int(line.get_xdata()[0])] in ("2022Q3", "2022-07")  # placed where it starts
    n_labels = [t.get_text() for t in hr_tr.texts]
    assert len(n_labels) == len(line.get_xdata()) and all(s.isdigit() for s in n_labels)


def test_split_series_plots_one_line_per_group(tmp_path: Path) -> None:
    docs, units = _tables()
    docs["outlet"] = ["Herald" if i % 2 else "Post" for i in range(len(docs))]
    ts = timeseries(docs, units, freq="Y", by="outlet")
    fig = plot_pair_rates(ts)
    hr_tr = next(ax for ax in fig.axes if ax.get_title(loc="left") == "harm reduction – treatment")
    assert {line.get_label() for line in hr_tr.lines} == {"Herald", "Post"}
    page = write_report(tmp_path, ts, units=units).read_text(encoding="utf-8")
    assert "<th>Herald · 2021</th>" in page and "<th>Post · 2021</th>" in page


def test_headline_states_the_change_or_that_data_are_too_few() -> None:
    docs, units = _tables()
    sparse = headline(timeseries(docs, units, freq="Y"))
    assert sparse.startswith("Too few data to state a trend: only 12 dated units")
    docs, units = [], []
    for i in range(60):
        year = 2019 + i // 20
        docs.append({"id": f"d{i}", "date": f"{year}-05-01", "scope_label": "core"})
        label = "opposition" if (year == 2021 and i % 5) or (year == 2019 and i % 10 == 0) else "neutral"
        units.append({"doc_id": f"d{i}", "unit": 0, "text": "x", "concepts": ["HARM_REDUCTION", "RECOVERY"],
                      "pairs": {HR_RE: label}})
    frame = pd.DataFrame(units)
    frame.attrs["level"] = "family"
    text = headline(timeseries(pd.DataFrame(docs), frame, freq="Y"))
    assert text.startswith("In 2021, 80% (58–92%) of 20 units naming harm reduction and recovery together "
                           "set one against the other, up from 10% in 2019, n = 20."), text
    nothing = timeseries(pd.DataFrame(docs).assign(scope_label="out"), frame, freq="Y")
    assert headline(nothing).startswith("No document is in scope")


def test_evidence_shows_each_story_once_with_its_source_and_markers(tmp_path: Path) -> None:
    text = "We need harm reduction instead of recovery here."
    other = "Recovery and harm reduction go together."
    docs = pd.DataFrame([
        {"id": "a1b2c3d4e5", "date": "2024-02-01", "title": "Council debates site", "outlet": "Herald",
         "url": "https://herald.example/site", "story_id": "s1", "scope_label": "core", "text": text},
        {"id": "f6a7b8c9d0", "date": "2024-02-02", "title": "Council debates site (wire)", "outlet": "Wire",
         "url": "https://wire.example/site", "story_id": "s1", "scope_label": "core", "text": text},
        {"id": "0badc0ffee", "date": "2024-03-01", "title": "Bad link", "outlet": "Post",
         "url": "javascript:alert(1)", "story_id": "s2", "scope_label": "core", "text": other},
    ])
    from framing.analyze import analyze

    units = analyze(docs)
    ts = timeseries(docs, units, freq="Q")
    page = write_report(tmp_path, ts, units=units, docs=docs).read_text(encoding="utf-8")
    evidence = page[page.index("Evidence"):page.index("<h2>Method")]
    assert evidence.count("instead of") >= 1
    assert evidence.count("Council debates site") == 1  # the syndicated copy is not repeated
    assert '<a href="https://herald.example/site">Council debates site</a>' in evidence
    assert "Herald · 2024-02-01" in evidence
    assert "<mark class=marker>instead of</mark>" in evidence
    assert "<mark class=concept>harm reduction</mark>" in evidence
    assert "instead of → opposition" in evidence
    assert "javascript:" not in page and "Bad link" in evidence
    assert not re.search(r"a1b2c3d4e5|f6a7b8c9d0|0badc0ffee", page)  # no hash ids


def test_method_states_counts_validation_and_shares(tmp_path: Path) -> None:
    docs, units = _tables()
    docs = pd.concat([docs, pd.DataFrame([{"id": "off", "date": "2021-01-01", "scope_label": "out"}])])
    ts = timeseries(docs, units, freq="Y")
    page = write_report(tmp_path, ts, units=units).read_text(encoding="utf-8")
    method = page[page.index("<h2>Method"):]
    assert "14 documents given; 13 in scope and 1 out of scope" in method
    assert "1 of them have no reliable publication date" in method
    figures = validation_figures()
    assert figures and all(html.escape(f["result"]) in method and html.escape(f["set"]) in method for f in figures)
    # corrected by default, from the project's real-news confusion matrix, named in the method
    assert "error-corrected</th>" in page and "realnews (n=" in page
    assert (tmp_path / "CODEBOOK.md").is_file() and 'href="CODEBOOK.md"' in method

    opp = ts["measure"] == "opposition_share"
    corrected = ts.assign(corrected=ts["rate"].where(opp) * 0.9, corrected_low=ts["ci_low"].where(opp) * 0.9,
                          corrected_high=ts["ci_high"].where(opp))
    page = write_report(tmp_path / "c", corrected, units=units).read_text(encoding="utf-8")
    assert "error-corrected</th>" in page and "No error-corrected" not in page
    row = re.search(r"<th>2021</th>(.*?)</tr>", page).group(1)
    assert "<td>100% (51%–100%) n=4</td><td>90% (46%–100%)</td>" in row  # raw, then corrected


def test_validation_figures_come_from_the_data_file() -> None:
    data = json.loads((Path(__file__).parents[1] / "framing" / "data" / "validation.json").read_text(encoding="utf-8"))
    assert validation_figures() == data["figures"]
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert all(f["result"] in readme for f in data["figures"])  # the README and the report agree


def test_an_empty_series_gives_a_valid_report(tmp_path: Path) -> None:
    docs = pd.DataFrame([{"id": "1", "date": "2024-01-01", "scope_label": "unscored"}])
    units = pd.DataFrame(columns=["doc_id", "unit", "text", "concepts", "pairs"])
    units.attrs["level"] = "family"
    ts = timeseries(docs, units, freq="Q")
    assert ts.attrs["documents_in_scope"] == 0
    page = write_report(tmp_path, ts, units=units).read_text(encoding="utf-8")
    assert "No document is in scope" in page and page.count("<svg") == 3 and page.endswith("</html>")


# --------------------------------------------------------------------------------------------------
# Rendered in Chromium
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROBE = """<script>
window.addEventListener('load', () => {
  const out = {};
  for (const fig of document.querySelectorAll('figure')) {
    const ticks = [...fig.querySelectorAll('text')].map(t => [t.textContent.trim(), t.getBoundingClientRect()])
      .filter(([s]) => /^\\d{4}(Q\\d|-\\d\\d)?$/.test(s));
    const lines = [...fig.querySelectorAll('g[id^="line-"] path')].map(p => {
      const xs = [...p.getAttribute('d').matchAll(/[ML]\\s*([-\\d.]+)/g)].map(m => +m[1]);
      return [p.closest('g[id^="line-"]').id, xs];
    });
    out[fig.id] = {ticks: ticks.map(([s, r]) => [s, r.left, r.top]), lines};
  }
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def render(html_path: Path, tmp: Path) -> tuple[dict, str, Image.Image]:
    """Load the report in headless Chromium: the laid-out period labels and line paths of each chart (from
    the live DOM), the DOM text, and a screenshot."""
    probe_page = html_path.with_name("probe.html")
    probe_page.write_text(html_path.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                          encoding="utf-8")
    flags = FLAGS + [f"--user-data-dir={tmp / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--virtual-time-budget=5000", "--dump-dom", probe_page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    probe = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1).replace("&amp;", "&"))
    shot = tmp / f"{html_path.parent.name}.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1000,1400", f"--screenshot={shot}", html_path.as_uri()],
                   capture_output=True, timeout=120, check=True)
    return probe, dom, Image.open(shot).convert("RGB")


def assert_periods_in_order(probe: dict, order: list[str]) -> None:
    chart = probe["chart-opposition_share"]
    rows: dict[float, list[tuple[float, str]]] = {}
    for label, left, top in chart["ticks"]:
        rows.setdefault(round(top), []).append((left, label))
    assert rows, "no period labels in the rendered chart"
    for _, labels in rows.items():  # every panel's axis, read left to right on screen
        names = [name for _, name in sorted(labels)]
        assert names == sorted(names) and set(names) <= set(order), names
    for name, xs in chart["lines"]:
        assert xs == sorted(xs), f"{name} runs backwards: {xs}"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    docs, units = _tables()
    path = write_report(tmp_path / "out", timeseries(docs, units, freq="Y"), units=units)
    probe, dom, image = render(path, tmp_path)
    assert dom.count("<svg") == 3 and "Opposition over time" in dom and "opposition (8 units in 8 stories)" in dom
    assert 'id="headline"' in dom
    assert_periods_in_order(probe, ["2020", "2021", "2022"])
    assert image.size == (1000, 1400)
    assert len(image.getcolors(maxcolors=1 << 20)) > 50  # charts drawn, not a blank page


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("freq", ["Q", "M"])
def test_rendered_periods_are_in_time_order(tmp_path: Path, freq: str) -> None:
    ts = _late_series(freq)
    path = write_report(tmp_path / f"out-{freq}", ts)
    probe, _, _ = render(path, tmp_path)
    assert_periods_in_order(probe, periods(ts))
    assert len(probe["chart-opposition_share"]["lines"]) == 3  # one line per pair panel
