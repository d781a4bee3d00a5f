"""Waiting in tests: on a condition, with a deadline, never a bare sleep that orders events.

The deadline only bounds a test that would otherwise hang; nothing asserts on elapsed time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_TIMEOUT_S = 20.0


def wait_until(
    condition: Callable[[], object], what: str, timeout: float = DEFAULT_TIMEOUT_S
) -> None:
    """Return once ``condition()`` is true; fail the test, naming ``what``, at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f}s waiting for {what}"
        time.sleep(0.01)
