"""Benchmark text that ships with Python itself: the pydoc topic pages and the docstrings of
standard-library modules (no download, deterministic)."""

from __future__ import annotations

import importlib
import inspect
import sys
import warnings

SKIP = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3", "test"}


def pydoc_topics() -> dict[str, str]:
    """The 79 pydoc topic pages (about 460 KB)."""
    import pydoc_data.topics

    return dict(sorted(pydoc_data.topics.topics.items()))


def module_docs(limit_chars: int) -> dict[str, str]:
    """Docstrings of standard-library modules, one document per module."""
    docs: dict[str, str] = {}
    total = 0
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in SKIP or total >= limit_chars:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:
            continue
        parts = [inspect.getdoc(module) or ""]
        for attr, value in sorted(vars(module).items()):
            if not attr.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value)):
                doc = inspect.getdoc(value)
                if doc and getattr(value, "__module__", None) == name:
                    parts.append(f"{attr}\n{doc}")
        text = "\n\n".join(p for p in parts if p)
        if len(text) > 500:
            docs[name] = text
            total += len(text)
    return docs


def corpus(limit_chars: int = 1_400_000) -> dict[str, str]:
    """pydoc topics plus module docstrings up to about ``limit_chars`` in all."""
    out = {f"topic-{k}.txt": v for k, v in pydoc_topics().items()}
    rest = limit_chars - sum(len(v) for v in out.values())
    out.update({f"module-{k}.txt": v for k, v in module_docs(rest).items()})
    return out
