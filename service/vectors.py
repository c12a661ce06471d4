"""The vector index: one LanceDB table with a fixed schema, behind LlamaIndex's vector store API.

``ChunkStore`` subclasses ``LanceDBVectorStore`` (llama-index-vector-stores-lancedb 0.6) and
replaces its defective parts (DESIGN.md): filters are built with escaped single-quoted values,
a document's rows are replaced in one commit (``merge_insert``), the schema is fixed and created
up front with the embedding model recorded in it (``service.lance_table``), every read needs an
owner, empty results are empty lists, and the full-text index is never rebuilt on the query path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pyarrow as pa
from lancedb.query import MatchQuery
from llama_index.core.schema import (
    BaseNode,
    NodeRelationship,
    NodeWithScore,
    RelatedNodeInfo,
    TextNode,
)
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
    VectorStoreQueryResult,
)
from llama_index.vector_stores.lancedb import LanceDBVectorStore
from pydantic import PrivateAttr

from service import filters as f
from service.errors import BadRequest, ModelMismatch
from service.keywords import KeywordIndex
from service.lance_table import DIM_KEY, MODEL_KEY

log = logging.getLogger(__name__)

# An owner's rows are spread over every partition, so a filtered search probes them all (measured:
# recall@10 0.975 at 100k rows / 100 owners, against 0.64 with half of them); without a vector
# index LanceDB ignores this and searches exactly.
ALL_PARTITIONS = 100_000
_RESULT_COLUMNS = ["id", "doc_id", "owner", "text", "filename", "page", "chunk_index"]


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; ``score`` is higher-is-better within one retriever."""

    id: str
    doc_id: str
    owner: str
    text: str
    filename: str
    page: int | None
    chunk_index: int
    score: float


