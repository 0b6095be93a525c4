"""examples/walkthrough.ipynb runs offline from start to end in a real Jupyter kernel (nbclient)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_walkthrough_notebook_executes(tmp_path: Path) -> None:
    for name in ("walkthrough.ipynb", "walkthrough_codes.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    nb = nbformat.read(tmp_path / "walkthrough.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # both framing figures and the user's own pyplot figure are displayed
    text = "".join(o.get("text", "") for o in outputs)
    assert "documents in scope" in text and "coder vs analysis labels: n=" in text
    assert (tmp_path / "walkthrough-report" / "report.html").is_file()
    assert (tmp_path / "coding-sheet.csv").is_file()
