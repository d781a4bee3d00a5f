"""The consumer runner: poll, decode, handle, dead-letter, commit, in that order.

Delivery is at least once: offsets are committed only after the handler has finished the
batch and the dead letters are flushed, so a crash replays the batch and handlers must be
idempotent. A record that does not decode or validate goes to the dead-letter topic with
the reason and the runner goes on; if too many of the recent records were dead-lettered,
the runner halts instead (a bad deploy should stop, not drain the topic away).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from shared.bus.interfaces import Bus, BusError, Consumer, Producer, Record
from shared.envelope import Envelope, InvalidMessage, decode, encode
from shared.errors import Unavailable
from shared.topics import DEAD_LETTERS, topic_name

log = logging.getLogger(__name__)

Handler = Callable[[list[Envelope]], None]


class DeadLetterRateExceeded(RuntimeError):
    """Too many recent records were undecodable: halt rather than dead-letter them all."""


class DeadLetterBudget:
    """Allows at most ``max_ratio`` of the last ``window`` records to be dead-lettered."""

    def __init__(self, window: int = 100, max_ratio: float = 0.5, min_count: int = 10) -> None:
        self._recent: deque[bool] = deque(maxlen=window)
        self._max_ratio = max_ratio
        self._min_count = min_count

    def record(self, dead: bool) -> None:
        self._recent.append(dead)
        dead_count = sum(self._recent)
        if dead_count >= self._min_count and dead_count > self._max_ratio * len(self._recent):
            raise DeadLetterRateExceeded(
                f"{dead_count} of the last {len(self._recent)} records were undecodable"
            )


class ConsumerRunner:
    def __init__(
        self,
        consumer: Consumer,
        handler: Handler,
        *,
        producer: Producer,
        dead_letter_topic: str,
        name: str,
        budget: DeadLetterBudget | None = None,
        poll_timeout: float = 0.5,
        max_records: int = 500,
        retry_backoff: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self._consumer = consumer
        self._handler = handler
        self._producer = producer
        self._dead_letter_topic = dead_letter_topic
        self._name = name
        self._budget = budget or DeadLetterBudget()
        self._poll_timeout = poll_timeout
        self._max_records = max_records
        self._retry_backoff = retry_backoff
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to finish its current batch, commit and return. Safe from any thread."""
        self._stopping.set()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    records = self._consumer.poll(self._poll_timeout, self._max_records)
                except Unavailable as exc:
                    # The broker is away: wait and poll again; the client reconnects.
                    log.warning("%s: poll failed, retrying: %s", self._name, exc)
                    self._stopping.wait(self._retry_backoff[1])
                    continue
                if records and self._process(records):
                    self._commit()
        finally:
            self._consumer.close()

    def _process(self, records: list[Record]) -> bool:
        """Handle one batch; False if stopped before the handler succeeded (no commit)."""
        envelopes = []
        for record in records:
            try:
                envelopes.append(decode(record.value))
            except InvalidMessage as exc:
                self._dead_letter(record, str(exc))
                self._budget.record(dead=True)
            else:
                self._budget.record(dead=False)
        delay, max_delay = self._retry_backoff
        while envelopes:
            try:
                self._handler(envelopes)
                break
            except (Unavailable, OSError) as exc:
                # A dependency is down: retry the same batch with backoff, never skip it.
                # Anything else is a bug and stops the runner before the commit.
                log.warning("%s: handler failed, retrying in %.1fs: %s", self._name, delay, exc)
                if self._stopping.wait(delay):
                    return False
                delay = min(delay * 2, max_delay)
        self._producer.flush()
        return True

    def _commit(self) -> None:
        try:
            self._consumer.commit()
        except BusError as exc:
            # The group moved on without us (rebalance, lease lost); the new owner
            # re-reads from the last commit, so nothing is lost.
            log.warning("%s: commit refused: %s", self._name, exc)

    def _dead_letter(self, record: Record, reason: str) -> None:
        log.warning(
            "%s: dead-lettering %s[%d]@%d: %s",
            self._name,
            record.topic,
            record.partition,
            record.offset,
            reason,
        )
        key = record.key or f"{record.topic}:{record.partition}:{record.offset}"
        envelope = Envelope(
            type="message.dead_lettered",
            key=key,
            producer=self._name,
            payload={
                "source_topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "key": record.key,
                "reason": reason,
                "value": record.value.decode("utf-8", "replace") if record.value else "",
            },
        )
        self._producer.send(self._dead_letter_topic, key=key, value=encode(envelope))


def service_runner(
    bus: Bus, producer: Producer, handler: Handler, *, prefix: str, group: str, topic: str
) -> ConsumerRunner:
    """The runner a service uses: its consumer group on one logical topic, both named under
    the deployment's prefix, dead letters to the deployment's dead-letter topic."""
    return ConsumerRunner(
        bus.consumer(f"{prefix}.{group}", [topic_name(prefix, topic)]),
        handler,
        producer=producer,
        dead_letter_topic=topic_name(prefix, DEAD_LETTERS),
        name=group,
    )
