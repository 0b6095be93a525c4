"""The HTML report renders in a real headless Chromium with its charts, tables and evidence."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from framing.report import write_report
from framing.timeseries import timeseries

HR_TR = "HARM_REDUCTION+TREATMENT"


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


def test_report_holds_the_numbers_and_escapes_text(tmp_path: Path) -> None:
    docs, units = _tables()
    ts = timeseries(docs, units, freq="Y")
    path = write_report(tmp_path, ts, units=units)
    page = path.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3
    assert {p.name for p in tmp_path.glob("*.png")} == {"opposition_share.png", "cooccurrence.png", "document_labels.png"}
    assert "<b>relating</b>" not in page and "&lt;b&gt;relating&lt;/b&gt;" in page
    assert "<th>2020</th><td>4 / 0 / 0</td><td>0% (0%–49%)</td>" in page
    assert "<b>1</b>without a reliable date" in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    docs, units = _tables()
    path = write_report(tmp_path / "out", timeseries(docs, units, freq="Y"), units=units)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert dom.count("<img") == 3 and "Opposition over time" in dom and "opposition (8 units)" in dom
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", *flags, "--window-size=1000,1400", f"--screenshot={shot}", path.as_uri()],
                   capture_output=True, timeout=120, check=True)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 1400)
    assert len(image.getcolors(maxcolors=1 << 20)) > 50  # charts drawn, not a blank page
