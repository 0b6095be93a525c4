"""Sub-commands of `framewatch` that report measures over time: `framewatch timeseries`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

FREQ_CHOICES = {"month": "M", "quarter": "Q", "year": "Y"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `framewatch` parser."""
    p = sub.add_parser(
        "timeseries",
        help="per-period counts and rates of the concepts and their relations, from a corpus",
        description="Analyse the corpus (concepts, pair relations, document labels) and print, per period, "
        "the CODEBOOK section 5 counts and rates with Wilson 95%% intervals as a tidy table.",
    )
    p.add_argument("--db", required=True, help="the corpus SQLite file")
    p.add_argument("--freq", choices=sorted(FREQ_CHOICES), default="month", help="period length (default month)")
    p.add_argument("--by", choices=["outlet", "source"], default=None, help="split every series by this column")
    p.add_argument("--scope", default="core",
                   help="scope label(s) counted as in scope, comma-separated, or 'all' (default core)")
    p.add_argument("--level", choices=["family", "term"], default="family", help="concept level (default family)")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")
    p.add_argument("--out", default=None, help="write to this file instead of standard output")
    p.set_defaults(func=run_timeseries)


def run_timeseries(args: argparse.Namespace) -> int:
    """Read the corpus, run the framing analysis and write the time series; returns the exit code."""
    from corpus.store import Corpus

    db = Path(args.db)
    if not db.is_file():
        print(f"framewatch timeseries: no corpus at {db}", file=sys.stderr)
        return 2
    try:
        with Corpus.open(db, create=False) as corpus:
            docs = corpus.to_frame()
    except (ValueError, OSError) as exc:
        print(f"framewatch timeseries: cannot read {db}: {exc}", file=sys.stderr)
        return 2
    from framing.analyze import analyze
    from framing.timeseries import timeseries

    scope = None if args.scope == "all" else [s.strip() for s in args.scope.split(",") if s.strip()]
    wanted = docs if scope is None else docs[docs["scope_label"].isin(scope)]
    units = analyze(wanted, level=args.level)
    table = timeseries(docs, units, freq=FREQ_CHOICES[args.freq], by=args.by, level=args.level, scope=scope)
    if args.format == "csv":
        text = table.to_csv(index=False)
    else:
        out = table.assign(period_start=table["period_start"].dt.strftime("%Y-%m-%d"))
        text = out.to_json(orient="records", lines=True, force_ascii=False)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {len(table)} rows ({table.attrs['undated']} undated documents, "
              f"{table.attrs['syndicated_copies_dropped']} syndicated copies counted once) to {args.out}",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
        print(f"{table.attrs['undated']} undated documents; "
              f"{table.attrs['syndicated_copies_dropped']} syndicated copies counted once", file=sys.stderr)
    return 0
