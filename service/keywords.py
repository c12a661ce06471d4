"""Keyword (BM25) search with the statistics of one reader's rows only.

LanceDB's full-text index keeps one set of statistics (document count, average length, term
document frequencies) for the whole table, so a person's BM25 scores, ranks and hence answers
would move when anyone else uploads a document with a chosen word: a side channel across owners.
Here each row filter (one owner's rows, or the rows a reader may see) gets its own small
inverted index, built from exactly the rows the filter selects with the full-text index's own
analyzer, and kept until those rows change. Scores use the same BM25 as the index, so with one
owner in the table they agree with it (tests/core/test_keyword_isolation.py pins that).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

K1 = 1.2  # LanceDB's BM25 constants
B = 0.75
MAX_TOKEN_CHARS = 40  # lancedb.index.FTS() defaults: the analyzer below mirrors them
# The English stop words of LanceDB's index, as stemmed tokens (the index drops a token after
# stemming when it is one of these): probed from lancedb 0.40 over the pydocs vocabulary (27k
# words); tantivy's own "english" list is shorter. tests/core/test_keyword_isolation.py pins it.
STOP_WORDS = """
    a about after again against ain all am an and are aren as at be been below between both
    but by can couldn d did didn do doesn don down each few for from further had hadn has
    hasn have haven he her here herself him himself his how i if in into is isn it itself
    just ll m ma me mightn more most mustn my myself needn no nor not now o of off on or
    other our out over own re s same shan she should shouldn so some such t than that the
    their them then there these they this those through to too under until up ve was wasn we
    were weren what when where which while who whom will with won wouldn y you your yourself
