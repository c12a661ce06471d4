"""Splitting page texts into chunks with deterministic ids, through LlamaIndex components."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, Document, TransformComponent

from service.embeddings import count_tokens
from service.lance_table import chunk_id
from service.models import Document as DocumentRecord
from service.parsing import Page

_HIDDEN = ["doc_id", "owner", "filename", "page", "chunk_index"]


def page_documents(record: DocumentRecord, pages: Sequence[Page]) -> list[Document]:
    """One LlamaIndex document per page, carrying what every chunk must know."""
    docs = []
    for page in pages:
        docs.append(
            Document(
                text=page.text,
                metadata={
                    "doc_id": record.doc_id,
                    "owner": record.owner,
                    "filename": record.filename,
                    "page": page.number,
                },
                excluded_embed_metadata_keys=list(_HIDDEN),
                excluded_llm_metadata_keys=list(_HIDDEN),
            )
        )
    return docs


def sentence_splitter(chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    """Chunks sized in the embedding model's own word pieces (so none is truncated)."""
    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        tokenizer=count_tokens,
        chunking_tokenizer_fn=split_sentences_keep_space,
        include_metadata=True,
        include_prev_next_rel=False,
    )


_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n")


def split_sentences_keep_space(text: str) -> list[str]:
    """Sentence spans whose concatenation is ``text`` (no NLTK data needed)."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        spans.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        spans.append(text[start:])
    return [s for s in spans if s]


class ChunkNumberer(TransformComponent):
    """Numbers the chunks of one document in order and gives them deterministic ids."""

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[BaseNode]:
        out = []
        for index, node in enumerate(nodes):
            node.id_ = chunk_id(str(node.metadata["doc_id"]), index)
            node.metadata["chunk_index"] = index
            node.excluded_embed_metadata_keys = list(_HIDDEN)
            node.excluded_llm_metadata_keys = list(_HIDDEN)
            out.append(node)
        return out
