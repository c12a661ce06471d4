"""Value objects derived from ``Settings``, one per concern, so callers pass one object instead
of unpacking settings field by field. Light to import (no LlamaIndex, no LanceDB): ``Settings``
builds them (``settings.fusion``, ``settings.limits``, ``settings.maintenance``), and their only
defaults are the settings' own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FusionWeights:
    """Weighted reciprocal-rank fusion: score = sum of weight / (rrf_k + rank)."""

    vector: float
    text: float
    rrf_k: int


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
