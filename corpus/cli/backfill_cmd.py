"""`framewatch backfill`: WARC files into the corpus in parallel on Dask (see corpus.backfill)."""
from __future__ import annotations

import argparse
import logging
import sys

from corpus.documents import SCOPE_LABELS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `backfill` sub-command to the `framewatch` parser."""
    p = sub.add_parser(
        "backfill",
        help="read WARC files (e.g. Common Crawl News) in parallel on Dask and store the documents in scope",
        description="Read WARC files on a Dask cluster (a LocalCluster on this machine unless --scheduler "
        "names one): extract each HTML/PDF/text response, score its scope, keep the --keep labels, and store "
        "them with de-duplication and stories. This process is the only writer; it commits one segment of "
        "records at a time and records how far each file got, so a re-run after a crash resumes and ends "
        "as one clean run would. Bad records are reported with their file and byte offset and recorded "
        "(table backfill_errors). Exit code 1 when a record or file failed (the rest is stored), 3 when "
        "another process writes to the corpus, 4 when a file was cut short (its whole records are stored).",
    )
    p.add_argument("--warc", action="append", required=True, metavar="GLOB",
                   help="WARC files (.warc, .warc.gz, .arc); a glob in quotes, repeatable")
    p.add_argument("--db", required=True, help="the corpus SQLite file (created when missing)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler, e.g. tcp://scheduler:8786 (its workers must see the files)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--keep", action="append", choices=SCOPE_LABELS + ("all",),
                   help="scope labels to store (repeatable; default core and adjacent; all keeps everything)")
    p.add_argument("--source", default="backfill", help="the source name of the stored documents")
    p.set_defaults(func=run_backfill)


def run_backfill(args: argparse.Namespace) -> int:
    """Run the backfill under the corpus lock; print every error and a summary."""
    from corpus.backfill import KEEP, backfill
    from corpus.lock import CorpusLock, LockHeld
    from corpus.store import Corpus, SchemaError

    if args.workers is not None and args.workers < 1:
        print("framewatch backfill: --workers must be at least 1", file=sys.stderr)
        return 2
    if not getattr(args, "verbose", False):  # Dask logs every worker start and stop at INFO when imported
        try:
            import distributed  # noqa: F401 - sets its own log levels on import; ours come after
        except ImportError:
            pass  # backfill names the extra to install
        logging.getLogger("distributed").setLevel(logging.WARNING)
    keep = None if args.keep and "all" in args.keep else tuple(args.keep or KEEP)
    lock = CorpusLock(args.db, "backfill")
    try:
        lock.acquire()
    except LockHeld as error:
        print(f"framewatch backfill: {error}", file=sys.stderr)
        return 3
    with lock:
        try:
            db = Corpus.open(args.db, create=True)
        except (ValueError, SchemaError) as error:
            print(f"framewatch backfill: {error}", file=sys.stderr)
            return 2
        with db:
            report = backfill(db, args.warc, scheduler=args.scheduler, workers=args.workers, keep=keep,
                              source=args.source)
    for error in [*report.errors, *report.truncated]:
        print(f"error: {error}", file=sys.stderr)
    print(f"backfilled into {args.db}: {report.summary()}")
    return report.exit_code
