"""framewatch corpus: the document store, de-duplication, scope, the monthly update and the command line.

Example::

    from corpus import Corpus, run_update, load_config
    run_update(load_config("framewatch.toml"))
    with Corpus.open("framewatch-data/corpus.sqlite") as db:
        df = db.to_frame(scope="core")
"""
from corpus.archive import WarcArchive, reextract
from corpus.backfill import BackfillReport, backfill
from corpus.config import Config, ConfigError, default_config_text, load_config
from corpus.dedup import NearDuplicateIndex, assign_stories, stories, story_members
from corpus.documents import Document
from corpus.exporters import export
from corpus.hashing import content_hash, doc_id
from corpus.importers import ImportReport, RecordError, import_paths, read_documents
from corpus.ingest import Ingest, document_from_extraction, document_from_record
from corpus.lock import CorpusLock, LockHeld
from corpus.measure import Measurement, measure_corpus, write_outputs
from corpus.retry import RetryQueue, retry_frame
from corpus.runlog import failures_frame, run_sources_frame, runs_frame
from corpus.scope import ScopeScorer
from corpus.store import Corpus, SchemaError
from corpus.update import RunSummary, run_update
from corpus.urls import canonical_url

__all__ = [
    "BackfillReport",
    "Config",
    "ConfigError",
    "Corpus",
    "Document",
    "CorpusLock",
    "ImportReport",
    "Ingest",
    "LockHeld",
    "Measurement",
    "NearDuplicateIndex",
    "RecordError",
    "RetryQueue",
    "RunSummary",
    "SchemaError",
    "ScopeScorer",
    "WarcArchive",
    "assign_stories",
    "backfill",
    "canonical_url",
    "content_hash",
    "default_config_text",
    "doc_id",
    "document_from_extraction",
    "document_from_record",
    "export",
    "failures_frame",
    "import_paths",
    "load_config",
    "measure_corpus",
    "read_documents",
    "reextract",
    "retry_frame",
    "run_sources_frame",
    "run_update",
    "runs_frame",
    "stories",
    "story_members",
    "write_outputs",
]
