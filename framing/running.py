"""Time series and document labels of a corpus too large for memory, accumulated chunk by chunk.

`RunningTimeseries` keeps, per group × period × measure × concept/pair/label, the running count and total
of `framing.timeseries`; its memory grows with the number of periods, not of documents. Feed it the chunks
of `framing.iter_analyze` (documents never span chunks, so every count adds up)::

    running = RunningTimeseries(freq="M")
    for docs, units in analyze_stream(corpus.stream(), chunk_docs=2000):
        running.add(docs, units)
    table = running.frame()   # what timeseries(all_docs, all_units) gives

or, in worker processes that send back only their counts, `running.consume(corpus.stream(), workers=2)`.

`UnitsWriter` keeps the units table, when it is wanted, in one Parquet file written chunk by chunk.

Syndicated copies (`story_id`) are counted once within a chunk only; de-duplicate across the corpus first
(the corpus export keeps one copy per story) when copies may fall in different chunks.
"""
from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from types import TracebackType

import pandas as pd

from framing.analyze import CHUNK_DOCS, collection_paused, iter_analyze
from framing.lexicon import HELPERS
from framing.prevalence import Validation, add_corrected_shares, shipped_validation
from framing.timeseries import FREQS, _period_counts, _rated

_SUMMED_ATTRS = ("undated", "syndicated_copies_dropped", "documents", "documents_in_scope", "out_of_scope",
                 "stories_in_scope", "low_confidence_dropped")


def _record_chunks(docs: Iterable[Mapping[str, object]] | pd.DataFrame, chunk_docs: int) -> Iterator:
    if chunk_docs < 1:
        raise ValueError(f"chunk_docs must be at least 1, not {chunk_docs}")
    if isinstance(docs, pd.DataFrame):
        return (docs.iloc[i:i + chunk_docs] for i in range(0, len(docs), chunk_docs))
    it = iter(docs)
    return iter(lambda: list(islice(it, chunk_docs)), [])


