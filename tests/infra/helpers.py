"""Reading synthesized templates: functions by handler, and the statements of their roles."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.conftest import STACKS, Synth


def functions(synth: Synth) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{handler command: (stack, function resource)}`` for the service's image functions."""
    out = {}
    for stack in STACKS:
        for fn in synth.resources(stack, "AWS::Lambda::Function").values():
            command = fn["Properties"].get("ImageConfig", {}).get("Command")
            if command:
                out[command[0]] = (stack, fn)
    return out


def role_id(fn: dict[str, Any]) -> str:
    """The logical id of a function's role."""
    return str(fn["Properties"]["Role"]["Fn::GetAtt"][0])


def statements(synth: Synth, stack: str, role: str) -> list[dict[str, Any]]:
    """Every policy statement attached to ``role`` (inline policies and AWS::IAM::Policy)."""
    out: list[dict[str, Any]] = []
    for policy in synth.resources(stack, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            out += policy["Properties"]["PolicyDocument"]["Statement"]
    for inline in synth.resources(stack, "AWS::IAM::Role")[role]["Properties"].get("Policies", []):
        out += inline["PolicyDocument"]["Statement"]
    return out


def actions(statement: dict[str, Any]) -> list[str]:
    """A statement's actions as a list."""
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


def resources(statement: dict[str, Any]) -> list[Any]:
    """A statement's resources as a list."""
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]


def text(value: Any) -> str:
    """A resource expression flattened to text, for substring checks."""
    return json.dumps(value, sort_keys=True)


def grants(synth: Synth, handler: str, action: str) -> list[str]:
    """The resources (as text) on which ``handler``'s role may perform ``action``."""
    stack, fn = functions(synth)[handler]
    return [
        text(r)
        for s in statements(synth, stack, role_id(fn))
        if action in actions(s)
        for r in resources(s)
    ]
