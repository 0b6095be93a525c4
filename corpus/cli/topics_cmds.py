"""Sub-commands `framewatch topics` (topic models over a corpus) and `framewatch frames` (policy frames)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from corpus.cli.framing_cmds import load_model_file
from corpus.cli.report_cmds import FREQ_CHOICES


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, help="the corpus SQLite file")
    p.add_argument("--out", required=True, help="the folder to write into (created if missing)")
    p.add_argument("--freq", choices=sorted(FREQ_CHOICES), default="year", help="period length (default year)")
    p.add_argument("--scope", default="core",
                   help="scope label(s) analysed, comma-separated, or 'all' (default core)")


def _range(text: str) -> tuple[int, int]:
    try:
        low, high = (int(x) for x in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--range must look like 3-12, not {text!r}") from None
    if not 2 <= low <= high:
        raise argparse.ArgumentTypeError(f"--range {text}: need 2 <= low <= high")
    return low, high


def register(sub: argparse._SubParsersAction) -> None:
    """Add `framewatch topics` and `framewatch frames`."""
    p = sub.add_parser("topics", help="fit a topic model on the corpus and write topics, prevalence and coherence",
                       description="Fit topics (gensim LDA, or NMF) on the in-scope documents. Unless --topics N "
                       "is given, the number of topics is chosen by coherence (c_v) over --range; the coherence "
                       "table is printed and written. Writes topics.csv, prevalence.csv (per period, with 95%% "
                       "intervals), prevalence_by_outlet.csv, coherence.csv and representative.csv.")
    _common(p)
    p.add_argument("--topics", type=int, default=None, metavar="N", help="fit exactly N topics (no coherence search)")
    p.add_argument("--range", type=_range, default=(3, 12), metavar="LOW-HIGH",
                   help="numbers of topics compared by coherence (default 3-12)")
    p.add_argument("--method", choices=["lda", "nmf"], default="lda", help="topic model (default lda)")
    p.add_argument("--passes", type=int, default=10, help="training passes over the corpus (default 10)")
    p.add_argument("--workers", type=int, default=0,
                   help="LdaMulticore worker processes (default 0: one process, exactly reproducible)")
    p.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    p.add_argument("--framing", action="store_true",
                   help="also analyse concepts and relations and write topic_framing.csv (topic x concept/relation)")
    p.add_argument("--save-model", metavar="DIR", help="save the model (JSON + npz) into DIR")
    p.add_argument("--model", metavar="DIR", help="use the model saved in DIR instead of fitting one")
    p.add_argument("--update-since", metavar="DATE", help="with --model: fold the documents dated on or after "
                   "DATE (YYYY-MM-DD) into the model, without refitting, and save it back into DIR")
    p.add_argument("--rename", action="append", default=[], metavar="TOPIC=LABEL",
                   help="give topic TOPIC your own label (repeatable; saved with --save-model or --model)")
    p.set_defaults(func=run_topics)

    f = sub.add_parser("frames", help="policy frames (Policy Frames Codebook) per paragraph, and their shares per period",
                       description="Label every paragraph of the in-scope documents with one of the 15 policy "
                       "frames, by the shipped dictionary (unvalidated until your codes validate it) or a model "
                       "trained with `framewatch validate --frames CODES --retrain OUT`. Writes frame_shares.csv, "
                       "frame_paragraphs.csv and document_frames.csv.")
    _common(f)
    f.add_argument("--model", help="a frame model .skops from `framewatch validate --frames ... --retrain`")
    f.add_argument("--by", choices=["outlet"], default=None, help="also split the shares by outlet")
    f.add_argument("--sample", type=int, default=0, metavar="N",
                   help="also write frame_coding_sheet.csv: N paragraphs to code (stratified by frame x period)")
    f.set_defaults(func=run_frames)


def _documents(args: argparse.Namespace, command: str) -> pd.DataFrame | None:
    from corpus.store import Corpus

    try:
        with Corpus.open(args.db, create=False) as db:
            docs = db.to_frame()
    except (FileNotFoundError, ValueError) as exc:
        print(f"framewatch {command}: cannot read {args.db}: {exc}", file=sys.stderr)
        return None
    if args.scope != "all":
        wanted = [s.strip() for s in args.scope.split(",") if s.strip()]
        docs = docs[docs["scope_label"].isin(wanted)]
    docs = docs.assign(text=docs["text"].fillna("")).reset_index(drop=True)
    if docs.empty:
        print(f"framewatch {command}: no document of {args.db} is in scope ({args.scope}); --scope all "
              "takes every document", file=sys.stderr)
        return None
    return docs


def run_topics(args: argparse.Namespace) -> int:
    """Fit the topic model and write its tables; returns the exit code."""
    from framing.topics import TopicModel, representative_documents, topic_framing, topic_prevalence

    docs = _documents(args, "topics")
    if docs is None:
        return 2
    low, high = args.range
    if args.model:
        try:
            model = TopicModel.load(args.model)
        except ValueError as exc:
            print(f"framewatch topics: --model {args.model}: {exc}", file=sys.stderr)
            return 2
        if args.update_since:
            dates = pd.to_datetime(docs["date"], errors="coerce", utc=True)
            new = docs[dates >= pd.Timestamp(args.update_since, tz="UTC")]
            model.update(new)
            print(f"framewatch topics: folded {len(new)} documents dated from {args.update_since} into "
                  f"{args.model}", file=sys.stderr)
    else:
        if (args.topics or low) >= len(docs):
            print(f"framewatch topics: {len(docs)} documents are too few for {args.topics or low} topics",
                  file=sys.stderr)
            return 2
        model = TopicModel(num_topics=args.topics, topic_range=(low, min(high, len(docs) - 1)), method=args.method,
                           passes=args.passes, workers=args.workers, random_state=args.seed, verbose=True)
        try:
            model.fit(docs)
        except ValueError as exc:
            print(f"framewatch topics: {exc}", file=sys.stderr)
            return 2
    try:
        model.rename_topics({int(k): v for k, v in (r.split("=", 1) for r in args.rename)})
    except ValueError as exc:
        print(f"framewatch topics: --rename: {exc} (give TOPIC=LABEL, e.g. 0='site openings')", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    freq = FREQ_CHOICES[args.freq]
    model.topics(10).to_csv(out / "topics.csv", index=False)
    prevalence = topic_prevalence(docs, model, freq=freq)
    prevalence.to_csv(out / "prevalence.csv", index=False)
    topic_prevalence(docs, model, freq=freq, by="outlet").to_csv(out / "prevalence_by_outlet.csv", index=False)
    model.coherence_.to_csv(out / "coherence.csv", index=False)
    representative_documents(docs, model).to_csv(out / "representative.csv", index=False)
    if args.framing:
        from framing.analyze import analyze

        topic_framing(docs, analyze(docs), model).to_csv(out / "topic_framing.csv", index=False)
    for folder in {f for f in (args.save_model, args.model if (args.rename or args.update_since) else None) if f}:
        model.save(folder)
    if args.model:
        how = f"{model.num_topics_} topics of the model in {args.model}"
    elif args.topics:
        how = f"{model.num_topics_} topics as asked"
    else:
        how = f"{model.num_topics_} topics: the highest {model.selection} in {low}-{high}"
    print(f"framewatch topics: {len(docs)} documents, {len(model.dictionary_)} words; {how}")
    print(model.coherence_.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    for t, label in enumerate(model.labels()):
        print(f"  topic {t}: {label}")
    print(f"  {prevalence.attrs['undated']} undated documents left out of prevalence; tables in {out}")
    return 0


def run_frames(args: argparse.Namespace) -> int:
    """Label paragraphs with policy frames and write the shares per period; returns the exit code."""
    from framing.frames import UNVALIDATED, document_frames, draw_frame_sample, frame_paragraphs, frame_shares
    from framing.validation import write_sample

    docs = _documents(args, "frames")
    if docs is None:
        return 2
    classifier = load_model_file(args.model, "frames") if args.model else None
    if args.model and classifier is None:
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paragraphs = frame_paragraphs(docs, classifier)
    shares = frame_shares(docs, classifier, freq=FREQ_CHOICES[args.freq], by=args.by, paragraphs=paragraphs)
    shares.to_csv(out / "frame_shares.csv", index=False)
    paragraphs.to_csv(out / "frame_paragraphs.csv", index=False)
    document_frames(paragraphs).to_csv(out / "document_frames.csv", index=False)
    if args.sample:
        write_sample(draw_frame_sample(paragraphs, n=args.sample), out / "frame_coding_sheet.csv")
    overall = paragraphs["frame"].value_counts(normalize=True)
    print(f"framewatch frames: {len(paragraphs)} paragraphs of {len(docs)} documents; "
          f"{shares.attrs['undated']} undated documents left out of the shares; tables in {out}")
    for frame, share in overall.items():
        print(f"  {frame:46} {share:.1%}")
    if classifier is None:
        print(UNVALIDATED)
    return 0
