"""Sub-commands `framewatch relations` and `framewatch validate` (pair relations and their validation)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from framing.units import UNIT_KINDS as UNITS


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `framewatch` parser."""
    p = sub.add_parser("relations", help="label the relation of every concept pair in each unit of a JSONL file",
                       description="Read documents (JSON Lines {\"id\", \"text\"}, or CSV/Parquet with a text "
                       "column, named as for `framewatch import`) and print one JSON line per unit with "
                       "doc_id, unit, text, concepts, pairs and an explanation of each pair's label.")
    p.add_argument("file", help="JSONL, CSV or Parquet file of documents ('-': JSON Lines on stdin)")
    p.add_argument("--unit", choices=UNITS, default="sentence")
    p.add_argument("--level", choices=("family", "term"), default="family")
    p.add_argument("-k", "--window", type=int, default=3, help="sentences per window for --unit window")
    p.add_argument("--model", help="a .skops model saved by `framewatch validate --retrain` (default: shipped "
                   "model); pickle/joblib files are refused, since loading them can run code")
    p.add_argument("--only-pairs", action="store_true", help="print only units with at least one pair")
    p.set_defaults(func=_relations)

    v = sub.add_parser("validate", help="agreement between human coders and the relation model",
                       description="Report accuracy, per-label P/R/F1, macro-F1 and Krippendorff's alpha "
                       "between coders and between coders and the model; draw a sample to code; retrain, or adapt "
                       "the model to your codes.")
    v.add_argument("codes", nargs="?", help="CSV of coded units (from --sample, coder columns filled in)")
    v.add_argument("--model", help="relation model to compare with (default: shipped model)")
    v.add_argument("--sample", metavar="DOCS", help="JSONL/CSV of documents to draw a coding sample from")
    v.add_argument("--out", help="where --sample writes its CSV (default: stdout)")
    v.add_argument("-n", type=int, default=200, help="number of pairs to sample (default 200)")
    v.add_argument("--unit", choices=UNITS, default="sentence")
    v.add_argument("--level", choices=("family", "term"), default="family")
    v.add_argument("--seed", type=int, default=0, help="random_state of the sample")
    v.add_argument("--retrain", metavar="OUT", help="train a model on CODES (plus the team set) and save it "
                   "as OUT.skops")
    v.add_argument("--no-team", action="store_true", help="with --retrain: train on CODES only")
    v.add_argument("--adapt", metavar="OUT", help="fit a coverage head on CODES over the model, report it "
                   "against the model on folds it never saw, and save the adapted model as OUT.skops")
    v.add_argument("--folds", type=int, default=5, help="folds of --adapt's measurement (default 5)")
    v.add_argument("--docs", metavar="DOCS", help="with CODES: the documents the sample was drawn from, so "
                   "that the model reads each coded unit in its document, as the analysis did")
    v.add_argument("--labels", metavar="JSONL", help="score the model on coded units ({text, pairs})")
    v.add_argument("--cv", type=int, metavar="K", help="K-fold cross-validate the model on the team set")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.add_argument("--frames", metavar="CODES", help="validate policy frames instead: a CSV of coded texts (text, "
                   "coder_1, coder_2, ... with frame names) against the frame dictionary or --model; with "
                   "--retrain OUT, train a frame model on the codes")
    v.set_defaults(func=_validate)


def _read_docs(path: str) -> list[dict]:
    """Documents from a JSON Lines, CSV or Parquet file (the import's reader and column names), or JSON
    Lines on stdin ('-'); bad records are reported on stderr as `file:line: skipped: why`."""
    from corpus.importers import read_documents

    if path == "-":
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "stdin.jsonl"
            copy.write_text(sys.stdin.read(), encoding="utf-8")
            docs, errors = read_documents(copy)
        errors = [type(e)(path, e.message, e.line, e.offset) for e in errors]
    else:
        docs, errors = read_documents(path)
    for error in errors:
        where = f":{error.line}" if error.line is not None else ""
        print(f"{error.path}{where}: skipped: {error.message}", file=sys.stderr)
    records = []
    for number, doc in enumerate(docs, 1):
        record = {"id": doc.id or f"doc{number}", "text": doc.text}
        if doc.date is not None:
            record["date"] = doc.date.isoformat()
        if doc.title:
            record["title"] = doc.title
        records.append(record)
    return records


