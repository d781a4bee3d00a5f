"""The outbox relay: publishes accepted reports from the outbox to the reports topic.

At least once: a report is marked published only after the bus acknowledged it, so a
crash in between publishes it again, and the registry applies it idempotently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from services.intake.outbox import Outbox
from shared.bus.interfaces import Producer
from shared.clock import SYSTEM_CLOCK, Clock
from shared.errors import Unavailable

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        producer: Producer,
        topic: str,
        *,
        batch_size: int = 500,
        backoff: tuple[float, float] = (0.2, 5.0),
        idle_wait: float = 1.0,
        prepare: Callable[[], None] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """``prepare`` (creating the topics) runs before the first publish and is retried
        with it, so intake starts and accepts reports while the bus is still away."""
        self._outbox = outbox
        self._producer = producer
        self._topic = topic
        self._batch_size = batch_size
        self._backoff = backoff
        self._idle_wait = idle_wait
        self._prepare = prepare
        self._clock = clock
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self._outbox.added.set()

    def run(self) -> None:
        delay = self._backoff[0]
        while not self._stopping.is_set():
            self._outbox.added.clear()
            batch = self._outbox.unpublished(self._batch_size)
            answers = self._outbox.unpublished_answers(self._batch_size)
            if not batch and not answers:
                # Checked again after the clear: a stop() in between must not wait idly.
                # (The outbox's event wakes this wait; the timeout is only a safety net.)
                if not self._stopping.is_set():
                    self._outbox.added.wait(timeout=self._idle_wait)
                continue
            try:
                if self._prepare is not None:
                    self._prepare()
                    self._prepare = None
                self.publish(batch)
                self.publish_answers(answers)
            except Unavailable as exc:
                log.warning(
                    "bus unavailable, %d reports and %d answers wait in the outbox: %s",
                    len(batch), len(answers), exc,
                )  # fmt: skip
                self._clock.wait(delay, self._stopping)
                delay = min(delay * 2, self._backoff[1])
                continue
            delay = self._backoff[0]

    def publish_answers(self, answers: list[tuple[str, str, bytes]]) -> None:
        """Labs' answers to requests for information, keyed by the report (the incident)
        so that each follows its report on the same partition."""
        if not answers:
            return
        for _, report_id, envelope in answers:
            self._producer.send(self._topic, key=report_id, value=envelope)
        self._producer.flush()
        published_at = self._clock.now().isoformat()
        self._outbox.mark_answers_published(
            [request_id for request_id, _, _ in answers], published_at
        )

    def publish(self, batch: list[tuple[str, bytes]]) -> None:
        for report_id, envelope in batch:
            self._producer.send(self._topic, key=report_id, value=envelope)
        self._producer.flush()
        published_at = self._clock.now().isoformat()
        self._outbox.mark_published([report_id for report_id, _ in batch], published_at)
