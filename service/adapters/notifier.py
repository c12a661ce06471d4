"""In-process notifier: fans document events out to subscribers (the local server's WebSocket
connections; the CLI follows progress through the worker instead)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from service.models import DocumentEvent

log = logging.getLogger(__name__)

Subscriber = Callable[[DocumentEvent], None]


class InProcessNotifier:
    """Delivers each event to every subscriber registered for the owner."""

    def __init__(self) -> None:
        self._subs: dict[str, dict[int, Subscriber]] = {}
        self._lock = threading.Lock()
        self._next = 0

    def subscribe(self, owner: str, callback: Subscriber) -> Callable[[], None]:
        """Register ``callback`` for ``owner``'s events; returns the unsubscribe function."""
        with self._lock:
            self._next += 1
            token = self._next
            self._subs.setdefault(owner, {})[token] = callback

        def unsubscribe() -> None:
            with self._lock:
                self._subs.get(owner, {}).pop(token, None)

        return unsubscribe

    def publish(self, owner: str, event: DocumentEvent) -> None:
        """Call each subscriber; one failing subscriber never stops the others."""
        with self._lock:
            callbacks = list(self._subs.get(owner, {}).values())
        for callback in callbacks:
            try:
                callback(event)
            except Exception:  # a broken connection must not break ingestion
                log.warning("notifier subscriber failed", exc_info=True)
