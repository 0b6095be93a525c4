"""`framewatch init`, `update`, `runs` and `reextract`: the monthly update from the command line.

Exit codes of `framewatch update`: 0 finished (nothing failed), 1 partial (a source or some documents
failed; the rest is stored and failed documents are queued for retry), 2 bad configuration or arguments
(nothing ran), 3 another writer holds the corpus lock, 4 failed (every source failed, or nothing succeeded).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from corpus.config import PLACEHOLDER_CONTACT

EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_FAILED = 4


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `framewatch` parser."""
    p = sub.add_parser(
        "init", help="write a commented default update configuration",
        description="Write a commented TOML configuration for `framewatch update`: the data folder, HTTP "
        "politeness, retry settings and a set of real sources. Set `contact` to your own address before "
        "the first update (the placeholder is refused).")
    p.add_argument("path", nargs="?", default="framewatch.toml", help="where to write it (default framewatch.toml)")
    p.add_argument("--data-dir", default="framewatch-data", help="the data folder it names (relative to the file)")
    p.add_argument("--contact", default=PLACEHOLDER_CONTACT,
                   help="the contact address sent to every site (`update` refuses the placeholder default)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "update", help="collect what is new from every configured source into the corpus",
        description="Collect what is new from every enabled source of the configuration into the corpus: "
        "documents that failed before are retried first, then each source is asked for what appeared since "
        "it was last complete. Raw responses are archived as WARC; one writer at a time holds the corpus. "
        "Exit codes: 0 finished, 1 partial (something failed, the rest is stored; failed documents are "
        "queued for retry), 2 bad configuration, 3 the corpus is in use, 4 failed (nothing succeeded).")
    p.add_argument("--config", "-c", required=True, help="the TOML configuration (see `framewatch init`)")
    p.add_argument("--since", type=_date, help="collect from this day (YYYY-MM-DD) instead of where each "
                                               "source stopped; with --until, a backfill")
    p.add_argument("--until", type=_date, help="collect up to this day (default: today)")
    p.add_argument("--db", help="the corpus file (default: <data_dir>/corpus.sqlite)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_update)

    p = sub.add_parser(
        "runs", help="list update runs with per-source counts, failures and durations",
        description="List the update runs recorded in the corpus, newest first: status, per-source counts, "
        "failures by reason (every failed URL with --failures), documents given up on after their retries, "
        "and how many wait for a retry. URLs are shown with credentials redacted.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="the corpus file")
    where.add_argument("--config", "-c", help="the configuration naming the data folder")
    p.add_argument("--run", help="show only this run id")
    p.add_argument("--failures", action="store_true", help="also list every failure with its URL and error")
    p.add_argument("--json", action="store_true", help="print JSON (runs, their sources and failures)")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser(
        "reextract", help="re-run text extraction on the archived WARC responses",
        description="Re-run today's text extraction on the archived WARC responses of the stored documents "
        "and update those whose text, title or date changed. Refuses while another writer holds the corpus.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="the corpus file")
    where.add_argument("--config", "-c", help="the configuration naming the data folder")
    p.add_argument("--data-dir", help="the folder holding warc/ (default: the corpus file's folder)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_reextract)


def cmd_init(args: argparse.Namespace) -> int:
    """Write the default configuration, refusing to overwrite an existing file without --force."""
    from corpus.config import default_config_text

    path = Path(args.path)
    if path.is_dir():
        path = path / "framewatch.toml"
    if path.exists() and not args.force:
        print(f"framewatch init: {path} already exists (use --force to overwrite it)", file=sys.stderr)
        return EXIT_CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(default_config_text(args.data_dir, args.contact), encoding="utf-8")
    print(f"wrote {path}: set `contact` to your address, review the sources, then run\n"
          f"  framewatch update --config {path}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    """Run the update; print its summary; exit code says finished / partial / refused."""
    from corpus.config import ConfigError, load_config
    from corpus.lock import LockHeld
    from corpus.update import run_update

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"framewatch update: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.since and args.until and args.since > args.until:
        print(f"framewatch update: --since {args.since} is after --until {args.until}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        summary = run_update(config, db_path=args.db, since=args.since, until=args.until,
                             progress=not args.quiet and sys.stderr.isatty())
    except LockHeld as exc:
        print(f"framewatch update: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except ConfigError as exc:  # e.g. the placeholder contact address
        print(f"framewatch update: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(summary)
    return {"finished": 0, "partial": EXIT_PARTIAL}.get(summary.status, EXIT_FAILED)


def _db_and_data_dir(args: argparse.Namespace) -> tuple[Path, Path]:
    from corpus.config import load_config

    if getattr(args, "config", None):
        config = load_config(args.config)
        return config.db_path, Path(getattr(args, "data_dir", None) or config.data_dir)
    db = Path(args.db)
    return db, Path(getattr(args, "data_dir", None) or db.resolve().parent)


def cmd_runs(args: argparse.Namespace) -> int:
    """Print the run log as a table (or JSON)."""
    from corpus.config import ConfigError
    from corpus.retry import retry_frame
    from corpus.runlog import failures_frame, run_sources_frame, runs_frame

    try:
        db, _ = _db_and_data_dir(args)
        runs = runs_frame(db)
        queue = retry_frame(db)
    except (ConfigError, FileNotFoundError, ValueError) as exc:
        print(f"framewatch runs: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.run:
        runs = runs[runs["run_id"] == args.run]
        if runs.empty:
            print(f"framewatch runs: no run {args.run!r} in {db}", file=sys.stderr)
            return EXIT_CONFIG
    sources = run_sources_frame(db, args.run)
    failures = failures_frame(db, args.run)
    given_up = queue[queue["status"] == "given_up"]
    pending = queue[queue["status"] == "pending"]
    if args.json:
        runs, sources, failures, given_up = (f.astype(object).where(f.notna(), None)
                                             for f in (runs, sources, failures, given_up))
        out = []
        for run in runs.to_dict("records"):
            run["sources"] = sources[sources["run_id"] == run["run_id"]].drop(columns="run_id").to_dict("records")
            mine = failures[failures["run_id"] == run["run_id"]]
            run["failed_by_reason"] = {s: g["reason"].value_counts().to_dict() for s, g in mine.groupby("source")}
            run["failures"] = mine.drop(columns="run_id").to_dict("records")
            run["given_up"] = given_up[given_up["last_run_id"] == run["run_id"]].drop(
                columns=["status", "next_try", "last_run_id"]).to_dict("records")
            out.append(run)
        print(json.dumps(out, indent=2, default=str, allow_nan=False))
        return 0
    if runs.empty:
        print(f"no update runs recorded in {db}")
        return 0
    for run in runs.itertuples(index=False):
        took = f"{run.duration_s:.1f}s" if run.duration_s == run.duration_s else "-"
        print(f"{run.run_id}  {run.status:<11} started {run.started_at}  took {took}  "
              f"new {run.new}  duplicate {run.duplicate}  out of scope {run.out_of_scope}  failed {run.failed}")
        mine = failures[failures["run_id"] == run.run_id]
        for row in sources[sources["run_id"] == run.run_id].itertuples(index=False):
            reasons = mine[mine["source"] == row.source]["reason"].value_counts()
            failed = ", ".join(f"{r} {n}" for r, n in reasons.items())
            took = f"{row.duration_s:.1f}s" if row.duration_s == row.duration_s else "-"
            print(f"    {row.source:<22} {row.status:<11} discovered {row.discovered:<5} known {row.known:<5} "
                  f"fetched {row.fetched:<5} new {row.new:<5} duplicate {row.duplicate:<4} "
                  f"near-dup {row.near_duplicate:<4} out {row.out_of_scope:<4} failed {row.failed:<4} "
                  f"retried {row.retried:<4} given up {row.given_up:<4} {took}"
                  + (f"  [{failed}]" if failed else ""))
            if isinstance(row.error, str) and row.error:
                print(f"        source failed: {row.error}")
        if args.failures:
            for f in mine.itertuples(index=False):
                print(f"        {f.source}: {f.reason} {f.url or '(whole source)'} — {f.message}")
        for g in given_up[given_up["last_run_id"] == run.run_id].itertuples(index=False):
            print(f"    given up after {g.attempts} attempts: {g.source} {g.url} — {g.last_reason}: {g.last_message}")
    if len(pending):
        print(f"{len(pending)} failed document(s) wait for a retry by the next run "
              f"(earliest next try {pending['next_try'].min()})")
    return 0


def cmd_reextract(args: argparse.Namespace) -> int:
    """Re-extract every archived document and print how many changed."""
    from corpus.archive import reextract
    from corpus.config import ConfigError
    from corpus.lock import CorpusLock, LockHeld

    try:
        db, data_dir = _db_and_data_dir(args)
        if not db.exists():
            raise FileNotFoundError(f"no corpus at {db}")
        with CorpusLock(db, "reextract"):
            frame = reextract(db, data_dir, progress=not args.quiet and sys.stderr.isatty())
    except LockHeld as exc:
        print(f"framewatch reextract: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (ConfigError, FileNotFoundError, ValueError) as exc:
        print(f"framewatch reextract: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    changed = frame[frame["changed"] != ""]
    errors = frame[frame["error"].notna()]
    print(f"re-extracted {len(frame)} archived documents: {len(changed)} changed, {len(errors)} failed")
    for row in changed.itertuples(index=False):
        print(f"  {row.id} {row.url}: {row.changed}")
    for row in errors.itertuples(index=False):
        print(f"  {row.id} {row.url}: {row.error}")
    return 0
