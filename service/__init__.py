"""Core library of the RAG service: configuration, domain model, ports and adapters,
ingestion, retrieval and chat. Imports without network, credentials or environment reads."""

__all__ = ["__version__"]

__version__ = "0.1.0"
