"""``python -m handlers.cli``: the ``rag`` command."""

from handlers.cli.main import app

app()
