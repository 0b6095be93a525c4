"""Which analysis modules run compiled, and the import rule that keeps a compiled copy honest.

The build (setup.py) compiles the modules named in `COMPILED` with Cython when it can, and records the
SHA-256 of each `.py` file it compiled in `compiled-sources.json`. A module runs compiled only while its
`.py` file still has that hash and FRAMEWATCH_PURE is not "1"; otherwise Python imports the `.py` file, so an
edited source is never hidden by an older extension. Outputs are the same either way (tests/test_compiled.py);
only the speed differs. This module imports nothing from framewatch: setup.py reads `COMPILED` from it.

    >>> import framing
    >>> framing.compiled_modules()  # doctest: +SKIP
    ['anchors', 'analyze', 'concepts', 'lexicon', 'ngrams', 'relations', 'sitenames', 'units']
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Sequence

COMPILED = ("anchors", "analyze", "concepts", "lexicon", "ngrams", "relations", "sitenames", "units")
PACKAGE = Path(__file__).resolve().parent
SOURCES = PACKAGE / "compiled-sources.json"


def _extension(name: str) -> Path | None:
    """The compiled extension file of module `name` beside its source, if the build left one."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = PACKAGE / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def source_digests(names: Sequence[str] = COMPILED) -> dict[str, str]:
    """The SHA-256 of each named module's `.py` file: what the build records and the import rule checks."""
    return {name: hashlib.sha256((PACKAGE / f"{name}.py").read_bytes()).hexdigest() for name in names}


def _recorded() -> dict[str, str]:
    try:
        held = json.loads(SOURCES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return held if isinstance(held, dict) else {}


class SourceWhenStale(importlib.abc.MetaPathFinder):
    """Imports `framing.<name>` from its `.py` file whenever the extension beside it may not be that file
    compiled (hash differs or unrecorded) or FRAMEWATCH_PURE=1; otherwise defers to Python's own finders."""

    def __init__(self) -> None:
        self._recorded: dict[str, str] | None = None

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != "framing" or name not in COMPILED or _extension(name) is None:
            return None
        if os.environ.get("FRAMEWATCH_PURE") != "1":
            if self._recorded is None:
                self._recorded = _recorded()
            if self._recorded.get(name) == source_digests([name])[name]:
                return None  # the extension is this source compiled
        return importlib.util.spec_from_file_location(fullname, PACKAGE / f"{name}.py")


def install() -> None:
    """Put `SourceWhenStale` first on `sys.meta_path` (once per process)."""
    if not any(isinstance(finder, SourceWhenStale) for finder in sys.meta_path):
        sys.meta_path.insert(0, SourceWhenStale())


def compiled_modules() -> list[str]:
    """The modules of `COMPILED` this process runs compiled (imported now if they were not yet)."""
    return [name for name in COMPILED
            if not str(getattr(importlib.import_module(f"framing.{name}"), "__file__", "")).endswith(".py")]