def _load_model(path: str | None, level: str):
    from framing.classifier import RelationClassifier, default_relation_model
    if not path:
        return default_relation_model(level=level, disk_cache=True)
    try:
        return RelationClassifier.load(path)
    except (OSError, ValueError) as exc:
        print(f"framewatch: --model {path}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _relations(args: argparse.Namespace) -> int:
    from framing.analyze import analyze

    if args.file != "-" and not Path(args.file).exists():
        print(f"framewatch relations: no such file: {args.file}", file=sys.stderr)
        return 2
    docs = _read_docs(args.file)
    if not docs:
        print(f"framewatch relations: no documents with text in {args.file}", file=sys.stderr)
        return 2
    model = _load_model(args.model, args.level)
    units = analyze(docs, unit=args.unit, level=args.level, k=args.window, model=model)
    out = sys.stdout
    for row in units.itertuples(index=False):
        if args.only_pairs and not row.pairs:
            continue
        explanation = {pair: {"label": label, "probability": row.probabilities[pair][label],
                              "probabilities": row.probabilities[pair], "markers": row.explanations[pair]}
                       for pair, label in row.pairs.items()}
        out.write(json.dumps({"doc_id": row.doc_id, "unit": int(row.unit), "text": row.text,
                              "concepts": row.concepts, "pairs": row.pairs, "explanation": explanation},
                             ensure_ascii=False, default=str) + "\n")
    return 0


def _print_report(report, as_json: bool) -> None:
    if as_json:
        print(report.to_json(orient="records"))
    else:
        with_cols = [c for c in report.columns]
        print(report[with_cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))


def load_model_file(path: str, command: str) -> object | None:
    """A model file read with `framing.modelfile.load_model` (no pickle); None after a one-line error."""
    from framing.modelfile import load_model

    try:
        return load_model(path)
    except (OSError, ValueError) as exc:
        print(f"framewatch {command}: --model {path}: {exc}", file=sys.stderr)
        return None


def _validate_frames(args: argparse.Namespace) -> int:
    from framing import frames as F
    from framing.modelfile import save_model

    try:
        codes = F.read_frame_codes(args.frames)
    except (OSError, ValueError) as exc:
        print(f"framewatch validate: {exc}", file=sys.stderr)
        return 2
    if args.retrain:
        try:
            model = F.train_frames(codes, random_state=args.seed)
        except ValueError as exc:
            print(f"framewatch validate: {args.frames}: {exc}", file=sys.stderr)
            return 2
        saved = save_model(model, args.retrain)
        print(f"trained a frame model on {len(codes)} coded texts; saved to {saved}", file=sys.stderr)
        return 0
    model = load_model_file(args.model, "validate") if args.model else None
    if args.model and model is None:
        return 2
    report = F.validate_frames(codes, model)
    keep = [c for c in report.columns if not c.startswith(("f1_", "support_"))]
    _print_report(report[keep], args.json)
    if model is None and not args.json:
        print("model = the shipped frame dictionary. " + F.UNVALIDATED, file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from framing import validation as V

    if args.frames:
        return _validate_frames(args)

    if args.sample:
        from framing.analyze import analyze
        from framing.records import as_frame
        path = Path(args.sample)
        if not path.exists():
            print(f"framewatch validate: no such file: {path}", file=sys.stderr)
            return 2
        docs = as_frame(_read_docs(str(path)))
        units = analyze(docs, unit=args.unit, level=args.level, model=_load_model(args.model, args.level))
        sample = V.draw_sample(units, n=args.n, random_state=args.seed)
        if args.out:
            V.write_sample(sample, args.out)
            print(f"wrote {len(sample)} pairs to code to {args.out}", file=sys.stderr)
        else:
            sample.to_csv(sys.stdout, index=False)
        return 0
    if args.cv:
        report = V.cross_validate_team(k=args.cv, level=args.level)
        _print_report(report, args.json)
        return 0
    if args.labels:
        report = V.score_labels(args.labels, model=_load_model(args.model, args.level))
        _print_report(report, args.json)
        return 0
    if not args.codes:
        print("framewatch validate: give CODES.csv, or --sample DOCS, --labels JSONL or --cv K", file=sys.stderr)
        return 2
    try:
        codes = V.read_codes(args.codes)
    except (OSError, ValueError) as exc:
        print(f"framewatch validate: {exc}", file=sys.stderr)
        return 2
    if args.retrain:
        model = V.retrain(codes, include_team=not args.no_team, level=args.level)
        saved = model.save(args.retrain)
        print(f"trained on {model.n_train_} pairs; saved to {saved}", file=sys.stderr)
        return 0
    documents = None
    if args.docs:
        if not Path(args.docs).exists():
            print(f"framewatch validate: no such file: {args.docs}", file=sys.stderr)
            return 2
        documents = V.document_contexts(_read_docs(args.docs))
    if args.adapt:
        try:
            adapted, report = V.adapt(codes, model=_load_model(args.model, args.level), folds=args.folds,
                                      documents=documents)
        except ValueError as exc:
            print(f"framewatch validate: {args.codes}: {exc}", file=sys.stderr)
            return 2
        _print_report(report, args.json)
        saved = adapted.save(args.adapt)
        print(f"fitted a coverage head on {adapted.coverage_head_.n_train_} coded pairs; saved the adapted model "
              f"to {saved} (use it with --model; keep it only if its row beats the model's)", file=sys.stderr)
        return 0
    report = V.validation_report(codes, model=_load_model(args.model, args.level), documents=documents)
    _print_report(report, args.json)
    return 0
