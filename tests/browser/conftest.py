"""Fixtures of the browser tests."""

from __future__ import annotations

from tests.browser.test_web_app import requirements

__all__ = ["requirements"]
