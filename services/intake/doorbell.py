"""A ``threading.Event`` that works across forked processes: the outbox rings it on every
add, in whichever HTTP process, and the relay, in its own process, wakes at once instead
of at its next idle check.

A pipe made before the fork: ``set`` writes a byte (never blocking: a full pipe already
says "something was added"), ``wait`` waits for the pipe to be readable, ``clear``
drains it.
"""

from __future__ import annotations

import contextlib
import os
import select


class Doorbell:
    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def set(self) -> None:
        # A full pipe has rung plenty already.
        with contextlib.suppress(BlockingIOError):
            os.write(self._write, b"\0")

    def clear(self) -> None:
        with contextlib.suppress(BlockingIOError):  # drained
            while os.read(self._read, 4096):
                pass

    def wait(self, timeout: float | None = None) -> bool:
        readable, _, _ = select.select([self._read], [], [], timeout)
        return bool(readable)
