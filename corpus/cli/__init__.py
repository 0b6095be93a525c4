"""The `framewatch` command: one sub-command per job, each defined in a module of this package."""
from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
from collections.abc import Sequence

from corpus.cli import (
    backfill_cmd,
    demo_cmd,
    extract_cmd,
    framing_cmds,
    report_cmds,
    store_cmds,
    topics_cmds,
    update_cmds,
)

_MODULES = (demo_cmd, store_cmds, update_cmds, backfill_cmd, extract_cmd, framing_cmds, report_cmds, topics_cmds)


def _version() -> str:
    try:
        return importlib.metadata.version("framewatch")
    except importlib.metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; each command module adds its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="framewatch",
        description="Collect coverage of drug consumption sites and measure how harm reduction, "
        "treatment and recovery are framed over time.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from scrapers.redact import RedactingFilter

    for handler in logging.getLogger().handlers:  # no credential in a URL reaches a log line
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`framewatch export ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
