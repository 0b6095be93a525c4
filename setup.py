"""Build hook: the analysis modules of `framing.compiled.COMPILED` compiled with Cython, for about a fifth
less CPU per article; their `.py` files stay the source of truth and run as they are wherever the build
cannot compile (no Cython or C compiler, or FRAMEWATCH_PURE=1 at install time)."""
from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def _compiled_module():
    """framing/compiled.py on its own (stdlib only): the build needs its list, not the package."""
    spec = importlib.util.spec_from_file_location("_framewatch_compiled", HERE / "framing" / "compiled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_COMPILED = _compiled_module()
SOURCES = _COMPILED.SOURCES  # module -> SHA-256 of the .py compiled
JOBS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def extensions() -> list:
    """The Cython extensions, each optional (a failed compile leaves that module in pure Python); none when
    FRAMEWATCH_PURE=1 or Cython is missing. Records the SHA-256 of every source compiled (framing.compiled)."""
    if os.environ.get("FRAMEWATCH_PURE") == "1":
        SOURCES.unlink(missing_ok=True)
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        SOURCES.unlink(missing_ok=True)
        return []
    SOURCES.write_text(json.dumps(_COMPILED.source_digests(), indent=1) + "\n", encoding="utf-8")
    modules = cythonize([f"framing/{name}.py" for name in _COMPILED.COMPILED], build_dir="build/cython", quiet=True,
                        nthreads=JOBS,
                        compiler_directives={"language_level": 3, "binding": True, "annotation_typing": False})
    for module in modules:
        module.optional = True
    return modules


# the modules translate and compile side by side, one per core: most of an install's build time
setup(ext_modules=extensions(), options={"build_ext": {"parallel": JOBS}})
