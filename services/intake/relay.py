"""The outbox relay: publishes accepted reports from the outbox to the reports topic.

At least once: a report is marked published only after the bus acknowledged it, so a
crash in between publishes it again, and the registry applies it idempotently.
"""

from __future__ import annotations

import logging
import threading

from services.intake.outbox import Outbox
from shared.bus.interfaces import BusError, Producer
from shared.envelope import utcnow

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
    ) -> None:
        self._outbox = outbox
        self._producer = producer
        self._topic = topic
        self._batch_size = batch_size
        self._backoff = backoff
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self._outbox.added.set()

    def run(self) -> None:
        delay = self._backoff[0]
        while not self._stopping.is_set():
            self._outbox.added.clear()
            batch = self._outbox.unpublished(self._batch_size)
            if not batch:
                # Checked again after the clear: a stop() in between must not wait 1 s.
                if not self._stopping.is_set():
                    self._outbox.added.wait(timeout=1.0)
                continue
            try:
                self.publish(batch)
            except BusError as exc:
                log.warning("bus unavailable, %d reports wait in the outbox: %s", len(batch), exc)
                self._stopping.wait(delay)
                delay = min(delay * 2, self._backoff[1])
                continue
            delay = self._backoff[0]

    def publish(self, batch: list[tuple[str, bytes]]) -> None:
        for report_id, envelope in batch:
            self._producer.send(self._topic, key=report_id, value=envelope)
        self._producer.flush()
        self._outbox.mark_published([report_id for report_id, _ in batch], utcnow().isoformat())
