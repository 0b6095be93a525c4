"""Sub-commands of `framewatch` that measure a corpus over time: `framewatch timeseries` and `framewatch report`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

FREQ_CHOICES = {"month": "M", "quarter": "Q", "year": "Y"}


def _measure_arguments(p: argparse.ArgumentParser, default_freq: str) -> None:
    p.add_argument("--db", required=True, help="the corpus SQLite file")
    p.add_argument("--freq", choices=sorted(FREQ_CHOICES), default=default_freq,
                   help=f"period length (default {default_freq})")
    p.add_argument("--by", choices=["outlet", "source"], default=None, help="split every series by this column")
    p.add_argument("--scope", default="core",
                   help="scope label(s) counted as in scope, comma-separated, or 'all' (default core)")
    p.add_argument("--level", choices=["family", "term"], default="family", help="concept level (default family)")
    p.add_argument("--unit", choices=["sentence", "paragraph", "window", "document"], default="sentence",
                   help="the unit concepts and relations are found in (default sentence)")
    p.add_argument("--min-date-confidence", type=float, default=None, metavar="X",
                   help="leave out documents whose date confidence is below X (0-1; default keep all)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `framewatch` parser."""
    p = sub.add_parser(
        "timeseries",
        help="per-period counts and rates of the concepts and their relations, from a corpus",
        description="Analyse the corpus (concepts, pair relations, document labels) and print, per period, "
        "the CODEBOOK section 5 counts and rates with Wilson 95% intervals as a tidy table.",
    )
    _measure_arguments(p, "month")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")
    p.add_argument("--out", default=None, help="write to this file instead of standard output")
    p.set_defaults(func=run_timeseries)

    p = sub.add_parser(
        "report",
        help="measure the corpus and write report.html, PNG charts and CSV/JSON Lines tables",
        description="Analyse the corpus, store each document's framing label, and write a self-contained "
        "HTML report with charts, the time series, document labels and the units behind the counts.",
    )
    _measure_arguments(p, "quarter")
    p.add_argument("--out", required=True, help="the folder to write into (created if missing)")
    p.add_argument("--topics", type=int, default=0, metavar="N",
                   help="also fit an N-topic LDA model on the in-scope documents and report its topics and their "
                   "prevalence (`framewatch topics` chooses N by coherence)")
    p.add_argument("--frames", action="store_true",
                   help="also chart policy-frame shares per period (shipped dictionary, unvalidated)")
    p.add_argument("--title", default=None, help="the report's title")
    p.set_defaults(func=run_report)


def _measure(args: argparse.Namespace, command: str):  # -> Measurement | None
    from corpus.measure import measure_corpus

    scope = None if args.scope == "all" else [s.strip() for s in args.scope.split(",") if s.strip()]
    try:
        m = measure_corpus(args.db, freq=FREQ_CHOICES[args.freq], scope=scope, level=args.level,
                           by=args.by, unit=args.unit, min_date_confidence=args.min_date_confidence)
    except (FileNotFoundError, ValueError) as exc:
        print(f"framewatch {command}: cannot measure {args.db}: {exc}", file=sys.stderr)
        return None
    if m.timeseries.attrs.get("documents_in_scope", 0) == 0:
        labels = m.docs["scope_label"].fillna("none").value_counts() if len(m.docs) else pd.Series(dtype=int)
        found = ", ".join(f"{n} {label}" for label, n in labels.items()) or "no documents at all"
        print(f"framewatch {command}: no document of {args.db} is in scope ({args.scope}); scope labels found: "
              f"{found}. The output is empty; --scope all counts every document.", file=sys.stderr)
    return m


def run_timeseries(args: argparse.Namespace) -> int:
    """Read the corpus, run the framing analysis and write the time series; returns the exit code."""
    m = _measure(args, "timeseries")
    if m is None:
        return 2
    table = m.timeseries
    if args.format == "csv":
        text = table.to_csv(index=False)
    else:
        out = table.assign(period_start=table["period_start"].dt.strftime("%Y-%m-%d"))
        text = out.to_json(orient="records", lines=True, force_ascii=False)
    note = (f"{table.attrs['undated']} undated documents; "
            f"{table.attrs['syndicated_copies_dropped']} syndicated copies counted once; "
            f"{table.attrs['low_confidence_dropped']} dropped for date confidence")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {len(table)} rows to {args.out}; {note}", file=sys.stderr)
    else:
        sys.stdout.write(text)
        print(note, file=sys.stderr)
    return 0


def run_report(args: argparse.Namespace) -> int:
    """Measure the corpus and write the report and tables into --out; returns the exit code."""
    from corpus.measure import write_outputs

    m = _measure(args, "report")
    if m is None:
        return 2
    topics, extra = None, {}
    in_scope_docs = m.docs[m.docs["id"].isin(set(m.labels["doc_id"].astype(str)))]
    if args.frames and len(in_scope_docs):
        from framing.frames import frame_shares

        extra["frame_shares"] = frame_shares(in_scope_docs.assign(text=in_scope_docs["text"].fillna("")),
                                             freq=FREQ_CHOICES[args.freq])
        Path(args.out).mkdir(parents=True, exist_ok=True)
        extra["frame_shares"].to_csv(Path(args.out) / "frame_shares.csv", index=False)
    if args.topics:
        from framing.topics import TopicModel, topic_prevalence

        in_scope = in_scope_docs.assign(text=in_scope_docs["text"].fillna(""))
        if len(in_scope) < args.topics:
            print(f"framewatch report: {len(in_scope)} documents are too few for {args.topics} topics; "
                  "skipping topics", file=sys.stderr)
        else:
            try:
                model = TopicModel(num_topics=args.topics, random_state=0).fit(in_scope)
            except ValueError as exc:
                print(f"framewatch report: skipping topics: {exc}", file=sys.stderr)
            else:
                topics = model.topics(top_n=8)
                Path(args.out).mkdir(parents=True, exist_ok=True)
                extra["topic_prevalence"] = topic_prevalence(in_scope, model, freq=FREQ_CHOICES[args.freq])
                extra["topic_prevalence"].to_csv(Path(args.out) / "topic_prevalence.csv", index=False)
    files = write_outputs(m, args.out, title=args.title, topics=topics, **extra)
    a = m.timeseries.attrs
    print(f"framewatch report: {a['documents_in_scope']} documents in scope ({a['stories_in_scope']} distinct "
          f"stories), {a['out_of_scope']} out of scope, {a['undated']} undated, {a['low_confidence_dropped']} "
          f"dropped for date confidence; {len(m.units)} units analysed")
    for name, path in files.items():
        print(f"  {name:16} {path}")
    return 0
