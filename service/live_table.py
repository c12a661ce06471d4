"""A chunk store that follows catalog switches: every read and write goes to the active table,
checked at most every few seconds, so servers and warm Lambdas answer from a rebuilt table on
their next question and index new documents into it (no restart)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import PrivateAttr

from service.catalog import TableWatch
from service.lance_table import open_table
from service.vectors import ChunkStore

log = logging.getLogger(__name__)


class FollowingChunkStore(ChunkStore):
    """``ChunkStore`` whose table is replaced when the catalog names another one. A table of
    another embedding model is refused (``ModelMismatch``) rather than silently not followed."""

    _watch: TableWatch = PrivateAttr()
    _model: tuple[str, int] = PrivateAttr()

    def __init__(self, table: Any, *, watch: TableWatch, **kwargs: Any) -> None:
        super().__init__(table, **kwargs)
        self._watch = watch
        self._model = (self.model_id, self.dim)

    @classmethod
    def class_name(cls) -> str:
        return "FollowingChunkStore"

    @property
    def _t(self) -> Any:
        entry = self._watch.switched(self._table.name)
        if entry is not None:
            model_id, dim = self._model
            table = open_table(self._connection, entry.table_name, model_id=model_id, dim=dim)
            log.info("following the switch to table %s", entry.table_name)
            self._table, self._table_name = table, entry.table_name
        return self._table
