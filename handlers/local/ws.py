"""The chat WebSocket of the local server (DESIGN.md protocol): questions are answered in
worker threads, several per connection, told apart by ``request_id``; the owner's document
status changes are pushed to every open connection of theirs."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Generator
from concurrent.futures import Executor

import jwt
from fastapi import FastAPI, WebSocket
from pydantic import BaseModel
from starlette.websockets import WebSocketDisconnect

from service.config import Settings
from service.context import new_request_id, request_scope
from service.errors import ErrorCode, RagError
from service.models import (
    AnswerEvent,
    AskAction,
    CancelAction,
    DocumentEvent,
    ErrorEvent,
    PongEvent,
)
from service.ports import Identity, Principal
from service.protocol import encode_event, parse_client_message
from service.wiring import Services

log = logging.getLogger(__name__)

UNAUTHORIZED_CLOSE = 4401  # before accept, uvicorn turns it into HTTP 403 on the handshake
RATE_LIMITED_CLOSE = 4429


class PersonLimits:
    """Open connections and questions in flight, counted per person across all of their
    connections (a per-connection cap alone lets one person open many connections)."""

    def __init__(self, *, connections: int, questions: int) -> None:
        self._max = {"connections": connections, "questions": questions}
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def take(self, kind: str, user: str) -> bool:
        """Count one more ``kind`` for ``user``, unless that would pass the limit."""
        with self._lock:
            held = self._counts.get((kind, user), 0)
            if held >= self._max[kind]:
                return False
            self._counts[(kind, user)] = held + 1
            return True

    def give_back(self, kind: str, user: str) -> None:
        """One ``kind`` of ``user`` ended."""
        with self._lock:
            held = self._counts.pop((kind, user), 0) - 1
            if held > 0:
                self._counts[(kind, user)] = held


class ChatConnection:
    """One open WebSocket: a receive loop, a send loop, and the answers in flight."""

    def __init__(
        self,
        websocket: WebSocket,
        services: Services,
        who: Principal,
        *,
        executor: Executor,
        max_in_flight: int,
        limits: PersonLimits | None = None,
    ) -> None:
        self._ws = websocket
        self._services = services
        self._who = who
        self._executor = executor
        self._max = max_in_flight
        self._limits = limits or PersonLimits(connections=1, questions=max_in_flight)
        self._out: asyncio.Queue[str] = asyncio.Queue()
        self._running: dict[str, threading.Event] = {}
        self._gone = threading.Event()
        self._loop = asyncio.get_running_loop()

    async def run(self) -> None:
        """Serve the connection until the client leaves; then stop its answers."""
        hub = self._services.hub
        unsubscribe = hub.subscribe(self._who.user_id, self._on_document) if hub else None
        sender = asyncio.create_task(self._send_loop())
        try:
            await self._receive_loop()
        finally:
            self._gone.set()
            for flag in self._running.values():
                flag.set()
            if unsubscribe:
                unsubscribe()
            sender.cancel()

    async def _receive_loop(self) -> None:
        while True:
            try:
                message = await self._ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            self._dispatch(parse_client_message(raw if raw is not None else message["bytes"]))

    async def _send_loop(self) -> None:
        while True:
            text = await self._out.get()
            try:
                await self._ws.send_text(text)
            except (WebSocketDisconnect, RuntimeError):
                return  # the receive loop sees the disconnect and cleans up

    def _dispatch(self, action: object) -> None:
        if isinstance(action, ErrorEvent):
            self._send(action)
        elif isinstance(action, AskAction):
            self._start(action)
        elif isinstance(action, CancelAction):
            flag = self._running.get(action.request_id)
            if flag is not None:  # an answer already finished needs no cancel: ignore it
                flag.set()
        else:
            self._send(PongEvent())

    def _start(self, ask: AskAction) -> None:
        rid = ask.request_id
        if rid in self._running:
            self._send(_error(rid, ErrorCode.BAD_REQUEST, "this request_id is already running"))
            return
        user = self._who.user_id
        if len(self._running) >= self._max or not self._limits.take("questions", user):
            self._send(_error(rid, ErrorCode.RATE_LIMITED, "too many questions in flight"))
            return
        flag = self._running[rid] = threading.Event()
        future = self._loop.run_in_executor(self._executor, self._answer, ask, flag)

        def finished(_future: object) -> None:
            self._running.pop(rid, None)
            self._limits.give_back("questions", user)

        future.add_done_callback(finished)

    def _answer(self, ask: AskAction, stop: threading.Event) -> None:
        """Runs in a worker thread, under a request id of its own (the client's ``request_id``
        is only unique within its connection): stream the answer until done or stopped."""
        with request_scope(new_request_id()):
            log.info("chat request %s asked", ask.request_id)
            self._stream(ask, stop)

    def _stream(self, ask: AskAction, stop: threading.Event) -> None:
        outcome, frames = "cancelled", 0
        events = self._events(ask, stop)
        try:
            for event in events:
                if stop.is_set():
                    break
                self._send(event)
                frames += 1
                if event.type in ("done", "error"):
                    outcome = event.type
        finally:
            events.close()  # stop the generation now, not when the generator is collected
        if outcome == "cancelled":
            if self._gone.is_set():
                outcome = "disconnected"
            else:
                self._send(_error(ask.request_id, ErrorCode.CANCELLED, "the answer was cancelled"))
        log.info("chat request %s ended: %s after %d frames", ask.request_id, outcome, frames)

    def _events(self, ask: AskAction, stop: threading.Event) -> Generator[AnswerEvent, None, None]:
        if stop.is_set():  # cancelled (or left) while waiting for a free thread: skip the work
            return
        services = self._services
        yield from services.conversations.answer(
            services.chat, self._who.user_id, ask, cancelled=stop.is_set, groups=self._who.groups
        )

    def _on_document(self, event: DocumentEvent) -> None:
        """Notifier callback (any thread)."""
        self._send(event)

    def _send(self, event: BaseModel) -> None:
        """Queue a frame for the send loop; callable from any thread."""
        if self._gone.is_set():
            return
        try:
            self._loop.call_soon_threadsafe(self._out.put_nowait, encode_event(event))
        except RuntimeError:  # the event loop is closing (server shutdown)
            self._gone.set()


def _error(request_id: str, code: ErrorCode, message: str) -> ErrorEvent:
    return ErrorEvent(request_id=request_id, code=code, message=message)


def add_chat_route(app: FastAPI, services: Services, identity: Identity) -> None:
    """``/ws?token=...``: refused (4401, HTTP 403 on the handshake) without a valid token; a
    person over their connection limit gets a ``rate_limited`` error and is closed."""
    settings = services.settings
    limits = PersonLimits(
        connections=settings.max_connections_per_user, questions=settings.max_questions_per_user
    )

    @app.websocket("/ws")
    async def chat_socket(websocket: WebSocket, token: str = "") -> None:
        try:
            who = identity.verify(token)
        except RagError:
            await websocket.close(code=UNAUTHORIZED_CLOSE)
            return
        await websocket.accept()
        if not limits.take("connections", who.user_id):
            error = ErrorEvent(code=ErrorCode.RATE_LIMITED, message="too many open connections")
            await websocket.send_text(encode_event(error))
            await websocket.close(code=RATE_LIMITED_CLOSE)
            return
        watchdog = asyncio.create_task(_end_with_session(websocket, identity, token, settings))
        try:
            connection = ChatConnection(
                websocket,
                services,
                who,
                executor=app.state.chat_executor,
                max_in_flight=settings.max_requests_per_connection,
                limits=limits,
            )
            await connection.run()
        finally:
            watchdog.cancel()
            limits.give_back("connections", who.user_id)


async def _end_with_session(
    websocket: WebSocket, identity: Identity, token: str, settings: Settings
) -> None:
    """Check the token again every ``session_check_interval_s`` and at its expiry; once it is
    no longer valid (expired, or its user's password removed) say so and close (4401). The
    web app then reconnects with a fresh token."""
    expires = float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
    while True:
        until_expiry = max(0.0, expires - time.time()) + 0.05
        await asyncio.sleep(min(settings.session_check_interval_s, until_expiry))
        try:
            identity.verify(token)
        except RagError:
            break
    error = ErrorEvent(code=ErrorCode.UNAUTHORIZED, message="the session ended: sign in again")
    try:
        await websocket.send_text(encode_event(error))
        await websocket.close(code=UNAUTHORIZED_CLOSE)
    except (WebSocketDisconnect, RuntimeError):
        pass  # already gone