""".split()
# Indexes kept, least recently used dropped first: about 0.8 KB of memory per 60-word row
# (postings, ids, vocabulary; measured), so ~200-400 MB at the bound; a reader whose rows pass it
# alone are indexed for each query.
CACHED_ROWS = 250_000

Array = np.ndarray[Any, Any]


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    # The same tantivy pipeline, in the same order, as LanceDB's default FTS() config: simple
    # tokenizer, long tokens dropped, lower case, English Snowball stemmer, English stop words
    # (after stemming), ASCII folding. tantivy ships with LanceDB's LlamaIndex integration.
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .filter(tantivy.Filter.custom_stopword(STOP_WORDS))
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def tokens(text: str) -> list[str]:
    """The terms the full-text index makes of ``text`` (repeats kept)."""
    return list(_analyzer().analyze(text))


@dataclass(frozen=True)
class RowsIndex:
    """An inverted index of the rows one filter selects (postings in CSR form).

    Attributes:
        row_ids: LanceDB row ids, ascending (they name immutable rows: a rewrite gets new ids).
        ids: chunk ids, aligned with ``row_ids`` (ties are broken by id).
        vocab: term -> position in ``starts``.
        starts: postings of term ``t`` are ``rows[starts[t]:starts[t + 1]]``.
        rows: row positions of the postings.
        tf: term frequency of each posting.
        norm: ``K1 * (1 - B + B * length / mean length)`` per row.
    """

    row_ids: Array
    ids: Array
    vocab: dict[str, int]
    starts: Array
    rows: Array
    tf: Array
    norm: Array

    @classmethod
    def build(cls, row_ids: Array, ids: list[str], texts: list[str]) -> RowsIndex:
        """Index ``texts`` (one per row), given in ascending ``row_ids`` order."""
        n = len(texts)
        vocab: dict[str, int] = {}
        terms: list[int] = []
        lengths = np.zeros(n, dtype=np.float64)
        analyze = _analyzer().analyze
        for i, text in enumerate(texts):
            words = analyze(text)
            lengths[i] = len(words)
            terms.extend([vocab.setdefault(w, len(vocab)) for w in words])
        row_of = np.repeat(np.arange(n, dtype=np.int64), lengths.astype(np.int64))
        keys, tf = np.unique(np.asarray(terms, dtype=np.int64) * n + row_of, return_counts=True)
        starts = np.searchsorted(keys // max(n, 1), np.arange(len(vocab) + 1))
        mean = float(lengths.mean()) if n else 1.0
        return cls(
            row_ids=row_ids,
            ids=np.asarray(ids, dtype=object),
            vocab=vocab,
            starts=starts,
            rows=(keys % max(n, 1)).astype(np.int32),
            tf=tf.astype(np.float64),
            norm=K1 * (1 - B + B * lengths / max(mean, 1e-9)),
        )

    def scores(self, query: str) -> Array:
        """BM25 of every row; a term repeated in the query counts again, as in the index."""
        n = len(self.row_ids)
        out = np.zeros(n, dtype=np.float64)
        for term in tokens(query):
            t = self.vocab.get(term)
            if t is None:
                continue
            lo, hi = int(self.starts[t]), int(self.starts[t + 1])
            df = hi - lo
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
            rows, tf = self.rows[lo:hi], self.tf[lo:hi]
            out[rows] += idf * tf * (K1 + 1) / (tf + self.norm[rows])
        return out

    def top(self, query: str, k: int) -> list[tuple[int, str, float]]:
        """The ``k`` best rows with a positive score: ``(row id, chunk id, score)``."""
        if k <= 0:
            return []
        scores = self.scores(query)
        hit = np.flatnonzero(scores > 0)
        if hit.size > k:  # keep every row tied with the k-th best, then order exactly
            hit = hit[scores[hit] >= np.partition(scores[hit], -k)[-k]]
        order = sorted(hit.tolist(), key=lambda i: (-scores[i], self.ids[i]))[:k]
        return [(int(self.row_ids[i]), str(self.ids[i]), float(scores[i])) for i in order]


class KeywordIndex:
    """Per-filter ``RowsIndex`` cache for one LanceDB table.

    An entry is checked against the table version: when it moved, the filter's row ids are
    listed again (a scalar-index lookup) and the entry is rebuilt only if they changed, so
    writes by other people cost the reader one listing, never a rebuild.
    """

    def __init__(self, max_rows: int = CACHED_ROWS) -> None:
        self._max_rows = max_rows
        self._entries: OrderedDict[str, tuple[int, RowsIndex]] = OrderedDict()
        self._lock = threading.Lock()

    def search(self, table: Any, where: str, query: str, k: int) -> list[tuple[int, str, float]]:
        """BM25 over the rows ``where`` selects, with their statistics only."""
        if not tokens(query):
            return []
        return self.rows_index(table, where).top(query, k)

    def rows_index(self, table: Any, where: str) -> RowsIndex:
        """The (cached) index of the rows ``where`` selects in ``table``'s latest version."""
        version = int(table.version)
        with self._lock:
            cached = self._entries.get(where)
            if cached is not None:
                self._entries.move_to_end(where)
        if cached is not None and cached[0] == version:
            return cached[1]
        index = cached[1] if cached is not None else None
        if index is None or not np.array_equal(index.row_ids, _row_ids(table, where)):
            index = _read(table, where)
        with self._lock:
            self._entries[where] = (version, index)
            self._entries.move_to_end(where)
            cached_rows = sum(len(i.row_ids) for _, i in self._entries.values())
            while cached_rows > self._max_rows and self._entries:
                cached_rows -= len(self._entries.popitem(last=False)[1][1].row_ids)
        return index


def _row_ids(table: Any, where: str) -> Array:
    found = table.search().where(where).with_row_id(True).select([]).limit(None).to_arrow()
    return np.sort(found.column("_rowid").to_numpy())


def _read(table: Any, where: str) -> RowsIndex:
    found = (
        table.search().where(where).with_row_id(True).select(["id", "text"]).limit(None).to_arrow()
    )
    row_ids = found.column("_rowid").to_numpy()
    order = np.argsort(row_ids, kind="stable")
    ids = found.column("id").to_pylist()
    texts = found.column("text").to_pylist()
    return RowsIndex.build(row_ids[order], [ids[i] for i in order], [texts[i] or "" for i in order])
