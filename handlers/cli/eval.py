"""``rag eval``: retrieval quality of vector, full-text and hybrid search on a question set, and
(``--answers``) the quality of the chat answers."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from service.config import Settings
from service.errors import RagError

if TYPE_CHECKING:  # imported in the command: LlamaIndex and LanceDB load only for `rag eval`
    from service import evaluation as ev

out = Console()
err = Console(stderr=True)
PYDOCS = Path("eval/pydocs")
DEFAULT_CACHE = Path(".rag-data/eval-cache/embeddings.sqlite")
Opt = typer.Option


def eval_command(
    corpus: Annotated[Path, typer.Argument(help="Corpus JSONL(.gz): id, title, text")] = PYDOCS
    / "corpus.jsonl.gz",
    questions: Annotated[
        Path, typer.Argument(help="Questions JSONL: id, question, relevant[, split]")
    ] = PYDOCS / "questions.jsonl",
    limit_docs: Annotated[int | None, Opt(help="Index at most this many sections")] = None,
    limit_questions: Annotated[int | None, Opt(help="Ask at most this many questions")] = None,
    chunk_size: Annotated[int | None, Opt(help="Chunk size in word pieces")] = None,
    chunk_overlap: Annotated[int | None, Opt(help="Chunk overlap in word pieces")] = None,
    vector_weight: Annotated[float | None, Opt(help="Fusion weight of vector search")] = None,
    text_weight: Annotated[float | None, Opt(help="Fusion weight of full-text search")] = None,
    rrf_k: Annotated[int | None, Opt(help="Reciprocal-rank constant")] = None,
    opening_weight: Annotated[
        float | None, Opt(help="Fusion weight of search among document openings (0: off)")
    ] = None,
    candidates: Annotated[int | None, Opt(help="Hits per retriever before fusion")] = None,
    embed_cache: Annotated[
        Path | None, Opt(help="SQLite cache of chunk embeddings (not of queries)")
    ] = DEFAULT_CACHE,
    no_cache: Annotated[bool, Opt("--no-cache", help="Embed every chunk afresh")] = False,
    index_dir: Annotated[
        Path | None,
        Opt(help="Keep the index in this data dir (default: a temporary one); reused if present"),
    ] = None,
    answers: Annotated[
        bool, Opt("--answers", help="Also ask every question through chat and judge the answers")
    ] = False,
    json_out: Annotated[bool, Opt("--json", help="Print JSON")] = False,
) -> None:
    """Index a corpus into a throw-away index and score vector, text and hybrid retrieval."""
    from service import evaluation as ev

    overrides: dict[str, Any] = {
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "fusion_vector_weight": vector_weight,
        "fusion_text_weight": text_weight,
        "fusion_rrf_k": rrf_k,
        "fusion_opening_weight": opening_weight,
        "candidates": candidates,
    }
    sections, qs = ev.subset(
        ev.load_corpus(corpus),
        ev.load_questions(questions),
        limit_docs=limit_docs,
        limit_questions=limit_questions,
    )
    if not qs:
        raise typer.BadParameter("no question has all its relevant sections in the corpus")
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        settings = Settings(
            data_dir=index_dir or Path(tmp), **{k: v for k, v in overrides.items() if v is not None}
        )
        try:
            report = run(settings, sections, qs, None if no_cache else embed_cache, answers=answers)
        except RagError as exc:  # e.g. an --index-dir built with another chunking
            raise typer.BadParameter(exc.message) from exc
    report["corpus"]["path"] = str(corpus)
    if json_out:
        print(json.dumps(report))
    else:
        print_report(report)


def run(
    settings: Settings,
    sections: list[ev.Section],
    questions: list[ev.Question],
    cache: Path | None,
    *,
    answers: bool = False,
) -> dict[str, Any]:
    """Index, evaluate and describe the run as a JSON-ready dict."""
    from service import evaluation as ev

    if settings.sqlite_path.exists():
        index = ev.open_index(sections, settings, cache_path=cache)
    else:
        with err.status(f"indexing {len(sections)} sections") as status:
            index = ev.build_index(
                sections,
                settings,
                cache_path=cache,
                progress=lambda done, total: status.update(f"indexed {done}/{total} sections"),
            )
    results = ev.evaluate(index, questions, ev.default_systems())
    report: dict[str, Any] = {
        "corpus": {
            "sections": len(sections),
            "chunks": index.chunks,
            "failed": index.failed,
            "ingest_seconds": round(index.seconds, 2),
        },
        "questions": len(questions),
        "settings": settings.model_dump(
            include={
                "embed_provider",
                "chunk_size",
                "chunk_overlap",
                "fusion_vector_weight",
                "fusion_text_weight",
                "fusion_rrf_k",
                "fusion_opening_weight",
                "candidates",
                "llm_provider",
                "answer_min_score",
            },
            mode="json",
        ),
        "results": results,
    }
    if answers:
        with err.status(f"answering {len(questions)} questions"):
            report["answers"], report["answer_rows"] = ev.evaluate_answers(index, questions)
    return report


def print_report(report: dict[str, Any]) -> None:
    """A table per split: every retriever's metrics and latency."""
    c = report["corpus"]
    out.print(
        f"{c['sections']} sections, {c['chunks']} chunks, indexed in {c['ingest_seconds']:.1f} s"
    )
    for split, systems in report["results"].items():
        table = Table("retriever", "n", "R@1", "R@5", "R@10", "MRR", "nDCG@10", "p50 ms", "p95 ms")
        table.title = f"split: {split}"
        for name, s in systems.items():
            table.add_row(
                name,
                str(s["questions"]),
                *(f"{s[m]:.3f}" for m in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")),
                f"{s['latency_ms']['p50']:.1f}",
                f"{s['latency_ms']['p95']:.1f}",
            )
        out.print(table)
    if "answers" in report:
        print_answers(report["answers"])


def print_answers(summaries: dict[str, dict[str, Any]]) -> None:
    """One table of answer metrics, a row per split (timing: p50 / p95 ms)."""
    table = Table("split", "n/unans", "fact", "cite rel", "cite P", "cite R", "abst", "false")
    table.add_column("1st tok")
    table.add_column("done")
    table.title = "answers"

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    for split, s in summaries.items():
        table.add_row(
            split,
            f"{s['questions']}/{s['unanswerable']}",
            *(pct(s[m]) for m in ("fact_accuracy", "cites_relevant", "citation_precision")),
            *(pct(s[m]) for m in ("citation_recall", "abstention", "false_abstention")),
            f"{s['first_token_ms']['p50']:.0f}/{s['first_token_ms']['p95']:.0f}",
            f"{s['done_ms']['p50']:.0f}/{s['done_ms']['p95']:.0f}",
        )
    out.print(table)
