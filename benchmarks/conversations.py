"""Conversations (issue 15): what keeping them on the server costs a question, locally.

Time to the first token and to the end of the answer for the same questions asked three ways,
interleaved: ``ChatService.ask`` alone (the baseline, no conversation), a new conversation
through ``ConversationService.answer`` (nothing read; one turn written before ``done``), and a
resumed conversation of ``--turns`` earlier turns (one read before the answer; the offline
answerer widens retrieval with the stored questions). Also the store's own append and read
times (SQLite, WAL, the server's settings).

Run: ``.venv/bin/python benchmarks/conversations.py [--repeats 15] [--turns 6]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.config import Settings  # noqa: E402 - after the path is set
from service.models import AskAction  # noqa: E402
from service.wiring import Services, build_services  # noqa: E402

QUESTIONS = [
    "Who leads Project Atlas?",
    "What does Project Atlas measure?",
    "Which radio channel is used for emergencies?",
    "When is the visitor centre open?",
]


def timed(events: Iterator[Any]) -> tuple[float, float]:
    """Seconds to the first token event and to the last event."""
    start, first = time.perf_counter(), None
    for event in events:
        if first is None and event.type == "token":
            first = time.perf_counter() - start
    return (first if first is not None else float("nan")), time.perf_counter() - start


def ask(rid: str, question: str, conversation_id: str | None = None) -> AskAction:
    return AskAction(
        action="ask", request_id=rid, question=question, conversation_id=conversation_id
    )


def prepare(data_dir: Path, turns: int) -> tuple[Services, str]:
    svc = build_services(Settings(data_dir=data_dir, parse_isolation=False))
    for name in ("field-station-handbook.pdf", "visitor-faq.txt"):
        svc.documents.add("alice", name, (ROOT / "samples" / "docs" / name).read_bytes())
    assert svc.worker is not None
    svc.worker.drain()
    first = list(svc.conversations.answer(svc.chat, "alice", ask("w0", QUESTIONS[0])))
    cid = first[0].conversation_id
    for i in range(1, turns):
        q = QUESTIONS[i % len(QUESTIONS)]
        list(svc.conversations.answer(svc.chat, "alice", ask(f"w{i}", q, cid)))
    return svc, cid


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--turns", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        svc, cid = prepare(Path(tmp), args.turns)
        ways: dict[str, Callable[[str, str], Iterator[Any]]] = {
            "baseline (no conversation)": lambda rid, q: svc.chat.ask("alice", q, request_id=rid),
            "new conversation": lambda rid, q: svc.conversations.answer(
                svc.chat, "alice", ask(rid, q)
            ),
            f"resumed ({args.turns} turns)": lambda rid, q: svc.conversations.answer(
                svc.chat, "alice", ask(rid, q, cid)
            ),
        }
        firsts: dict[str, list[float]] = {name: [] for name in ways}
        totals: dict[str, list[float]] = {name: [] for name in ways}
        names = list(ways)
        for i in range(args.repeats):  # interleaved and rotated, so drift hits every way alike
            question = QUESTIONS[i % len(QUESTIONS)]
            for name in names[i % 3 :] + names[: i % 3]:
                run = ways[name]
                first, total = timed(run(f"b{i}-{name[:3]}", question))
                firsts[name].append(first)
                totals[name].append(total)
        store = svc.conversations.store
        reads, appends = [], []
        turn = svc.conversations.get("alice", cid).turns[0]
        for _ in range(args.repeats * 4):
            start = time.perf_counter()
            store.get("alice", cid)
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            store.append("alice", "f" * 32, turn, title="bench")
            appends.append(time.perf_counter() - start)
    print(f"median over {args.repeats} questions (ms)   first token   whole answer")
    for name in ways:
        print(f"  {name:30s} {median_ms(firsts[name])}       {median_ms(totals[name])}")
    print(
        f"store: read a {args.turns}-turn conversation {median_ms(reads)} ms;"
        f" append a turn {median_ms(appends)} ms (median of {len(reads)})"
    )


if __name__ == "__main__":
    main()
