"""Retrieval variants beyond fusion weights, on an index that ``rag eval --index-dir`` built
(issue 12, third round).

    .venv/bin/python eval/tune_retrieval.py --index-dir .rag-data/eval-index-160 --out x.json

Reads every chunk's vector once and scores exact cosine search in numpy (the same ranking as
the product's exact search: the plain fused baseline below reproduces ``rag eval``'s hybrid
numbers), with the product's own per-owner BM25 for the text side, then compares by section
(recall@1/5, MRR per split):

- pseudo-relevance feedback: the query vector moved towards the mean of the first m hits
  (of the fused list or of vector search), q' = q + beta x mean, then fused again;
- section-level fusion: each retriever ranks sections by their best chunk before fusing, and
  CombSUM of a section's chunk contributions;
- question-word stripping ("How do I ...") for the query embedding, alone and mixed in;
- document openings (issue 12, adopted): vector search among each document's first chunk as a
  third fused list, counted when its similarity is at least ``floor`` x the best chunk's; the
  grid of its weight, the floor, the text weight and rrf_k;
- two chunkings at once (``--second-index DIR``, another chunk size of the same corpus): the
  section lists of vector search on both indexes fused with BM25's, by section;
- sentence-level vectors (``--sentences``): every prose sentence embedded (cached in
  ``--sentence-cache``, about 7 minutes for the pydocs index here); a chunk scores by its best
  sentence, fused as a third list or mixed into the chunk score.

Choose on ``tune``; report ``test``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from service import evaluation as ev
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.rerank import rrf
from service.sentences import split_sentences

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_answers import CACHE, HERE

TEXT_WEIGHT, RRF_K, DEPTH = 0.35, 10, 60  # the two-list fusion defaults before openings
_QUESTION_WORDS = re.compile(
    r"^(how (do|can|should|would) (i|you|we)|how (does|is|are)|why (does|do|is|are|can't|"
    r"doesn't|don't|isn't)|what (is|are|does)|is (it|there)|are there|can (i|you)|should i|"
    r"where (is|are|can i)|which)\s+",
    re.IGNORECASE,
)


class Corpus:
    """Every chunk's vector and section, the questions' vectors and their BM25 lists."""

    def __init__(self, index_dir: Path, qs: list[ev.Question]) -> None:
        corpus = ev.load_corpus(HERE / "pydocs" / "corpus.jsonl.gz")
        index = ev.open_index(
            corpus, Settings(data_dir=index_dir), embed_model=MiniLMEmbedding(), cache_path=CACHE
        )
        store, self.embed = index.services.store, index.services.embed_model
        columns = ["id", "doc_id", "vector", "text", "chunk_index"]
        cols = store._t.to_arrow().select(columns).to_pydict()
        self.texts: list[str] = cols["text"]
        self.opening = np.array(cols["chunk_index"]) == 0
        vectors = np.array(cols["vector"], dtype=np.float32)
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        self.section = [index.sections.get(d) for d in cols["doc_id"]]
        row = {chunk_id: n for n, chunk_id in enumerate(cols["id"])}
        self.query = {q.id: self.unit(self.embed.get_query_embedding(q.question)) for q in qs}
        self.text = {
            q.id: [
                row[h.id]
                for h in store.search_text(q.question, owner=ev.EVAL_OWNER, k=DEPTH)
                if h.id in row
            ]
            for q in qs
        }

    @staticmethod
    def unit(vector: Sequence[float]) -> np.ndarray:
        v = np.asarray(vector, dtype=np.float32)
        return v / np.linalg.norm(v)

    def top(self, scores: np.ndarray, k: int = DEPTH) -> list[int]:
        head = np.argpartition(-scores, k)[:k]
        return [int(i) for i in head[np.argsort(-scores[head])]]

    def sections(self, order: Sequence[int], k: int = 10) -> list[str]:
        out: list[str] = []
        for i in order:
            section = self.section[i]
            if section and section not in out:
                out.append(section)
        return out[:k]


def fuse(lists: Sequence[tuple[Sequence[int], float]], rrf_k: int = RRF_K) -> list[int]:
    """The fused order (the product's weighted reciprocal-rank fusion of item lists)."""
    return [item for item, _ in rrf(lists, rrf_k)]


def metrics(qs: list[ev.Question], rank: Callable[[ev.Question], list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for split in ("tune", "test"):
        rows = [ev.score(rank(q), q.relevant) for q in qs if q.split == split]
        out[split] = {
            m: round(float(np.mean([r[m] for r in rows])), 3)
            for m in ("recall@1", "recall@5", "mrr")
        }
    return out


def variants(c: Corpus, qs: list[ev.Question]) -> dict[str, Callable[[ev.Question], list[str]]]:
    def vector(q: ev.Question, qv: np.ndarray | None = None) -> list[int]:
        return c.top(c.vectors @ (c.query[q.id] if qv is None else qv))

    def hybrid(q: ev.Question, qv: np.ndarray | None = None) -> list[int]:
        return fuse([(vector(q, qv), 1.0), (c.text[q.id], TEXT_WEIGHT)])

    def prf(q: ev.Question, m: int, beta: float, source: str) -> list[str]:
        first = hybrid(q) if source == "fused" else vector(q)
        moved = c.query[q.id] + beta * c.vectors[first[:m]].mean(axis=0)
        return c.sections(hybrid(q, c.unit(moved)))

    def by_section(q: ev.Question, rrf_k: int) -> list[str]:
        lists = [
            (c.sections(vector(q), DEPTH), 1.0),
            (c.sections(c.text[q.id], DEPTH), TEXT_WEIGHT),
        ]
        return fuse(lists, rrf_k)[:10]  # type: ignore[arg-type,return-value]

    def comb_sum(q: ev.Question, extra: float) -> list[str]:
        parts: dict[str, list[float]] = defaultdict(list)
        for order, weight in ((vector(q), 1.0), (c.text[q.id], TEXT_WEIGHT)):
            for rank, i in enumerate(order, start=1):
                parts[c.section[i] or ""].append(weight / (RRF_K + rank))
        score = {s: max(v) + extra * sum(sorted(v)[-3:-1]) for s, v in parts.items() if s}
        return sorted(score, key=lambda s: -score[s])[:10]

    stripped = {
        q.id: c.unit(c.embed.get_query_embedding(_QUESTION_WORDS.sub("", q.question).rstrip("?")))
        for q in qs
    }
    out: dict[str, Callable[[ev.Question], list[str]]] = {
        "vector": lambda q: c.sections(vector(q)),
        "hybrid (default)": lambda q: c.sections(hybrid(q)),
        "question words stripped": lambda q: c.sections(hybrid(q, stripped[q.id])),
        "stripped mixed in (0.5)": lambda q: c.sections(
            hybrid(q, c.unit(c.query[q.id] + 0.5 * stripped[q.id]))
        ),
    }
    for source in ("fused", "vector"):
        for m in (3, 5, 10):
            for beta in (0.3, 0.5, 1.0):
                out[f"prf {source} m={m} beta={beta}"] = lambda q, m=m, b=beta, s=source: prf(
                    q, m, b, s
                )
    for rrf_k in (10, 30, 60):
        out[f"section-level fusion rrf_k={rrf_k}"] = lambda q, k=rrf_k: by_section(q, k)
    for extra in (0.1, 0.25, 0.5):
        out[f"combsum extra={extra}"] = lambda q, e=extra: comb_sum(q, e)
    return out


def sentence_variants(
    c: Corpus, qs: list[ev.Question], cache: Path
) -> dict[str, Callable[[ev.Question], list[str]]]:
    """A chunk scored by its best prose sentence (every sentence embedded once, cached)."""
    if cache.exists():
        saved = pickle.loads(cache.read_bytes())  # noqa: S301 (our own file)
    else:
        unique: dict[str, int] = {}
        pairs = [
            (chunk, unique.setdefault(s.text, len(unique)))
            for chunk, text in enumerate(c.texts)
            for s in split_sentences(text)
            if s.prose
        ]
        texts = list(unique)
        vectors = [
            v
            for i in range(0, len(texts), 64)
            for v in c.embed.get_text_embedding_batch(texts[i : i + 64])
        ]
        saved = {
            "vectors": np.array(vectors, dtype=np.float32),
            "pairs": np.array(pairs, dtype=np.int32),
        }
        cache.write_bytes(pickle.dumps(saved))
    sv = saved["vectors"] / np.linalg.norm(saved["vectors"], axis=1, keepdims=True)
    chunk_of, sentence_of = saved["pairs"][:, 0], saved["pairs"][:, 1]
    best: dict[str, np.ndarray] = {}
    for q in qs:
        scores = np.full(len(c.texts), -1.0, dtype=np.float32)
        np.maximum.at(scores, chunk_of, (sv @ c.query[q.id])[sentence_of])
        best[q.id] = scores
    out: dict[str, Callable[[ev.Question], list[str]]] = {
        "sentence vectors only": lambda q: c.sections(c.top(best[q.id]))
    }
    for weight in (0.5, 1.0):
        out[f"vector + sentences (w={weight}) + text"] = lambda q, w=weight: c.sections(
            fuse(
                [
                    (c.top(c.vectors @ c.query[q.id]), 1.0),
                    (c.top(best[q.id]), w),
                    (c.text[q.id], TEXT_WEIGHT),
                ]
            )
        )
    for share in (0.3, 0.5, 0.7):
        out[f"chunk score mixed with best sentence ({share})"] = lambda q, a=share: c.sections(
            fuse(
                [
                    (c.top((1 - a) * (c.vectors @ c.query[q.id]) + a * best[q.id]), 1.0),
                    (c.text[q.id], TEXT_WEIGHT),
                ]
            )
        )
    return out


def two_chunkings(a: Corpus, b: Corpus) -> dict[str, Callable[[ev.Question], list[str]]]:
    """Vector search on two chunkings of the corpus, fused with BM25 by section."""

    def rank(q: ev.Question, second: float, text: float) -> list[str]:
        lists = [
            (a.sections(a.top(a.vectors @ a.query[q.id]), DEPTH), 1.0),
            (b.sections(b.top(b.vectors @ b.query[q.id]), DEPTH), second),
            (a.sections(a.text[q.id], DEPTH), text),
        ]
        return fuse(lists)[:10]  # type: ignore[arg-type,return-value]

    out: dict[str, Callable[[ev.Question], list[str]]] = {}
    for second in (0.0, 0.5, 1.0):
        for text in (0.25, 0.35, 0.5):
            out[f"two chunkings, second {second}, text {text}"] = lambda q, s=second, t=text: rank(
                q, s, t
            )
    return out


def openings(c: Corpus) -> dict[str, Callable[[ev.Question], list[str]]]:
    """Vector, BM25 and vector search among document openings (first chunks), fused."""

    def rank(q: ev.Question, weight: float, floor: float, text: float, rrf_k: int) -> list[str]:
        scores = c.vectors @ c.query[q.id]
        near = c.opening & (scores >= floor * scores.max())
        opened = [i for i in c.top(np.where(near, scores, -2.0)) if near[i]]
        lists = [(c.top(scores), 1.0), (opened, weight), (c.text[q.id], text)]
        return c.sections(fuse(lists, rrf_k))

    out: dict[str, Callable[[ev.Question], list[str]]] = {}
    for weight in (0.5, 1.0, 2.0, 3.0):
        for floor in (0.0, 0.7, 0.8):
            for text, rrf_k in ((0.2, 30), (0.25, 30), (0.35, 10), (0.2, 20)):
                out[f"openings w={weight} floor={floor} text={text} rrf_k={rrf_k}"] = (
                    lambda q, w=weight, f=floor, t=text, k=rrf_k: rank(q, w, f, t, k)
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--second-index", type=Path, help="another chunking of the corpus")
    parser.add_argument("--sentences", action="store_true", help="also sentence-level vectors")
    parser.add_argument("--sentence-cache", type=Path, help="default: INDEX_DIR/sentences.pkl")
    args = parser.parse_args()
    qs = [q for q in ev.load_questions(HERE / "pydocs" / "questions.jsonl") if q.answerable]
    corpus = Corpus(args.index_dir, qs)
    systems = variants(corpus, qs)
    systems.update(openings(corpus))
    if args.second_index:
        systems.update(two_chunkings(corpus, Corpus(args.second_index, qs)))
    if args.sentences:
        cache = args.sentence_cache or args.index_dir / "sentences.pkl"
        systems.update(sentence_variants(corpus, qs, cache))
    results = {}
    for name, rank in systems.items():
        results[name] = metrics(qs, rank)
        print(f"{name:45s} tune {results[name]['tune']}  test {results[name]['test']}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
