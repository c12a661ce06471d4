"""Build-time check of the Lambda image, also run by tests/infra against a local install.

Run with no network (``RUN --network=none``): every handler imports, the tokenizer and model
files that ship in packages load, and nothing is written under the code root (on Lambda only
/tmp is writable). Standard library only, so it needs nothing but the image itself.
"""

from __future__ import annotations

import argparse
import importlib
import os
from pathlib import Path


def handler_count() -> int:
    """How many handlers the image has."""
    from handlers.aws import ENTRY_POINTS

    return len(ENTRY_POINTS)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time."""
    out = {}
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            out[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return out


def import_handlers() -> None:
    """Each handler module imports and exposes ``handler``."""
    from handlers.aws import ENTRY_POINTS  # the one list of handler paths (stdlib-only module)

    for target in ENTRY_POINTS.values():
        module_name, _, attr = target.rpartition(".")
        if not callable(getattr(importlib.import_module(module_name), attr, None)):
            raise SystemExit(f"{target} is not callable")


def load_baked_files() -> None:
    """Tokenizers and models the service and LlamaIndex use at run time, from local files."""
    from llama_index.core.utils import get_tokenizer, globals_helper

    assert get_tokenizer()("tokenizer cache is baked in")  # tiktoken, from llama_index/_static
    assert "the" in globals_helper.stopwords  # NLTK stopwords, from llama_index/_static
    from service.embeddings import MiniLMEmbedding, count_tokens

    assert count_tokens("MiniLM tokenizer ships in service/models")
    assert MiniLMEmbedding().embed(["the ONNX weights ship in a package"]).shape[1] == 384


def main() -> None:
    """Check the code roots given by ``--root`` (the image's LAMBDA_TASK_ROOT)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, action="append", dest="roots")
    roots = [
        r.resolve() for r in parser.parse_args().roots or [Path(os.environ["LAMBDA_TASK_ROOT"])]
    ]
    before = [snapshot(root) for root in roots]
    import_handlers()
    load_baked_files()
    for root, files in zip(roots, before, strict=True):
        changed = sorted(set(files.items()) ^ set(snapshot(root).items()))
        if changed:
            raise SystemExit(f"files written under {root} at run time: {changed[:10]}")
    unchanged = sum(map(len, before))
    print(f"image check passed: {handler_count()} handlers, {unchanged} files unchanged")


if __name__ == "__main__":
    main()