def _analyze_chunk(chunk: list | pd.DataFrame, kwargs: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One chunk's documents (without text) and its units table."""
    frame = chunk if isinstance(chunk, pd.DataFrame) else pd.DataFrame.from_records(chunk)
    text_col = str(kwargs.get("text_col", "text"))
    parts = list(iter_analyze(frame, chunk_docs=max(1, len(frame)), **kwargs))
    return frame.drop(columns=[text_col], errors="ignore"), parts[0]


_WORKER: dict[str, object] = {}  # a pool worker's relation model, set once by `_start_worker`


def _start_worker(model: object, level: str) -> None:
    """Pool initializer: the relation model once per worker (inherited when forked, else the shipped file),
    and one small analysis to load the lexicon, tokenizer and patterns. What the worker holds then lives as
    long as it does: frozen out of cyclic garbage collection, so collections walk only a chunk's objects."""
    import gc

    from framing.analyze import _model, analyze

    _WORKER["model"] = _model(model, level, False)
    analyze([{"id": "warm-up", "text": "Harm reduction and treatment work together."}], level=level,
            model=_WORKER["model"], progress=False)
    gc.freeze()


def _worker_analyze(chunk: list | pd.DataFrame, kwargs: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _analyze_chunk(chunk, {**kwargs, "model": _WORKER["model"], "progress": False})


def _worker_count(chunk: list | pd.DataFrame, kwargs: dict, settings: dict,
                  keep_units: bool) -> tuple[dict, dict, pd.DataFrame | None]:
    docs, units = _worker_analyze(chunk, kwargs)
    part = RunningTimeseries(**settings, correction=None).add(docs, units)
    return part.counts, part.attrs, units if keep_units else None


def _pooled(chunks: Iterator, fn: Callable, args: tuple, workers: int, model: object,
            level: str) -> Iterator:
    """`fn(chunk, *args)` for each chunk in `workers` processes, results in input order; at most two
    chunks per worker are in flight, so memory does not grow with the input."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from framing.analyze import _model
    from framing.classifier import _DEFAULT

    model = _model(model, level, False)  # loaded (or checked) once, here
    fork = "fork" in mp.get_all_start_methods()
    # a forked worker inherits the model; a spawned one reads the shipped file itself, or gets a copy of yours
    shipped = model is _DEFAULT.get(level)
    initargs = (model if fork or not shipped else None, level)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork" if fork else "spawn"),
                             initializer=_start_worker, initargs=initargs) as pool:
        waiting: deque = deque()
        for chunk in chunks:
            waiting.append(pool.submit(fn, chunk, *args))
            if len(waiting) >= 2 * workers:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()


def analyze_stream(docs: Iterable[Mapping[str, object]] | pd.DataFrame, chunk_docs: int = CHUNK_DOCS,
                   workers: int = 1, **kwargs: object) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """(documents, units) per chunk of `docs`: the chunk's records as a table (without their text, which is
    not needed after analysis) and its `iter_analyze` units, labelled exactly as `analyze` labels them.
    With `workers` > 1 the chunks are analysed in that many processes (the relation model loaded once per
    worker) and come back in input order, with the same rows as one process gives."""
    chunks = _record_chunks(docs, chunk_docs)
    if workers <= 1:
        for chunk in chunks:
            yield _analyze_chunk(chunk, kwargs)
        return
    level = str(kwargs.get("level", "family"))
    yield from _pooled(chunks, _worker_analyze, ({k: v for k, v in kwargs.items() if k != "model"},), workers,
                       kwargs.get("model"), level)


class RunningTimeseries:
    """`framing.timeseries` summed over chunks: `add(docs, units)` per chunk, `frame()` at the end."""

    def __init__(self, freq: str = "M", by: str | None = None, level: str = "family",
                 scope: str | Iterable[str] | None = "core", min_date_confidence: float | None = None,
                 correction: Validation | str | None = "realnews") -> None:
        if freq not in FREQS:
            raise ValueError(f"freq must be one of M, Q, Y (or month, quarter, year), not {freq!r}")
        self.freq, self.by, self.level, self.scope = freq, by, level, scope
        self.min_date_confidence, self.correction = min_date_confidence, correction
        self.counts: dict[tuple, list[int]] = {}
        self.attrs: dict[str, object] = {}

    def add(self, docs: pd.DataFrame, units: pd.DataFrame) -> RunningTimeseries:
        """Count one chunk: its documents (id, date, ...) and their `framing.analyze` units."""
        with collection_paused():
            rows, attrs = _period_counts(docs, units, self.freq, self.by, self.level, self.scope,
                                         self.min_date_confidence)
        for *key, count, total in rows:
            held = self.counts.setdefault(tuple(key), [0, 0])
            held[0] += count
            held[1] += total
        self._merge({}, attrs)
        return self

    def consume(self, docs: Iterable[Mapping[str, object]] | pd.DataFrame, chunk_docs: int = CHUNK_DOCS,
                workers: int = 1, units: Callable[[pd.DataFrame], object] | None = None,
                **kwargs: object) -> RunningTimeseries:
        """Analyse `docs` chunk by chunk (`analyze_stream`) and count every chunk; `units`, when given, is
        called with each chunk's units table in input order (e.g. `UnitsWriter.write`). With `workers` > 1
        each worker process analyses and counts whole chunks and sends back only its counts (and the units
        table, when `units` wants it): the counts add up to what one process gives."""
        if kwargs.get("level", self.level) != self.level:
            raise ValueError(f"analysis level {kwargs['level']!r} differs from this series' level {self.level!r}")
        kwargs["level"] = self.level
        if units is None:
            kwargs["empty_units"] = False  # only counted: units without a concept need no row
        if workers <= 1:
            for chunk_docs_, table in analyze_stream(docs, chunk_docs=chunk_docs, **kwargs):
                self.add(chunk_docs_, table)
                if units is not None:
                    units(table)
            return self
        settings = {"freq": self.freq, "by": self.by, "level": self.level, "scope": self.scope,
                    "min_date_confidence": self.min_date_confidence}
        args = ({k: v for k, v in kwargs.items() if k != "model"}, settings, units is not None)
        for counts, attrs, table in _pooled(_record_chunks(docs, chunk_docs), _worker_count, args, workers,
                                            kwargs.get("model"), self.level):
            self._merge(counts, attrs)
            if units is not None:
                units(table)
        return self

    def _merge(self, counts: dict[tuple, list[int]], attrs: dict[str, object]) -> None:
        """Add the counts and attributes of another series (a worker's chunk)."""
        for key, (count, total) in counts.items():
            held = self.counts.setdefault(key, [0, 0])
            held[0] += count
            held[1] += total
        for name in _SUMMED_ATTRS:
            self.attrs[name] = int(self.attrs.get(name, 0)) + int(attrs.get(name, 0))  # type: ignore[call-overload]
        for name in ("freq", "by", "level", "scope", "min_date_confidence"):
            if name in attrs:
                self.attrs[name] = attrs[name]

    def frame(self) -> pd.DataFrame:
        """The tidy table `framing.timeseries` would give for all chunks together."""
        counts = dict(self.counts)
        dated = {(k[0], k[1], k[2]) for k in counts if k[1] != "undated"}
        code = FREQS[self.freq]
        if dated:  # periods no chunk had between the first and the last: zero counts, as timeseries gives
            periods = pd.period_range(min(pd.Period(p, code) for _, p, _ in dated),
                                      max(pd.Period(p, code) for _, p, _ in dated), freq=code)
            shapes = {k[3:] for k in counts if k[1] != "undated"}
            for group in {g for g, _, _ in dated}:
                for period in periods:
                    for shape in shapes:
                        counts.setdefault((group, str(period), period.start_time, *shape), [0, 0])
        helpers = {k[4] for k in counts if k[4] in HELPERS}
        for key in [k for k in counts if k[4] == "HARM_REDUCTION"]:
            for helper in helpers:  # a helper absent from a chunk counted 0 out of the same total
                other = (*key[:4], helper, *key[5:])
                if other not in counts:
                    counts[other] = [0, counts[key][1]]
        out = _rated((*key, count, total) for key, (count, total) in counts.items())
        if len(out):
            out["_undated"] = out["period"] == "undated"
            out = out.sort_values(["group", "_undated", "period"], kind="stable").drop(columns="_undated")
            out = out.reset_index(drop=True)
        out.attrs.update(self.attrs)
        if self.correction is not None:
            validation = self.correction if isinstance(self.correction, Validation) else \
                shipped_validation(self.correction)
            out = add_corrected_shares(out, validation)
        return out


_JSON_COLUMNS = ("concepts", "helpers", "pairs", "probabilities", "markers", "explanations")


class UnitsWriter:
    """Writes `framing.analyze` units tables, chunk after chunk, into one Parquet file.

    Columns keep their names; doc_id and date are stored as text, and the list and dict columns
    (concepts, pairs, probabilities, markers ...) as JSON text, so chunks with different pairs share one
    schema. `read_units(path)` gives the table back as `framing.analyze` returns it.
    """

    def __init__(self, path: str | Path) -> None:
        import pyarrow as pa

        self.path = Path(path)
        self._pa = pa
        self._writer = None
        self.rows = 0

    def write(self, units: pd.DataFrame) -> None:
        """Append one chunk."""
        import pyarrow.parquet as pq

        pa = self._pa
        frame = units.copy()
        frame["doc_id"] = frame["doc_id"].astype(str)
        if "date" in frame.columns:
            frame["date"] = [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                             for v in frame["date"]]
        for col in _JSON_COLUMNS:
            frame[col] = [json.dumps(v, ensure_ascii=False) for v in frame[col]]
        fields = [(c, pa.int64() if c in ("unit", "start", "end", "paragraph") else pa.string())
                  for c in frame.columns]
        table = pa.Table.from_pandas(frame, schema=pa.schema(fields), preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        elif table.schema != self._writer.schema:
            raise ValueError(f"{self.path}: chunk columns {table.schema.names} differ from the first chunk's "
                             f"{self._writer.schema.names}")
        self._writer.write_table(table)
        self.rows += len(frame)

    def close(self) -> None:
        """Finish the file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> UnitsWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def read_units(path: str | Path) -> pd.DataFrame:
    """A units table written by `UnitsWriter`, with its list and dict columns decoded."""
    frame = pd.read_parquet(path)
    for col in _JSON_COLUMNS:
        if col in frame.columns:
            frame[col] = [json.loads(v) for v in frame[col]]
    return frame
