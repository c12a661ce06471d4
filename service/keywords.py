"""Keyword (BM25) scoring with one owner's statistics only.

LanceDB's full-text index keeps one set of statistics (document count, average length, term
document frequencies) for the whole table, so a person's BM25 scores, ranks and hence answers
would move when anyone else uploads a document with a chosen word: a side channel across owners.
Here the index only *finds* the owner's rows that match any query term (filtered to the owner
before matching, so which rows match never depends on anyone else); this module then scores
them with statistics taken from that owner's rows alone.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

K1 = 1.2
B = 0.75
MAX_TOKEN_CHARS = 40  # as the full-text index (longer tokens are not indexed)
# The English stop words of the full-text index's tokenizer (tantivy): never scored.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
_WORD = re.compile(r"[^\W_]+")
_WORD_RE2 = r"[\pL\pN]+"


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    # Imported on first use: nltk is slow to import and only the keyword path needs it.
    from nltk.stem.snowball import EnglishStemmer

    return lru_cache(maxsize=65_536)(EnglishStemmer().stem)


def fold(text: str) -> str:
    """Lower case without accents (as the index's ``ascii_folding``)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def query_terms(text: str) -> list[str]:
    """The distinct stemmed terms of a query, stop words dropped, in order of appearance."""
    stem = _stemmer()
    terms: dict[str, None] = {}
    for word in _WORD.findall(fold(text)):
        if word not in STOP_WORDS and len(word) <= MAX_TOKEN_CHARS:
            terms.setdefault(stem(word), None)
    return list(terms)


def _forms(term: str, joined: str) -> list[str]:
    """The words of ``joined`` that stem to ``term`` (all start with most of it)."""
    stem = _stemmer()
    prefix = re.escape(term[: max(1, len(term) - 1)])
    words = set(re.findall(rf"\b{prefix}[^\W_]*", joined))
    return sorted(w for w in words if len(w) <= MAX_TOKEN_CHARS and stem(w) == term)


def owner_bm25(texts: pa.Array, terms: list[str], total_rows: int) -> np.ndarray[Any, Any]:
    """BM25 of each text for ``terms`` with the owner's statistics.

    Args:
        texts: the owner's rows matching any term (all of them, so document frequencies are
            exact).
        terms: stemmed query terms (``query_terms``).
        total_rows: the owner's row count (in the searched scope): the ``N`` of the IDF.

    Returns:
        One score per text (0 where no term occurs).
    """
    folded = pa.array([fold(t) for t in texts.to_pylist()], pa.string())
    lengths = pc.count_substring_regex(folded, _WORD_RE2).to_numpy(zero_copy_only=False)
    lengths = np.maximum(lengths.astype(np.float64), 1.0)
    norm = K1 * (1 - B + B * lengths / lengths.mean())
    joined = "\n".join(folded.to_pylist())
    scores = np.zeros(len(folded), dtype=np.float64)
    n = max(total_rows, len(folded))
    for term in terms:
        forms = _forms(term, joined)
        if not forms:
            continue
        pattern = r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b"
        tf = pc.count_substring_regex(folded, pattern).to_numpy(zero_copy_only=False)
        tf = tf.astype(np.float64)
        df = int(np.count_nonzero(tf))
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        scores += idf * tf * (K1 + 1) / (tf + norm)
    return scores
