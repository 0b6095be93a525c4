"""Sub-commands of `framewatch` (filled in by the owner of this area)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `framewatch` parser."""
