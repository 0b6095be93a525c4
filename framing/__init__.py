"""framewatch framing: concepts, relations, document labels, time series, topics, validation and reports.

Works on any table of dated texts (a pandas DataFrame or records with id, date, text); never on storage.

Example::

    import framing
    units = framing.analyze(df)                    # one row per sentence: concepts, pair labels, markers
    labels = framing.document_labels(units)        # integrative / oppositional / mixed / single / none
    ts = framing.timeseries(df, units, freq="Q")   # counts, rates, Wilson intervals per quarter
    topics = framing.TopicModel(topic_range=(3, 12)).fit(df)   # number of topics chosen by coherence
    shares = framing.frame_shares(df, freq="Y")    # policy frames per period (dictionary: unvalidated)
    framing.plot_pair_rates(ts)                    # a matplotlib Figure: one panel per pair
    framing.write_report("report/", ts, units=units, docs=df)
    if framing.embeddings_available():             # the optional extra framewatch[embed]
        vectors = framing.SentenceEncoder().encode(units["text"].tolist())
"""
from framing.compiled import compiled_modules, install

install()  # before any compiled module is imported: an edited source is never hidden by an older build

from framing.analyze import analyze, iter_analyze  # noqa: E402
from framing.classifier import RelationClassifier, default_relation_model, read_labelled, team_examples
from framing.concepts import ConceptDetector, Mention, concepts_in
from framing.doclabels import DOC_LABELS, document_label, document_labels
from framing.embeddings import SentenceEncoder
from framing.embeddings import available as embeddings_available
from framing.embeddings import enabled as embeddings_enabled
from framing.frames import (
    FRAMES,
    FrameDictionary,
    document_frames,
    frame_model,
    frame_paragraphs,
    frame_shares,
    read_frame_codes,
    train_frames,
    validate_frames,
)
from framing.coverage_head import CoverageHead, cross_fit_labels, fit_head
from framing.lexicon import HELPERS, MAIN_CONCEPTS, Lexicon, LexiconError
from framing.relations import LABELS, PAIRS, RuleVerdict, pair_key, rule_relation
from framing.plots import plot_document_labels, plot_pair_rates, plot_shares
from framing.prevalence import Validation, add_corrected_shares, corrected_share, shipped_validation
from framing.report import headline, validation_figures, write_report
from framing.running import RunningTimeseries, UnitsWriter, analyze_stream, read_units
from framing.scale import analyze_dask, timeseries_dask
from framing.timeseries import timeseries, wilson_interval
from framing.topics import (
    TopicModel,
    document_topics,
    representative_documents,
    topic_framing,
    topic_prevalence,
)
from framing.units import Unit, load_punkt, save_punkt, split_units, train_punkt
from framing.validation import (
    adapt,
    agreement,
    coded_items,
    coded_pairs,
    cross_validate_team,
    document_contexts,
    draw_sample,
    krippendorff_alpha,
    read_check,
    read_codes,
    retrain,
    score_labels,
    validation_report,
    write_sample,
)

__all__ = [
    "compiled_modules",
    "CoverageHead",
    "coded_items",
    "coded_pairs",
    "cross_fit_labels",
    "fit_head",
    "read_check",
    "ConceptDetector",
    "DOC_LABELS",
    "FRAMES",
    "FrameDictionary",
    "HELPERS",
    "LABELS",
    "Lexicon",
    "LexiconError",
    "MAIN_CONCEPTS",
    "Mention",
    "PAIRS",
    "RelationClassifier",
    "RuleVerdict",
    "RunningTimeseries",
    "SentenceEncoder",
    "TopicModel",
    "Unit",
    "UnitsWriter",
    "Validation",
    "add_corrected_shares",
    "adapt",
    "agreement",
    "analyze",
    "analyze_dask",
    "timeseries_dask",
    "analyze_stream",
    "concepts_in",
    "corrected_share",
    "cross_validate_team",
    "document_contexts",
    "default_relation_model",
    "document_frames",
    "document_label",
    "document_labels",
    "document_topics",
    "draw_sample",
    "embeddings_available",
    "embeddings_enabled",
    "frame_model",
    "frame_paragraphs",
    "frame_shares",
    "headline",
    "iter_analyze",
    "krippendorff_alpha",
    "load_punkt",
    "pair_key",
    "plot_document_labels",
    "plot_pair_rates",
    "plot_shares",
    "read_codes",
    "read_frame_codes",
    "read_labelled",
    "read_units",
    "representative_documents",
    "retrain",
    "rule_relation",
    "save_punkt",
    "score_labels",
    "shipped_validation",
    "split_units",
    "team_examples",
    "timeseries",
    "topic_framing",
    "topic_prevalence",
    "train_frames",
    "train_punkt",
    "validate_frames",
    "validation_figures",
    "validation_report",
    "wilson_interval",
    "write_report",
    "write_sample",
]
