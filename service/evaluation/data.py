"""Evaluation data: corpus entries and questions, read from JSON lines or a folder of files.

Corpus ``{"id", "title", "text"}`` per line, or a folder whose files each become one entry
(id: the file name), ingested as uploaded. Questions ``{"id", "question", "relevant": [ids],
"split"?, "answer"?: [phrases], "kind"?}``; ``"relevant": []`` marks an unanswerable question.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Section:
    """One corpus entry (one document in the index); ``raw`` holds an uploaded file's bytes."""

    id: str
    title: str
    text: str
    raw: bytes | None = None


@dataclass(frozen=True)
class Question:
    """One query, the ids of the sections that answer it and the phrases a good answer has."""

    id: str
    question: str
    relevant: tuple[str, ...]
    split: str = "all"
    answer: tuple[str, ...] = ()
    kind: str = ""

    @property
    def answerable(self) -> bool:
        """Whether some section answers it (``"relevant": []`` means none does)."""
        return bool(self.relevant)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSON-lines file (gzip-compressed if the name ends in ``.gz``)."""
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_corpus(path: Path) -> list[Section]:
    """The corpus entries of a JSONL file, or one entry per file of a folder."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        return [Section(p.name, "", "", p.read_bytes()) for p in files]
    return [
        Section(str(r["id"]), str(r.get("title", "")), str(r["text"])) for r in read_jsonl(path)
    ]


def load_questions(path: Path) -> list[Question]:
    """The questions of ``path``."""
    return [
        Question(
            str(r["id"]),
            str(r["question"]),
            tuple(r["relevant"]),
            str(r.get("split", "all")),
            tuple(str(a) for a in r.get("answer", ())),
            str(r.get("kind", "")),
        )
        for r in read_jsonl(path)
    ]


def subset(
    corpus: Sequence[Section],
    questions: Sequence[Question],
    *,
    limit_docs: int | None,
    limit_questions: int | None,
) -> tuple[list[Section], list[Question]]:
    """A deterministic subset: the first questions, their relevant sections, then other
    sections in file order up to ``limit_docs`` (questions whose answer is cut are dropped)."""
    qs = list(questions[:limit_questions] if limit_questions else questions)
    if not limit_docs or limit_docs >= len(corpus):
        return list(corpus), qs
    wanted = {rid for q in qs for rid in q.relevant}
    keep = [s for s in corpus if s.id in wanted][:limit_docs]
    keep += [s for s in corpus if s.id not in wanted][: max(0, limit_docs - len(keep))]
    kept = {s.id for s in keep}
    return keep, [q for q in qs if all(r in kept for r in q.relevant)]


def document_bytes(section: Section) -> bytes:
    """The uploaded file for a section: its bytes, or its title as the first line, then text."""
    if section.raw is not None:
        return section.raw
    return (f"{section.title}\n\n{section.text}" if section.title else section.text).encode()
