"""Shared fixtures: a real local web server, the team's shared data folder (skipped when absent)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localweb import LocalWeb

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    """A fresh HTTP server on 127.0.0.1 for one test."""
    server = LocalWeb().start()
    yield server
    server.stop()


@pytest.fixture
def shared() -> Path:
    """`../shared` beside the checkout; tests that need it skip cleanly in a user's clone."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED
