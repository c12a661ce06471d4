"""``rag eval``: metrics, subsets, the embedding cache, and runs through the real ingestion."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from handlers.cli.main import app
from service import evaluation as ev
from service.embeddings import MiniLMEmbedding
from tests.eval.conftest import DATA, PYDOCS, run_eval

SYSTEMS = {"vector", "text", "hybrid"}
METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")


def test_scores_of_a_known_ranking() -> None:
    scores = ev.score(["a", "b", "c"], ["b"])
    assert scores["recall@1"] == 0.0
    assert scores["recall@5"] == scores["recall@10"] == 1.0
    assert scores["mrr"] == 0.5
    assert scores["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert ev.score(["x", "y"], ["b"])["mrr"] == 0.0


def test_subset_keeps_the_answers_of_the_questions_it_keeps() -> None:
    corpus = ev.load_corpus(PYDOCS / "corpus.jsonl.gz")
    questions = ev.load_questions(PYDOCS / "questions.jsonl")
    sections, kept = ev.subset(corpus, questions, limit_docs=20, limit_questions=6)
    ids = [s.id for s in sections]
    assert len(ids) == len(set(ids)) == 20
    assert len(kept) == 6 and all(r in ids for q in kept for r in q.relevant)
    assert (sections, kept) == ev.subset(corpus, questions, limit_docs=20, limit_questions=6)


def test_the_shipped_question_set_is_split_in_halves() -> None:
    questions = ev.load_questions(PYDOCS / "questions.jsonl")
    splits = [q.split for q in questions]
    assert len(questions) > 150
    assert abs(splits.count("tune") - splits.count("test")) <= len({q.id for q in questions}) // 20
    corpus = {s.id: s for s in ev.load_corpus(PYDOCS / "corpus.jsonl.gz")}
    for q in (q for q in questions if q.answerable):  # answers are in the corpus, but never
        (answer,) = q.relevant  # under their own question
        assert q.question not in ev.document_bytes(corpus[answer]).decode()


def test_cache_returns_the_models_vectors_and_embeds_each_text_once(
    tmp_path: Path, embed_model: MiniLMEmbedding
) -> None:
    path = tmp_path / "cache.sqlite"
    cached = ev.CachedEmbedding(embed_model, path)
    first = cached.get_text_embedding_batch(["alpha beta", "gamma delta"])
    assert np.allclose(first, embed_model.get_text_embedding_batch(["alpha beta", "gamma delta"]))
    again = ev.CachedEmbedding(embed_model, path).get_text_embedding_batch(["gamma delta", "new"])
    assert np.allclose(again[0], first[1], atol=0)
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM emb").fetchone()[0]
    assert rows == 3


def check_shape(report: dict[str, Any], splits: set[str]) -> None:
    assert set(report["results"]) == splits | {"all"}
    for systems in report["results"].values():
        assert set(systems) == SYSTEMS
        for summary in systems.values():
            assert all(0.0 <= summary[m] <= 1.0 for m in METRICS)
            assert summary["recall@1"] <= summary["recall@5"] <= summary["recall@10"]
            curve = summary["recall_curve"]
            assert len(curve) == 10 and curve == sorted(curve)
            latency = summary["latency_ms"]
            assert (
                0 < latency["p50"] <= latency["p95"] and len(latency["all"]) == summary["questions"]
            )
    assert report["corpus"]["failed"] == []


def test_hybrid_finds_the_obvious_answers(tiny_report: tuple[dict[str, Any], Path]) -> None:
    report, _ = tiny_report
    check_shape(report, {"tune", "test"})
    assert report["corpus"]["sections"] == 8 and report["corpus"]["chunks"] >= 8
    assert report["questions"] == 4
    assert report["results"]["all"]["hybrid"]["recall@1"] == 1.0
    assert report["results"]["all"]["vector"]["mrr"] == 1.0
    assert report["results"]["tune"]["hybrid"]["questions"] == 2


def test_pydocs_subset_with_overridden_settings(tmp_path: Path) -> None:
    report = run_eval(
        "--limit-docs",
        "24",
        "--limit-questions",
        "6",
        "--chunk-size",
        "128",
        "--text-weight",
        "0.5",
        "--embed-cache",
        str(tmp_path / "cache.sqlite"),
        str(PYDOCS / "corpus.jsonl.gz"),
        str(PYDOCS / "questions.jsonl"),
    )
    check_shape(report, {"tune", "test"})
    assert report["settings"]["chunk_size"] == 128
    assert report["settings"]["fusion_text_weight"] == 0.5
    assert report["corpus"]["sections"] == 24 and report["questions"] == 6
    assert report["results"]["all"]["hybrid"]["recall@10"] >= 0.5


def test_a_kept_index_is_not_reused_with_another_chunking(tmp_path: Path) -> None:
    common = [str(DATA / "corpus.jsonl"), str(DATA / "questions.jsonl"), "--no-cache"]
    index = ["--index-dir", str(tmp_path / "index"), "--chunk-overlap", "8"]
    first = run_eval(*common, *index, "--chunk-size", "64")
    again = run_eval(*common, *index, "--chunk-size", "64")  # reused: nothing ingested
    assert first["corpus"]["ingest_seconds"] > 0 and again["corpus"]["ingest_seconds"] == 0
    assert again["corpus"]["chunks"] == first["corpus"]["chunks"]
    result = CliRunner().invoke(app, ["eval", *common, *index, "--chunk-size", "96", "--json"])
    assert result.exit_code == 2
    assert "built with" in result.output and "another index directory" in result.output
