"""The consumer runner: poll, decode, handle, dead-letter, commit, in that order.

Delivery is at least once: offsets are committed only after the handler has finished the
batch and the dead letters are flushed, so a crash replays the batch and handlers must be
idempotent. A record that does not decode or validate goes to the dead-letter topic with
the reason and the runner goes on, and so does one the handler rejects (``Rejected``: this
message can never succeed); if too many of the recent records were dead-lettered, the
runner halts instead (a bad deploy should stop, not drain the topic away).

Failures of the other kind (``Unavailable``: the bus, the store or a channel is away) are
retried with backoff, never skipped. All waiting goes through the injected clock.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import TypeVar

from shared.bus.interfaces import Bus, BusError, Consumer, Producer, Record
from shared.clock import SYSTEM_CLOCK, Clock
from shared.envelope import Envelope, InvalidMessage, decode, encode
from shared.errors import Rejected, Unavailable
from shared.metrics import CONSUMED, DEAD_LETTERED
from shared.topics import DEAD_LETTERS, all_topics, group_name, topic_name

log = logging.getLogger(__name__)

Handler = Callable[[list[Envelope]], None]
T = TypeVar("T")


class _Stopped(Exception):
    """``stop()`` was called while the runner waited to retry: leave without committing."""


class DeadLetterRateExceeded(RuntimeError):
    """Too many recent records were dead-lettered: halt rather than dead-letter them all."""


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
                f"{dead_count} of the last {len(self._recent)} records were dead-lettered"
            )


def rejection_of(handler: Handler, items: list[tuple[T, Envelope]]) -> Rejected | None:
    """Hand the envelopes of ``items`` to ``handler``; what it rejected them with, if it did."""
    try:
        handler([envelope for _, envelope in items])
    except Rejected as exc:
        return exc
    return None


def isolate_rejections(
    attempt: Callable[[list[T]], Rejected | None], batch: list[T]
) -> Iterator[tuple[T, Rejected | None]]:
    """Each item of ``batch`` with its rejection, or None. ``attempt`` handles a batch; when
    it rejects one, each of its items is handed over alone, so that only the one rejected
    alone is named (handlers are idempotent, so the items handled before the rejection may
    be handled again)."""
    rejection = attempt(batch)
    if rejection is None:
        yield from ((item, None) for item in batch)
    elif len(batch) == 1:
        yield batch[0], rejection
    else:
        for item in batch:
            yield from isolate_rejections(attempt, [item])


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
        prepare: Callable[[], None] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """``prepare`` runs once before the first poll, retried like the handler while it
        raises ``Unavailable``: creating topics or an index the service needs, so the
        service can start while the bus or the store is still away."""
        self._consumer = consumer
        self._handler = handler
        self._producer = producer
        self._dead_letter_topic = dead_letter_topic
        self._name = name
        self._budget = budget or DeadLetterBudget()
        self._poll_timeout = poll_timeout
        self._max_records = max_records
        self._retry_backoff = retry_backoff
        self._prepare = prepare
        self._clock = clock
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to finish its current batch, commit and return. Safe from any thread."""
        self._stopping.set()

    def run(self) -> None:
        try:
            if self._prepare is not None:
                self._retry("prepare", self._prepare)
            while not self._stopping.is_set():
                records = self._retry("poll", self._poll)
                if records:
                    self._process(records)
                    self._commit()
                    for record in records:
                        CONSUMED.labels(consumer=self._name, topic=record.topic).inc()
        except _Stopped:
            pass
        finally:
            self._consumer.close()

    def _poll(self) -> list[Record]:
        return self._consumer.poll(self._poll_timeout, self._max_records)

    def _retry(self, what: str, action: Callable[[], T]) -> T:
        """Run ``action`` until it does not raise ``Unavailable``, waiting with exponential
        backoff between tries; raise ``_Stopped`` if stopped while waiting. Anything else
        propagates: a bug stops the runner before the commit."""
        delay, max_delay = self._retry_backoff
        while True:
            try:
                return action()
            except Unavailable as exc:
                log.warning("%s: %s failed, retrying in %.1fs: %s", self._name, what, delay, exc)
                if self._clock.wait(delay, self._stopping):
                    raise _Stopped from exc
                delay = min(delay * 2, max_delay)

    def _process(self, records: list[Record]) -> None:
        dead: list[tuple[Record, str]] = []
        envelopes: list[tuple[Record, Envelope]] = []
        for record in records:
            try:
                envelopes.append((record, decode(record.value)))
            except InvalidMessage as exc:
                self._reject(dead, record, str(exc))
        if envelopes:
            self._handle(envelopes, dead)
        # The dead letters are durable before the commit moves past their records; a failed
        # flush drops what it held, so each retry sends them all again. (Handlers flush
        # what they send themselves, before they return.)
        self._retry("dead-letter", lambda: self._send_dead_letters(dead))

    def _handle(self, batch: list[tuple[Record, Envelope]], dead: list[tuple[Record, str]]) -> None:
        """Give the batch to the handler, retrying while a dependency is away; only the
        messages it rejects alone are dead-lettered."""

        def attempt(items: list[tuple[Record, Envelope]]) -> Rejected | None:
            return self._retry("handler", lambda: rejection_of(self._handler, items))

        for (record, _), rejection in isolate_rejections(attempt, batch):
            if rejection is None:
                self._budget.record(dead=False)
            else:
                self._reject(dead, record, f"rejected by the handler: {rejection}")

    def _reject(self, dead: list[tuple[Record, str]], record: Record, reason: str) -> None:
        log.warning(
            "%s: dead-lettering %s[%d]@%d: %s",
            self._name,
            record.topic,
            record.partition,
            record.offset,
            reason,
            extra={"key": record.key},
        )
        dead.append((record, reason))
        self._budget.record(dead=True)

    def _commit(self) -> None:
        try:
            self._consumer.commit()
        except BusError as exc:
            # The group moved on without us (rebalance, lease lost); the new owner
            # re-reads from the last commit, so nothing is lost.
            log.warning("%s: commit refused: %s", self._name, exc)

    def _send_dead_letters(self, dead: list[tuple[Record, str]]) -> None:
        for record, reason in dead:
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
        self._producer.flush()
        for record, _ in dead:
            DEAD_LETTERED.labels(consumer=self._name, topic=record.topic).inc()


def service_runner(
    bus: Bus,
    producer: Producer,
    handler: Handler,
    *,
    prefix: str,
    group: str,
    topic: str,
    prepare: Callable[[], None] | None = None,
) -> ConsumerRunner:
    """The runner a service uses: its consumer group on one logical topic, both named under
    the deployment's prefix, dead letters to the deployment's dead-letter topic. Before the
    first poll it creates the deployment's topics (and runs ``prepare``), retrying while
    the bus is away, so the service itself starts without the bus."""

    def prepare_all() -> None:
        bus.create_topics(all_topics(prefix))
        if prepare is not None:
            prepare()

    return ConsumerRunner(
        bus.consumer(group_name(prefix, group), [topic_name(prefix, topic)]),
        handler,
        producer=producer,
        dead_letter_topic=topic_name(prefix, DEAD_LETTERS),
        name=group,
        prepare=prepare_all,
    )
