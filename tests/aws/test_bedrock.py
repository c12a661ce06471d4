"""The Bedrock providers through the real boto3 client and LlamaIndex integrations, against
the Bedrock test server."""

from __future__ import annotations

import time

import numpy as np
import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from service.bedrock import BedrockEmbeddings, bedrock_embedding, bedrock_llm, split_text
from service.config import Settings
from service.embeddings import MiniLMEmbedding
from service.errors import Unavailable
from tests.aws.bedrock_server import BedrockServer, event_message


def settings_for(bedrock: BedrockServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "embed_provider": "bedrock-titan",
        "bedrock_endpoint_url": bedrock.url,
        "bedrock_embed_dimensions": 512,
        "bedrock_max_attempts": 2,
        "llm_provider": "bedrock",
        "llm_max_tokens": 321,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def test_titan_vectors_are_the_servers_model_padded(
    bedrock: BedrockServer, embed_model: MiniLMEmbedding
) -> None:
    model = bedrock_embedding(settings_for(bedrock))
    texts = ["VHF channel 16 is for distress calls.", "Project Atlas is led by Dr. Solberg."]
    vectors = np.asarray(model.get_text_embedding_batch(texts))
    assert vectors.shape == (2, 512) == (2, model.dimension)
    np.testing.assert_allclose(vectors[:, :384], embed_model.embed(texts), atol=1e-5)
    assert not vectors[:, 384:].any()
    calls = bedrock.calls("invoke")
    assert len(calls) == 2  # Titan: one text per call
    assert {c["body"]["dimensions"] for c in calls} == {512}


def test_titan_calls_run_concurrently(bedrock: BedrockServer) -> None:
    bedrock.latency_s = 0.1
    model = bedrock_embedding(settings_for(bedrock, bedrock_concurrency=8))
    started = time.monotonic()
    model.get_text_embedding_batch([f"text number {i}" for i in range(16)])
    elapsed = time.monotonic() - started
    assert elapsed < 0.8, elapsed  # sequential would take 1.6 s


def test_cohere_batches_at_most_96_and_never_truncates(bedrock: BedrockServer) -> None:
    model = bedrock_embedding(settings_for(bedrock, embed_provider="bedrock-cohere"))
    assert isinstance(model, BedrockEmbeddings) and model.dimension == 1024
    long_text = "word " * 1500  # 7,500 characters: the server refuses texts over 2,048
    texts = [f"short text {i}" for i in range(150)] + [long_text]
    vectors = np.asarray(model.get_text_embedding_batch(texts))
    assert vectors.shape == (151, 1024)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sizes = [len(c["body"]["texts"]) for c in bedrock.calls("invoke")]
    assert max(sizes) <= 96 and sum(sizes) == 150 + len(split_text(long_text))
    assert all(len(t) <= 2048 for c in bedrock.calls("invoke") for t in c["body"]["texts"])


def test_split_text_keeps_every_character_of_words() -> None:
    text = " ".join(f"w{i}" for i in range(2000))
    pieces = split_text(text, 100)
    assert all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_persistent_throttling_becomes_unavailable(bedrock: BedrockServer) -> None:
    bedrock.throttle_rate = 1.0
    model = bedrock_embedding(settings_for(bedrock, bedrock_max_attempts=2))
    with pytest.raises(Unavailable):
        model.get_text_embedding("anything")
    assert bedrock.throttled == 2  # botocore retried once (jittered backoff), then gave up


def test_occasional_throttling_is_retried(bedrock: BedrockServer) -> None:
    bedrock.throttle_rate = 0.3
    model = bedrock_embedding(settings_for(bedrock, bedrock_max_attempts=8))
    vectors = model.get_text_embedding_batch([f"text {i}" for i in range(10)])
    assert len(vectors) == 10 and bedrock.throttled > 0


def test_converse_stream_and_token_budget(bedrock: BedrockServer) -> None:
    bedrock.replies = ["Project Atlas is led by Dr. Ingrid Solberg [1]."]
    llm = bedrock_llm(settings_for(bedrock))
    chunks = list(llm.stream_chat([ChatMessage(role=MessageRole.USER, content="Who leads?")]))
    text = "".join(c.delta or "" for c in chunks)
    assert text == "Project Atlas is led by Dr. Ingrid Solberg [1]."
    [call] = bedrock.calls("converse-stream")
    assert call["body"]["inferenceConfig"]["maxTokens"] == 321


def test_converse_complete(bedrock: BedrockServer) -> None:
    bedrock.replies = ["Who leads Project Atlas?"]
    llm = bedrock_llm(settings_for(bedrock))
    assert llm.complete("condense this").text == "Who leads Project Atlas?"
    assert bedrock.calls("converse")[0]["body"]["inferenceConfig"]["maxTokens"] == 321


def test_event_stream_framing_is_checksummed() -> None:
    from botocore.eventstream import EventStreamBuffer

    buffer = EventStreamBuffer()
    buffer.add_data(event_message("messageStop", {"stopReason": "end_turn"}))
    [message] = list(buffer)
    assert message.headers[":event-type"] == "messageStop"
    corrupt = bytearray(event_message("messageStop", {"stopReason": "end_turn"}))
    corrupt[-6] ^= 0xFF
    bad = EventStreamBuffer()
    bad.add_data(bytes(corrupt))
    with pytest.raises(Exception, match=r"(?i)checksum|crc"):
        list(bad)
