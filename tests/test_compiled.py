"""The Cython-compiled analysis modules give what their Python source gives, and an edited source is never
hidden by an older compiled copy (framing.compiled)."""
from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import framing
from framing import compiled

ROOT = Path(__file__).resolve().parents[1]

_PURE_DEMO = """
import json, sys
sys.path.insert(0, {tests!r})
import framing
from framing.analyze import analyze
from test_speed_equivalence import REFERENCE, DEMO_EXTRA, _plain, demo_docs, summary
ref = json.loads(REFERENCE.read_text(encoding="utf-8"))["demo"]
got = _plain(summary(analyze(demo_docs(), progress=False), DEMO_EXTRA))
print(json.dumps({{"compiled": framing.compiled_modules(), "equal": got == ref, "docs": len(got)}}))
"""


def _fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded: dict[str, str] | None) -> Path:
    """A package folder holding units.py and an 'extension' beside it, with `recorded` as its build record."""
    source = tmp_path / "units.py"
    source.write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / f"units{importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"not really compiled")
    if recorded is not None:
        (tmp_path / "compiled-sources.json").write_text(json.dumps(recorded), encoding="utf-8")
    monkeypatch.setattr(compiled, "PACKAGE", tmp_path)
    monkeypatch.setattr(compiled, "SOURCES", tmp_path / "compiled-sources.json")
    return source


def test_an_extension_built_from_this_source_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _fake_package(tmp_path, monkeypatch, None)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    (tmp_path / "compiled-sources.json").write_text(json.dumps({"units": digest}), encoding="utf-8")
    monkeypatch.delenv("FRAMEWATCH_PURE", raising=False)
    assert compiled.SourceWhenStale().find_spec("framing.units") is None  # Python's own finder: the extension


def test_an_edited_source_is_imported_instead_of_its_older_extension(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = _fake_package(tmp_path, monkeypatch, {"units": "0" * 64})
    monkeypatch.delenv("FRAMEWATCH_PURE", raising=False)
    spec = compiled.SourceWhenStale().find_spec("framing.units")
    assert spec is not None and Path(spec.origin) == source


def test_an_extension_without_a_build_record_is_not_trusted(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    source = _fake_package(tmp_path, monkeypatch, None)
    spec = compiled.SourceWhenStale().find_spec("framing.units")
    assert spec is not None and Path(spec.origin) == source


def test_framewatch_pure_imports_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _fake_package(tmp_path, monkeypatch, None)
    (tmp_path / "compiled-sources.json").write_text(
        json.dumps({"units": hashlib.sha256(source.read_bytes()).hexdigest()}), encoding="utf-8")
    monkeypatch.setenv("FRAMEWATCH_PURE", "1")
    spec = compiled.SourceWhenStale().find_spec("framing.units")
    assert spec is not None and Path(spec.origin) == source
    assert compiled.SourceWhenStale().find_spec("framing.report") is None  # never compiled: not its business


def test_compiled_and_pure_python_give_the_same_units() -> None:
    running = framing.compiled_modules()
    if not running:
        pytest.skip("this install runs no compiled module (no Cython or C compiler at build time)")
    assert set(running) <= set(compiled.COMPILED)
    # the in-process (compiled) path is held to the reference by test_speed_equivalence; here the pure one
    env = {**os.environ, "FRAMEWATCH_PURE": "1", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _PURE_DEMO.format(tests=str(ROOT / "tests"))], env=env,
                         capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["compiled"] == []
    assert result["docs"] > 10 and result["equal"]