class ChunkStore(LanceDBVectorStore):
    """LanceDB vector store with the project's fixed schema and safety rules."""

    _keyword_index: KeywordIndex = PrivateAttr(default_factory=KeywordIndex)

    def __init__(self, table: Any, **kwargs: Any) -> None:
        # refine_factor (LanceDBVectorStore's field) is the one query setting callers pass
        kwargs.setdefault("refine_factor", None)
        super().__init__(table=table, connection=table._conn, mode="append", **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "ChunkStore"

    @property
    def _t(self) -> Any:
        """The LanceDB table (typed loosely: lancedb's stubs make it optional)."""
        return self.table

    @property
    def dim(self) -> int:
        """Vector dimension of the table."""
        return int(self._t.schema.metadata[DIM_KEY])

    @property
    def model_id(self) -> str:
        """Embedding model that made the table."""
        return str(self._t.schema.metadata[MODEL_KEY].decode())

    # --- writes ---------------------------------------------------------------------------

    def add(self, nodes: Sequence[BaseNode], **add_kwargs: Any) -> list[str]:
        """Write nodes, *replacing* all rows of each document they belong to in one commit.

        Nodes of one document must arrive in one call (the ingestion pipeline does this).
        """
        by_doc: dict[str, list[BaseNode]] = {}
        for node in nodes:
            by_doc.setdefault(str(node.metadata["doc_id"]), []).append(node)
        for doc_id, doc_nodes in by_doc.items():
            self.replace_document(doc_id, doc_nodes)
        return [node.node_id for node in nodes]

    def replace_document(self, doc_id: str, nodes: Sequence[BaseNode]) -> None:
        """Make ``nodes`` the only rows of ``doc_id`` (none: delete them), in one commit."""
        rows = pa.Table.from_pylist([self._row(n) for n in nodes], schema=self._t.schema)
        self._retry(
            lambda: (
                self._t.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .when_not_matched_by_source_delete(f.eq("doc_id", doc_id))
                .execute(rows)
            )
        )

    def _row(self, node: BaseNode) -> dict[str, Any]:
        meta = node.metadata
        embedding = node.get_embedding()
        if len(embedding) != self.dim:
            raise ModelMismatch(f"embedding has {len(embedding)} dims, table has {self.dim}")
        return {
            "id": node.node_id,
            "doc_id": meta["doc_id"],
            "owner": meta["owner"],
            "text": node.get_content(),
            "vector": embedding,
            "filename": meta["filename"],
            "page": meta.get("page"),
            "chunk_index": meta["chunk_index"],
        }

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        """Delete every row of one document."""
        self._retry(lambda: self._t.delete(f.eq("doc_id", ref_doc_id)))

    def delete_nodes(
        self,
        node_ids: list[str] | None = None,
        filters: MetadataFilters | None = None,
        **delete_kwargs: Any,
    ) -> None:
        """Delete rows by id."""
        if filters is not None:
            raise BadRequest("delete by metadata filter is not supported; delete by document")
        if node_ids:
            self._retry(lambda: self._t.delete(f.is_in("id", node_ids)))

    @staticmethod
    def _retry(op: Any, attempts: int = 5) -> Any:
        for attempt in range(attempts):
            try:
                return op()
            except (OSError, RuntimeError) as exc:
                if attempt == attempts - 1 or "onflict" not in str(exc):
                    raise
                log.info("lance commit conflict, retrying")
                time.sleep(0.05 * 2**attempt)
        return None

    # --- reads ----------------------------------------------------------------------------

    @staticmethod
    def _where(owner: str | None, doc_ids: Sequence[str] | None, shared: Sequence[str] = ()) -> str:
        """The one read filter: ``owner``'s rows plus the ``shared`` documents' (those shared
        with the reader's groups), narrowed to ``doc_ids`` when given."""
        if not owner:
            raise BadRequest("every read of the vector index needs an owner")
        try:
            return f.all_of(
                f.readable(owner, shared),
                f.is_in("doc_id", doc_ids) if doc_ids is not None else None,
            )
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc

    def search_vector(
        self,
        embedding: Sequence[float],
        *,
        owner: str,
        k: int,
        doc_ids: Sequence[str] | None = None,
        shared: Sequence[str] = (),
        openings: bool = False,
    ) -> list[Hit]:
        """Cosine search over ``owner``'s rows and the ``shared`` documents' (filter applied
        before ranking): exact without the vector index; with it, every partition is probed
        and, with ``refine_factor``, the candidates re-ranked by exact distance. ``openings``
        searches only each document's first chunk (its opening)."""
        where = self._where(owner, doc_ids, shared)
        if openings:
            where = f.all_of(where, "chunk_index = 0")
        query = (
            self._t.search(list(embedding), vector_column_name="vector")
            .distance_type("cosine")
            .where(where, prefilter=True)
            .nprobes(ALL_PARTITIONS)
        )
        if self.refine_factor:  # re-rank refine_factor x k index candidates by exact distance
            query = query.refine_factor(self.refine_factor)
        rows = query.select([*_RESULT_COLUMNS, "_distance"]).limit(k).to_list()
        return [_hit(row, 1.0 - float(row["_distance"])) for row in rows]

    def search_text(
        self,
        text: str,
        *,
        owner: str,
        k: int,
        doc_ids: Sequence[str] | None = None,
        shared: Sequence[str] = (),
    ) -> list[Hit]:
        """BM25 keyword search over ``owner``'s rows and the ``shared`` documents', scored with
        the statistics of exactly the rows the filter selects (service.keywords); the query is
        never parsed as syntax."""
        where = self._where(owner, doc_ids, shared)
        best = self._keyword_index.search(self._t, where, text, k)
        if not best:
            return []
        rows = {
            row["id"]: row
            for row in self._t.take_row_ids([r for r, _, _ in best])
            .select(_RESULT_COLUMNS)
            .to_list()
        }
        return [_hit(rows[i], score) for _, i, score in best if i in rows]

    def count_where(self, where: str) -> int:
        """Rows matching a filter built by this module."""
        return int(self._t.count_rows(where))

    def count(self, *, owner: str | None = None, doc_id: str | None = None) -> int:
        """Rows, optionally of one owner and/or document."""
        clauses = [
            f.eq("owner", owner) if owner else None,
            f.eq("doc_id", doc_id) if doc_id else None,
        ]
        where = f.all_of(*clauses)
        return int(self._t.count_rows(where or None))

    def get_nodes(
        self,
        node_ids: list[str] | None = None,
        filters: MetadataFilters | None = None,
        **kwargs: Any,
    ) -> list[BaseNode]:
        """Chunks one reader may read (``owner=`` is required, ``shared=`` adds the documents
        shared with them), optionally by id or document."""
        owner = kwargs.get("owner")
        where = self._where(owner, kwargs.get("doc_ids"), kwargs.get("shared", ()))
        if node_ids is not None:
            where = f.all_of(where, f.is_in("id", node_ids))
        if filters is not None:
            raise BadRequest("use owner= and doc_ids= instead of metadata filters")
        rows = self._t.search().where(where).select(_RESULT_COLUMNS).limit(None).to_list()
        rows.sort(key=lambda r: (r["doc_id"], r["chunk_index"]))
        return [hit_to_node(_hit(row, 0.0)) for row in rows]

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        """LlamaIndex query: the owner comes from an ``owner == X`` filter or ``owner=``
        (``shared=`` adds the documents shared with them)."""
        owner = kwargs.get("owner") or _owner_from_filters(query.filters)
        k, doc_ids, shared = query.similarity_top_k, query.doc_ids, kwargs.get("shared", ())
        if query.mode == VectorStoreQueryMode.TEXT_SEARCH:
            text = query.query_str or ""
            hits = self.search_text(text, owner=owner, k=k, doc_ids=doc_ids, shared=shared)
        elif query.query_embedding is None:
            raise BadRequest("a vector query needs an embedding")
        else:
            embedding = query.query_embedding
            hits = self.search_vector(embedding, owner=owner, k=k, doc_ids=doc_ids, shared=shared)
        return VectorStoreQueryResult(
            nodes=[hit_to_node(h) for h in hits],
            similarities=[h.score for h in hits],
            ids=[h.id for h in hits],
        )


def _match(text: str) -> Any:
    """A full-text query that is matched as words, never parsed as query syntax."""
    return cast(Any, MatchQuery)(text, "text")


def _owner_from_filters(filters: MetadataFilters | None) -> str:
    for item in filters.filters if filters else []:
        if (
            isinstance(item, MetadataFilter)
            and item.key == "owner"
            and item.operator == FilterOperator.EQ
        ):
            return str(item.value)
    raise BadRequest("every read of the vector index needs an owner filter")


def _hit(row: dict[str, Any], score: float) -> Hit:
    return Hit(
        id=row["id"],
        doc_id=row["doc_id"],
        owner=row["owner"],
        text=row["text"],
        filename=row["filename"],
        page=row["page"],
        chunk_index=row["chunk_index"],
        score=score,
    )


def hit_to_node(hit: Hit) -> TextNode:
    """A LlamaIndex node for a hit."""
    return TextNode(
        id_=hit.id,
        text=hit.text,
        metadata={
            "doc_id": hit.doc_id,
            "owner": hit.owner,
            "filename": hit.filename,
            "page": hit.page,
            "chunk_index": hit.chunk_index,
        },
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=hit.doc_id)},
    )


def node_hit(node: NodeWithScore) -> Hit:
    """The ``Hit`` behind a node made by ``hit_to_node`` (possibly rescored by a postprocessor)."""
    meta = node.node.metadata
    return Hit(
        id=node.node.node_id,
        doc_id=str(meta.get("doc_id", "")),
        owner=str(meta.get("owner", "")),
        text=node.node.get_content(),
        filename=str(meta.get("filename", "")),
        page=meta.get("page"),
        chunk_index=int(meta.get("chunk_index", 0)),
        score=float(node.score or 0.0),
    )
