"""`framewatch demo`: the main job on the bundled sample site, offline, in about a minute."""
from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add `framewatch demo [--out DIR]`."""
    parser = sub.add_parser(
        "demo",
        help="serve the bundled sample news site on 127.0.0.1 and run the monthly update and the framing "
        "measures on it",
        description="Start a local HTTP server with a bundled sample news site (four fictional outlets, "
        "2019-2026), collect it with the same code a monthly update runs (discover, fetch, extract, store), "
        "measure framing, write CSV/JSON/PNG/HTML outputs and print a summary. Needs no network.",
    )
    parser.add_argument("--out", default="demo-out", metavar="DIR",
                        help="folder for the outputs and the demo corpus (default: demo-out)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from corpus.demo.run import DemoError, run_demo

    try:
        summary = run_demo(args.out)
    except DemoError as exc:
        print(f"framewatch demo: {exc}", file=sys.stderr)
        return 2
    print(summary.format())
    return 0
