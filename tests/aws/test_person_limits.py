"""Per-person limits on AWS (issue 13): questions in flight and open WebSockets are counted in
DynamoDB across every Lambda container, refused with ``rate_limited`` past the limit, and a
slot whose worker crashed frees itself when its lease runs out."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from handlers.aws import ws_connection, ws_message
from service.adapters.dynamo_limits import CONNECTIONS, QUESTIONS, DynamoPersonLimits
from service.config import Settings
from tests.aws.conftest import FakeContext, Stack
from tests.aws.lambda_events import posted_frames, ws_event


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def limits(stack: Stack, clock: Clock | None = None, questions: int = 2) -> DynamoPersonLimits:
    return DynamoPersonLimits(
        stack.env["connections_table"],
        stack.aws("dynamodb"),
        limits={QUESTIONS: questions, CONNECTIONS: 3},
        lease_s={QUESTIONS: 300, CONNECTIONS: 3600},
        **({"clock": clock} if clock else {}),
    )


def person() -> str:
    return f"p-{uuid.uuid4().hex[:8]}"


def test_slots_are_limited_per_person_and_given_back(stack: Stack) -> None:
    lim, ann, bob = limits(stack), person(), person()
    assert lim.take(QUESTIONS, ann, "q1") and lim.take(QUESTIONS, ann, "q2")
    assert not lim.take(QUESTIONS, ann, "q3")
    assert lim.take(QUESTIONS, bob, "q1")  # another person's slots are their own
    assert lim.take(CONNECTIONS, ann, "c1")  # and so is another kind
    lim.give_back(QUESTIONS, ann, "q1")
    lim.give_back(QUESTIONS, ann, "q1")  # twice: no harm
    assert lim.take(QUESTIONS, ann, "q3")
    assert lim.held(QUESTIONS, ann) == 2


def test_a_crashed_workers_slot_expires_with_its_lease(stack: Stack) -> None:
    clock, ann = Clock(), person()
    lim = limits(stack, clock)
    assert lim.take(QUESTIONS, ann, "crashed-1") and lim.take(QUESTIONS, ann, "crashed-2")
    clock.now += 299
    assert not lim.take(QUESTIONS, ann, "q3")
    clock.now += 2  # past the lease (moto never runs the TTL: the adapter checks expiry itself)
    assert lim.take(QUESTIONS, ann, "q3")
    assert lim.held(QUESTIONS, ann) == 1


def test_concurrent_takes_never_pass_the_limit(stack: Stack) -> None:
    """Many containers racing for one person's slots: the conditional write lets exactly the
    limit through."""
    ann = person()
    lim = limits(stack, questions=3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        granted = list(pool.map(lambda i: lim.take(QUESTIONS, ann, f"q{i}"), range(16)))
    assert sum(granted) <= 3
    assert lim.held(QUESTIONS, ann) == sum(granted)


def test_the_ask_route_refuses_past_the_limit_with_rate_limited(stack: Stack) -> None:
    ann, conn = person(), f"c-{uuid.uuid4().hex[:6]}"
    lim = limits(stack, questions=Settings().max_questions_per_user)  # the handler's limit
    others = [f"other-container-{i}" for i in range(Settings().max_questions_per_user)]
    for slot in others:  # answers in flight elsewhere
        assert lim.take(QUESTIONS, ann, slot)
    ask = {"action": "ask", "request_id": "r1", "question": "What is the atlas?"}
    event = ws_event("ws_message", conn, ann, ask)
    assert ws_message.handler(event, FakeContext()) == {"statusCode": 200}
    [frame] = posted_frames(conn)
    assert frame["type"] == "error" and frame["code"] == "rate_limited"
    assert frame["request_id"] == "r1"
    lim.give_back(QUESTIONS, ann, others[0])
    ask["request_id"] = "r2"
    ws_message.handler(ws_event("ws_message", conn, ann, ask), FakeContext())
    frames = posted_frames(conn)[1:]
    assert frames and all(f.get("code") != "rate_limited" for f in frames)
    assert frames[-1]["type"] in ("done", "error")
    # the (inline) chat worker gave its slot back when the answer ended
    assert lim.held(QUESTIONS, ann) == len(others) - 1


def test_connect_is_refused_past_the_limit_and_disconnect_frees_the_slot(stack: Stack) -> None:
    ann = person()
    allowed = Settings().max_connections_per_user
    conns = [f"c-{uuid.uuid4().hex[:6]}" for _ in range(allowed + 1)]
    for conn in conns[:allowed]:
        response = ws_connection.handler(ws_event("ws_connect", conn, ann), FakeContext())
        assert response["statusCode"] == 200
    refused = ws_connection.handler(ws_event("ws_connect", conns[-1], ann), FakeContext())
    assert refused["statusCode"] == 429
    assert json.loads(refused["body"])["error"]["code"] == "rate_limited"
    ws_connection.handler(ws_event("ws_disconnect", conns[0], ann), FakeContext())
    again = ws_connection.handler(ws_event("ws_connect", conns[-1], ann), FakeContext())
    assert again["statusCode"] == 200
