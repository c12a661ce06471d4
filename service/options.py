"""Value objects derived from ``Settings``, one per concern, so callers pass one object instead
of unpacking settings field by field. Light to import (no LlamaIndex, no LanceDB): ``Settings``
builds them (``settings.fusion``, ``settings.limits``, ``settings.maintenance``), and their only
defaults are the settings' own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FusionWeights:
    """Weighted reciprocal-rank fusion: score = sum of weight / (rrf_k + rank), over vector
    search, full-text search and vector search among document openings (each document's first
    chunk; weight 0 turns that list off). An opening counts only if its similarity is at least
    ``opening_floor`` times the best chunk's, so a few documents' openings are not all lifted."""

    vector: float
    text: float
    rrf_k: int
    opening: float
    opening_floor: float


@dataclass(frozen=True)
class IngestLimits:
    """Limits checked before and during parsing, and the chunking of what passes them."""

    max_bytes: int
    max_pages: int
    chunk_size: int
    chunk_overlap: int


@dataclass(frozen=True)
class MaintenanceOptions:
    """How a maintenance pass treats the vector table."""

    retention_s: float
    vector_index_min_rows: int
    cluster_max_runs_per_owner: float


@dataclass(frozen=True)
class Prices:
    """What a model's tokens cost, in US dollars per 1,000 tokens."""

    input_per_1k: float
    output_per_1k: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """The estimated cost of these counted tokens."""
        return (input_tokens * self.input_per_1k + output_tokens * self.output_per_1k) / 1000


# Published on-demand prices (us-east-1) of the Bedrock models the deployment defaults to or
# documents, as known when written: an estimate, not a bill. Other models cost nothing unless
# RAG_LLM_PRICE_INPUT_PER_1K / _OUTPUT_PER_1K say otherwise (a self-hosted model has no
# per-token price); set those to your own contract's prices.
BEDROCK_PRICES_PER_1K: dict[str, Prices] = {
    "anthropic.claude-3-5-haiku-20241022-v1:0": Prices(0.0008, 0.004),
    "anthropic.claude-3-haiku-20240307-v1:0": Prices(0.00025, 0.00125),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": Prices(0.003, 0.015),
    "amazon.nova-micro-v1:0": Prices(0.000035, 0.00014),
    "amazon.nova-lite-v1:0": Prices(0.00006, 0.00024),
}
