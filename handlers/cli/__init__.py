"""The ``rag`` command line (runs on a laptop or a notebook host)."""
