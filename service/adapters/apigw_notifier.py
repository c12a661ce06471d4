"""Pushes events to browsers through API Gateway WebSocket connections
(``apigatewaymanagementapi.post_to_connection``)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from pydantic import BaseModel

from service.adapters.dynamo_connections import DynamoConnections
from service.models import DocumentEvent

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 32 * 1024  # API Gateway's WebSocket frame limit


class ApiGatewayNotifier:
    """``Notifier`` over API Gateway; ``client`` is a boto3 ``apigatewaymanagementapi`` client
    whose endpoint is the WebSocket API's management URL."""

    def __init__(self, connections: DynamoConnections, client: Any) -> None:
        self._connections = connections
        self._client = client

    @property
    def connections(self) -> DynamoConnections:
        """The connections table this notifier posts to."""
        return self._connections

    def send(self, connection_id: str, event: BaseModel) -> bool:
        """Post one event; a closed connection (``GoneException``) loses its record and
        returns False, without retrying."""
        data = event.model_dump_json(exclude_none=False).encode()
        if len(data) > MAX_FRAME_BYTES:
            # Events are built to fit (chat batches text, shortens snippets); never cut JSON.
            raise ValueError(f"event of {len(data)} bytes exceeds the 32 KB frame limit")
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except self._client.exceptions.GoneException:
            log.info("connection gone, dropping it", extra={"connection_id": connection_id})
            self._connections.remove(connection_id)
            return False
        return True

    def close(self, connection_id: str) -> None:
        """Close a connection from the server side and forget it (already gone: no error)."""
        with contextlib.suppress(self._client.exceptions.GoneException):
            self._client.delete_connection(ConnectionId=connection_id)
        self._connections.remove(connection_id)

    def publish(self, owner: str, event: DocumentEvent) -> None:
        """Deliver ``event`` to each of ``owner``'s connections; failures are logged, never
        raised (a status push must not fail an ingestion)."""
        for connection_id in self._connections.of_owner(owner):
            try:
                self.send(connection_id, event)
            except Exception:  # one broken connection must not stop the others
                log.warning("post_to_connection failed", exc_info=True)
