"""Evaluation of retrieval and answers over a corpus indexed through the product's ingestion.

``data`` reads corpora and questions, ``indexing`` builds a throw-away index (embeddings
cached), ``ranking`` scores retrievers by section, ``answers`` scores the chat answers.
"""

from service.evaluation.answers import (
    Reply,
    ask,
    evaluate_answers,
    has_fact,
    judge,
    normalize,
    run_answers,
    summarize_answers,
)
from service.evaluation.data import (
    Question,
    Section,
    document_bytes,
    load_corpus,
    load_questions,
    read_jsonl,
    subset,
)
from service.evaluation.indexing import (
    EVAL_OWNER,
    CachedEmbedding,
    EvalIndex,
    build_index,
    open_index,
)
from service.evaluation.ranking import (
    KS,
    MAX_K,
    System,
    default_systems,
    evaluate,
    rank_sections,
    retriever_for,
    run_system,
    score,
    summarize,
)

__all__ = [
    "EVAL_OWNER",
    "KS",
    "MAX_K",
    "CachedEmbedding",
    "EvalIndex",
    "Question",
    "Reply",
    "Section",
    "System",
    "ask",
    "build_index",
    "default_systems",
    "document_bytes",
    "evaluate",
    "evaluate_answers",
    "has_fact",
    "judge",
    "load_corpus",
    "load_questions",
    "normalize",
    "open_index",
    "rank_sections",
    "read_jsonl",
    "retriever_for",
    "run_answers",
    "run_system",
    "score",
    "subset",
    "summarize",
    "summarize_answers",
]
