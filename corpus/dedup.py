"""Near-duplicates: syndicated copies of one article (small edits, another outlet) grouped as one story.

Exact copies are merged by the store on their content hash; copies with edits stay separate documents
(every outlet and URL is kept, so reach is known) and share a `story_id`, found with MinHash LSH
(datasketch) over word shingles. A story's id is the id of the first document the index saw in it;
rebuilt from the corpus, that is the earliest dated one.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param
from tqdm import tqdm

from corpus.documents import Document
from corpus.hashing import normalise_text
from corpus.store import Corpus

DEFAULT_THRESHOLD = 0.5    # estimated Jaccard similarity of shingle sets above which two texts are one story
DEFAULT_SHINGLE_SIZE = 5   # words per shingle
DEFAULT_NUM_PERM = 128     # MinHash permutations
DEFAULT_MIN_WORDS = 12     # shorter texts are too generic to group and get a story of their own


def shingles(text: str | None, size: int = DEFAULT_SHINGLE_SIZE) -> set[bytes]:
    """The set of `size`-word shingles of the normalised text (the whole text when shorter).

    >>> sorted(shingles("A b, c d", size=3))
    [b'a b c', b'b c d']
    """
    words = normalise_text(text).split()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


@lru_cache(maxsize=8)
def _template(num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=1)


def minhash(text: str | None, num_perm: int = DEFAULT_NUM_PERM, size: int = DEFAULT_SHINGLE_SIZE) -> MinHash:
    """The MinHash signature of `text`'s shingles. Seed and shingle hash (CRC-32) are fixed, so
    signatures are the same in every run and process."""
    template = _template(num_perm)
    signature = MinHash(num_perm=num_perm, seed=1, hashfunc=zlib.crc32, permutations=template.permutations,
                        scheme=template.scheme)
    signature.update_batch(sorted(shingles(text, size)))
    return signature


@lru_cache(maxsize=16)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's (bands, rows) for a threshold: the same numbers it computes, by integration taking
    about 40 ms, once per process instead of once per index (each import, update and reextract)."""
    return _optimal_param(threshold, num_perm, 0.5, 0.5)


