"""Keyword (BM25) scoring with one owner's statistics only.

LanceDB's full-text index keeps one set of statistics (document count, average length, term
document frequencies) for the whole table, so a person's BM25 scores, ranks and hence answers
would move when anyone else uploads a document with a chosen word: a side channel across owners.
Here the index only *finds* the owner's rows that match any query term (filtered to the owner
before matching, so which rows match never depends on anyone else); this module then scores
them with statistics taken from that owner's rows alone.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

K1 = 1.2
B = 0.75
MAX_TOKEN_CHARS = 40  # as the full-text index (longer tokens are not indexed)
# The English stop words of the full-text index's tokenizer (tantivy): never scored.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
_WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" splits words, as in the index
_COMBINING = re.compile("[\u0300-\u036f]")
_SEP = "\x00"  # joins texts for one pass; never in extracted text


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    # Imported on first use: nltk is slow to import and only the keyword path needs it.
    from nltk.stem.snowball import EnglishStemmer  # type: ignore[import-untyped]

    return lru_cache(maxsize=65_536)(EnglishStemmer().stem)


def fold(text: str) -> str:
    """Lower case without accents (as the index's ``ascii_folding``)."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _COMBINING.sub("", unicodedata.normalize("NFKD", lowered))


def query_terms(text: str) -> list[str]:
    """The distinct stemmed terms of a query, stop words dropped, in order of appearance."""
    stem = _stemmer()
    terms: dict[str, None] = {}
    for word in _WORD.findall(fold(text)):
        if word not in STOP_WORDS and len(word) <= MAX_TOKEN_CHARS:
            terms.setdefault(stem(word), None)
    return list(terms)


def _prefix(term: str) -> str:
    # Words stemming to a term start with all of it but its last letter (y/i and e endings).
    return term if len(term) <= 3 else term[:-1]


def term_frequencies(texts: list[str], terms: list[str]) -> tuple[np.ndarray[Any, Any], list[int]]:
    """``tf[t, i]``: how often a word of ``texts[i]`` stems to ``terms[t]``; and each text's
    length in words. Found by substring search over all texts joined, stems checked."""
    folded = fold(_SEP.join(texts)).split(_SEP)
    starts = [0]
    for text in folded[:-1]:
        starts.append(starts[-1] + len(text) + 1)
    joined = _SEP.join(folded)
    index = {term: i for i, term in enumerate(terms)}
    stem = _stemmer()
    tf = np.zeros((len(terms), len(folded)), dtype=np.float64)
    for prefix in sorted({_prefix(t) for t in terms}):
        # str.find runs at C speed; only real occurrences reach Python
        at = joined.find(prefix)
        while at != -1:
            if at == 0 or not joined[at - 1].isalnum():
                word = _WORD.match(joined, at)
                found = word.group() if word else ""
                row = index.get(stem(found)) if len(found) <= MAX_TOKEN_CHARS else None
                if row is not None:
                    tf[row, bisect_right(starts, at) - 1] += 1
            at = joined.find(prefix, at + 1)
    return tf, [len(text.split()) for text in folded]


def owner_bm25(texts: list[str], terms: list[str], total_rows: int) -> np.ndarray[Any, Any]:
    """BM25 of each text for ``terms`` with the owner's statistics.

    Args:
        texts: the owner's rows matching any term (all of them, so document frequencies are
            exact).
        terms: stemmed query terms (``query_terms``).
        total_rows: the owner's row count (in the searched scope): the ``N`` of the IDF.

    Returns:
        One score per text (0 where no term occurs).
    """
    if not texts or not terms:
        return np.zeros(len(texts), dtype=np.float64)
    tf, words = term_frequencies(texts, terms)
    lengths = np.maximum(np.asarray(words, dtype=np.float64), 1.0)
    norm = K1 * (1 - B + B * lengths / lengths.mean())
    n = max(total_rows, len(texts))
    df = np.count_nonzero(tf, axis=1)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    scores: np.ndarray[Any, Any] = (idf[:, None] * tf * (K1 + 1) / (tf + norm)).sum(axis=0)
    return scores
