"""A cancelled answer closes Bedrock's ConverseStream (issue 16): the Bedrock test server streams
one event at a time, the answer is closed after two pieces (as ``ChatService`` does when the
person cancels or leaves), and the server sees its client go away instead of finishing."""

from __future__ import annotations

import time

from service.bedrock import bedrock_llm
from service.llm_answer import LlmAnswerer
from service.vectors import Hit
from tests.aws.bedrock_server import BedrockServer
from tests.aws.test_bedrock import settings_for

LONG_REPLY = " ".join(f"word{i}" for i in range(80)) + " [1]."
HIT = Hit("d:0", "d", "alice", "The harbour opens at six.", "h.txt", None, 0, 1.0)


def _wait(condition: object, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def test_closing_a_bedrock_answer_closes_its_stream(bedrock: BedrockServer) -> None:
    bedrock.stream_delay_s = 0.05
    bedrock.replies = [LONG_REPLY]
    answerer = LlmAnswerer(bedrock_llm(settings_for(bedrock)))
    answer = answerer.answer("When does the harbour open?", [], lambda _q: [HIT])
    pieces = [next(answer.text), next(answer.text)]
    assert pieces == ["word0 ", "word1 "]
    answer.text.close()  # type: ignore[attr-defined]
    assert _wait(lambda: bedrock.streams_cut == 1), "the server kept streaming to nobody"
    assert bedrock.streams_done == 0


def test_a_finished_bedrock_answer_reads_its_stream_to_the_end(bedrock: BedrockServer) -> None:
    bedrock.stream_delay_s = 0.01
    bedrock.replies = ["The harbour opens at six [1]."]
    answer = LlmAnswerer(bedrock_llm(settings_for(bedrock))).answer("When?", [], lambda _q: [HIT])
    assert "".join(answer.text) == "The harbour opens at six [1]."
    assert answer.usage.output_tokens == 6  # the metadata event came through the paced stream
    assert _wait(lambda: bedrock.streams_done == 1) and bedrock.streams_cut == 0