class NearDuplicateIndex:
    """An in-memory MinHash LSH index of document texts that assigns each new document a story.

    >>> index = NearDuplicateIndex()
    >>> index.add("a", wire_text)                        # doctest: +SKIP
    'a'
    >>> index.add("b", wire_text + " Edited by a local desk.")   # doctest: +SKIP
    'a'
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        num_perm: int = DEFAULT_NUM_PERM,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        min_words: int = DEFAULT_MIN_WORDS,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold {threshold} must be between 0 and 1")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.min_words = min_words
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=_lsh_params(threshold, num_perm))
        self._signatures: dict[str, np.ndarray] = {}
        self._stories: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._stories)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._stories

    def story_of(self, doc_id: str) -> str | None:
        """The story the index gave (or was told for) `doc_id`, or None if it has not seen it."""
        return self._stories.get(doc_id)

    def _signature(self, text: str | None) -> MinHash | None:
        if len(normalise_text(text).split()) < self.min_words:
            return None
        return minhash(text, self.num_perm, self.shingle_size)

    def _similar(self, signature: MinHash, exclude: str | None = None) -> list[tuple[str, float]]:
        values = signature.hashvalues.astype(np.uint32)
        found = []
        for key in self._lsh.query(signature):
            if key != exclude:
                found.append((key, float(np.mean(self._signatures[key] == values))))
        found = [(key, score) for key, score in found if score >= self.threshold]
        return sorted(found, key=lambda item: (-item[1], item[0]))

    def query(self, text: str) -> list[tuple[str, float]]:
        """Indexed documents whose estimated similarity to `text` reaches the threshold, best first."""
        signature = self._signature(text)
        return self._similar(signature) if signature is not None else []

    def add(self, doc_id: str, text: str | None, story_id: str | None = None) -> str:
        """Index a document and return its story: `story_id` when given, else the story of its most
        similar indexed document, else its own id. A document already indexed keeps its story."""
        if doc_id in self._stories:
            return self._stories[doc_id]
        signature = self._signature(text)
        if story_id is None:
            matches = self._similar(signature, exclude=doc_id) if signature is not None else []
            story_id = self._stories[matches[0][0]] if matches else doc_id
        if signature is not None:
            self._lsh.insert(doc_id, signature)
            self._signatures[doc_id] = signature.hashvalues.astype(np.uint32)
        self._stories[doc_id] = story_id
        return story_id

    def remove(self, doc_id: str) -> None:
        """Forget a document (for example before re-adding it with a re-extracted text)."""
        if doc_id in self._signatures:
            self._lsh.remove(doc_id)
            del self._signatures[doc_id]
        self._stories.pop(doc_id, None)

    def assign(self, corpus: Corpus, doc: Document) -> str:
        """Index `doc` (already stored) and record its story in `corpus`; returns the story id."""
        story = self.add(doc.id, doc.text, story_id=doc.story_id)
        if doc.story_id != story:
            corpus.set_story(doc.id, story)
            doc.story_id = story
        return story

    @classmethod
    def from_corpus(
        cls,
        corpus: Corpus,
        *,
        reassign: bool = False,
        progress: bool = False,
        **params: float,
    ) -> NearDuplicateIndex:
        """Build an index over every stored document (oldest first) and give a story to each document
        that has none; with `reassign=True`, recompute every story from scratch."""
        index = cls(**params)  # type: ignore[arg-type]
        docs: Iterable[Document] = corpus.stream()
        if progress:
            docs = tqdm(docs, total=corpus.count(), desc="near-duplicates", unit="doc")
        with corpus.transaction():
            for doc in docs:
                if reassign:
                    doc.story_id = None
                    story = index.add(doc.id, doc.text)
                    corpus.set_story(doc.id, story)
                else:
                    index.assign(corpus, doc)
        return index


def assign_stories(corpus: Corpus, *, reassign: bool = False, progress: bool = False, **params: float) -> int:
    """Group the corpus's near-duplicates into stories; returns how many stories hold more than one document."""
    NearDuplicateIndex.from_corpus(corpus, reassign=reassign, progress=progress, **params)
    table = corpus.sql(
        "SELECT COUNT(*) AS n FROM (SELECT story_id FROM documents WHERE story_id IS NOT NULL "
        "GROUP BY story_id HAVING COUNT(*) > 1)"
    )
    return int(table["n"].iloc[0])


def story_members(corpus: Corpus, story_id: str | None = None) -> pd.DataFrame:
    """One row per URL a story's documents were seen at: story_id, doc_id, url, outlet, source, date, title.

    Exact copies merged into one document keep a row (and outlet) per URL, so a story's reach is the
    number of distinct outlets here. All stories when `story_id` is None.
    """
    where, params = ("WHERE d.story_id = ?", [story_id]) if story_id else ("WHERE d.story_id IS NOT NULL", [])
    return corpus.sql(
        "SELECT d.story_id, d.id AS doc_id, COALESCE(u.url, d.url) AS url, "
        "COALESCE(u.outlet, d.outlet) AS outlet, COALESCE(u.source, d.source) AS source, d.date, d.title "
        f"FROM documents d LEFT JOIN document_urls u ON u.doc_id = d.id {where} "
        "ORDER BY d.story_id, d.date IS NULL, d.date, d.id, u.rowid",
        params,
    )


def stories(corpus: Corpus) -> pd.DataFrame:
    """One row per story: story_id, documents, urls, outlets (sorted list), n_outlets, first_date, title."""
    members = story_members(corpus)
    columns = ["story_id", "documents", "urls", "outlets", "n_outlets", "first_date", "title"]
    if members.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for story, group in members.groupby("story_id", sort=True):
        outlets = sorted({o for o in group["outlet"] if isinstance(o, str) and o})
        dated = group.dropna(subset=["date"])
        first = dated.iloc[0] if not dated.empty else group.iloc[0]
        rows.append({
            "story_id": story, "documents": group["doc_id"].nunique(), "urls": group["url"].nunique(),
            "outlets": outlets, "n_outlets": len(outlets), "first_date": first["date"], "title": first["title"],
        })
    return pd.DataFrame(rows, columns=columns)
