"""`framewatch import`, `framewatch export` and `framewatch info`: bring texts in, take the corpus out."""
from __future__ import annotations

import argparse
import sys

from corpus.documents import SCOPE_LABELS
from corpus.store import Corpus, SchemaError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `import`, `export` and `info` sub-commands to the `framewatch` parser."""
    imp = sub.add_parser(
        "import",
        help="import JSON Lines, CSV, Parquet, folders of .txt/.html/.pdf files, or WARC files into the corpus",
        description="Import documents. JSON Lines, CSV and Parquet use the fields id, url, title, date, text "
        "(plus any of the export's columns); news-database columns (Body, Headline, Date, Byline, "
        "Source/Publication, URL/Link, any case) are recognised, others are kept as metadata; map more with "
        "--field. A table without a text column is refused. Folders are walked for .txt, .html and .pdf files "
        "(and any .jsonl/.csv/.parquet/.warc in them). Documents are scored for scope and grouped into "
        "stories. A bad record is reported with its file and line and skipped. Exit code 1 when any record "
        "failed (the rest is imported), 3 when a file was cut short (what came before the cut is imported).",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")
    imp.add_argument("--db", required=True, help="the corpus SQLite file (created when missing)")
    imp.add_argument("--source", default="import", help="source of records that name none (default: import)")
    imp.add_argument("--field", action="append", default=[], metavar="FIELD=COLUMN",
                     help="take a document field from a differently named column, e.g. text=Body (repeatable)")
    imp.add_argument("--stories", action="store_true",
                     help="afterwards, print how many stories hold more than one document")
    imp.set_defaults(func=run_import)

    exp = sub.add_parser(
        "export",
        help="export every document with its scope and framing labels as CSV, JSON Lines or Parquet",
        description="Export the corpus. CSV and JSON Lines go to stdout unless --out is given; "
        "Parquet needs --out.",
    )
    exp.add_argument("--db", required=True, help="the corpus SQLite file")
    exp.add_argument("--format", required=True, choices=("csv", "jsonl", "parquet"))
    exp.add_argument("--out", default=None, help="output file (default: stdout for csv/jsonl)")
    exp.add_argument("--scope", choices=SCOPE_LABELS, action="append",
                     help="only documents with this scope label (repeatable)")
    exp.add_argument("--since", default=None, help="only documents dated on or after YYYY-MM-DD")
    exp.add_argument("--until", default=None, help="only documents dated on or before YYYY-MM-DD")
    exp.set_defaults(func=run_export)

    info = sub.add_parser(
        "info", help="counts of documents by source, outlet, scope and year, and the corpus's size",
        description="Print how many documents the corpus holds, by source, outlet, scope label and year, "
        "with the undated, URL and story totals and the bytes the corpus takes (per document too).")
    info.add_argument("--db", required=True, help="the corpus SQLite file")
    info.set_defaults(func=run_info)


def _open(path: str, create: bool, command: str) -> Corpus | None:
    try:
        return Corpus.open(path, create=create)
    except (FileNotFoundError, ValueError, SchemaError) as error:
        print(f"framewatch {command}: {error}", file=sys.stderr)
        return None


def run_import(args: argparse.Namespace) -> int:
    """Import the paths and print a summary; every failed record is printed as `file:line: problem`."""
    from corpus.dedup import assign_stories
    from corpus.importers import import_paths
    from corpus.ingest import parse_field_map
    from corpus.lock import CorpusLock, LockHeld

    try:
        fields = parse_field_map(args.field)
    except ValueError as error:
        print(f"framewatch import: {error}", file=sys.stderr)
        return 2
    lock = CorpusLock(args.db, "import")
    try:  # refuses at once: an update may hold the corpus for hours, and a waiting import looks hung
        lock.acquire()
    except LockHeld as error:
        print(f"framewatch import: {error}", file=sys.stderr)
        return 3
    db = _open(args.db, True, "import")
    if db is None:
        lock.release()
        return 2
    with lock, db:
        report = import_paths(db, args.paths, source=args.source, fields=fields)
        for error in report.errors:
            print(f"error: {error}", file=sys.stderr)
        for cut in report.truncated:
            print(f"error: {cut}", file=sys.stderr)
        print(f"imported into {args.db}: {report.summary()}")
        if args.stories:
            grouped = assign_stories(db, progress=None)
            print(f"stories with more than one document: {grouped}")
    return report.exit_code


def run_export(args: argparse.Namespace) -> int:
    """Export the corpus; the count goes to stderr so stdout holds only the data."""
    from corpus.exporters import export

    if args.format == "parquet" and not args.out:
        print("framewatch export: parquet is binary; give --out FILE", file=sys.stderr)
        return 2
    db = _open(args.db, False, "export")
    if db is None:
        return 2
    with db:
        try:
            count = export(db, args.out, args.format, scope=args.scope, start=args.since, end=args.until)
        except ValueError as error:
            print(f"framewatch export: {error}", file=sys.stderr)
            return 2
    print(f"exported {count} documents as {args.format}" + (f" to {args.out}" if args.out else ""),
          file=sys.stderr)
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Print the corpus's size and its counts by source, outlet, scope and year (undated counted apart)."""
    db = _open(args.db, False, "info")
    if db is None:
        return 2
    with db:
        tables = db.summary()
        totals = tables["totals"].iloc[0]
        print(f"{args.db}: schema version {db.schema_version}")
        print(f"documents: {totals['documents']}  undated: {totals['undated']}  urls: {totals['urls']}  "
              f"stories: {totals['stories']}")
        print(f"size: {totals['bytes'] / 1e6:,.1f} MB in use, {totals['bytes_per_document']:,} bytes per document")
        for name in ("source", "outlet", "scope", "year"):
            table = tables[name].copy()
            label = "(undated)" if name == "year" else "(none)"
            table[name] = table[name].fillna(label)
            print(f"\nby {name}:")
            print(table.to_string(index=False) if not table.empty else "  (no documents)")
    return 0
