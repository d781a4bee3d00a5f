"""Keep every service of a stack running: a service that exits is started again after a
backoff, with a line saying so, while the others go on serving.

``Backoff`` is the pure decision (how long to wait before the next start); ``Supervisor``
does the polling and starting through an injected clock, so tests drive it step by step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.clock import SYSTEM_CLOCK, Clock
from tools.stack import Stack


@dataclass
class Backoff:
    """Waits double with each exit in a row, up to ``ceiling``; a service that stayed up
    ``stable_after`` seconds starts again from ``first``."""

    first: float = 1.0
    ceiling: float = 30.0
    stable_after: float = 60.0
    _exits_in_a_row: int = 0

    def after_exit(self, ran_for: float) -> float:
        if ran_for >= self.stable_after:
            self._exits_in_a_row = 0
        self._exits_in_a_row += 1
        return min(self.first * 2 ** (self._exits_in_a_row - 1), self.ceiling)


@dataclass
class Supervisor:
    stack: Stack
    clock: Clock = SYSTEM_CLOCK
    poll_every: float = 0.5
    say: Callable[[str], None] = print
    _backoff: dict[str, Backoff] = field(default_factory=dict)
    _started_at: dict[str, float] = field(default_factory=dict)
    _due: dict[str, float] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        now = self.clock.monotonic()
        for name in self.stack.processes:
            self._backoff[name] = Backoff()
            self._started_at[name] = now
            self.restarts[name] = 0

    def step(self) -> None:
        """Notice exits and start what is due; call it again and again."""
        now = self.clock.monotonic()
        for name, process in self.stack.processes.items():
            if name in self._due:
                if now >= self._due[name]:
                    del self._due[name]
                    self.stack.launch(name)
                    self._started_at[name] = now
                    self.restarts[name] += 1
                    self.say(f"{name} started again (restart {self.restarts[name]})")
            elif process.poll() is not None:
                delay = self._backoff[name].after_exit(now - self._started_at[name])
                self._due[name] = now + delay
                self.say(
                    f"{name} exited with code {process.returncode};"
                    f" starting it again in {delay:.0f}s"
                )

    def run(self, stopping: threading.Event) -> None:
        """Supervise until ``stopping`` is set."""
        while not stopping.is_set():
            self.step()
            self.clock.wait(self.poll_every, stopping)
