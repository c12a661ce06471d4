"""Runs Lambda handlers the way the Lambda runtime does, in a process whose ``sys.path`` is only
the standard library, a clean install of the lock and a copy of the code (``python -S``).

stdin: ``[{"handler": "handlers.x.handler", "event": {...}}, ...]``; stdout, last line:
``[{"handler": ..., "result": ...} | {"handler": ..., "error": "..."}]``.
Standard library only: nothing from the test environment may be importable here.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
import uuid


class LambdaContext:
    """The attributes Powertools reads from the Lambda context object."""

    function_name = "rag-image-check"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:rag-image-check"

    def __init__(self) -> None:
        self.aws_request_id = uuid.uuid4().hex

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def invoke(target: str, event: object) -> dict[str, object]:
    """Import ``module.function`` and call it with ``event``."""
    module_name, _, attr = target.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attr)
        return {"handler": target, "result": handler(event, LambdaContext())}
    except Exception:  # reported to the test, which fails with the traceback
        return {"handler": target, "error": traceback.format_exc()}


def main() -> None:
    """Run every requested invocation in order."""
    calls = json.load(sys.stdin)
    results = [invoke(call["handler"], call["event"]) for call in calls]
    sys.stdout.write("\n" + json.dumps(results, default=str) + "\n")


if __name__ == "__main__":
    main()
