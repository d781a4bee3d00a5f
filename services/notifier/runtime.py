"""The notifier's moving parts, wired: state restored from its events, the consumer of
registry events, the dispatcher, and the timers behind the scheduler lease.

Order at start-up: the consumer's ``prepare`` replays ``notifier-events`` into the state
before its first poll; only then does the scheduler worker take the lease and start the
timers, so no tick decides on a half-rebuilt state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from services.notifier.dispatcher import Dispatcher
from services.notifier.escalations import Escalations
from services.notifier.state import NotifierState
from services.notifier.timers import SchedulerLease, Timers
from shared.bus.interfaces import Bus, Producer
from shared.bus.runner import ConsumerRunner, service_runner
from shared.clock import Clock
from shared.errors import Unavailable
from shared.topics import REGISTRY_EVENTS, topic_name

log = logging.getLogger(__name__)

CONSUMER_GROUP = "notifier"
LEASE_RETRY_SECONDS = 2.0


class SchedulerWorker:
    """Holds the scheduler while this instance holds the lease (a serve() worker)."""

    def __init__(
        self,
        timers: Timers,
        lease: SchedulerLease,
        restored: threading.Event,
        clock: Clock,
        catch_up: Callable[[], object],
    ) -> None:
        self._timers = timers
        self._lease = lease
        self._restored = restored
        self._clock = clock
        self._catch_up = catch_up
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._restored.wait(0.2):
            if self._stopping.is_set():
                return
        while not self._lease.try_acquire():
            log.info("another notifier holds the scheduler; standing by")
            if self._clock.wait(LEASE_RETRY_SECONDS, self._stopping):
                return
        # A standby that takes over replays what the holder wrote meanwhile (applying an
        # event twice changes nothing), so it does not page again what was sent.
        if not self._caught_up():
            self._lease.release()
            return
        log.info("holding the scheduler")
        self._timers.start()
        try:
            self._stopping.wait()
        finally:
            self._timers.stop()
            self._lease.release()

    def _caught_up(self) -> bool:
        """Replay the events, waiting out a bus that is away (the process stays up); False
        when stopped meanwhile."""
        while True:
            try:
                self._catch_up()
                return True
            except Unavailable as exc:
                log.warning("the scheduler waits for the bus to catch up: %s", exc)
                if self._clock.wait(LEASE_RETRY_SECONDS, self._stopping):
                    return False

    def stop(self) -> None:
        self._stopping.set()


def restore_state(state: NotifierState, bus: Bus, *, prefix: str, events_topic: str) -> None:
    """The registry's events first (what the notifier follows: incidents, their owners,
    risk reviews), then the notifier's own, which decide on them."""
    followed = state.restore(bus.replay(topic_name(prefix, REGISTRY_EVENTS)))
    count = state.restore(bus.replay(events_topic))
    log.info("restored the notifier's state from %d events (and %d followed)", count, followed)


def wire(
    escalations: Escalations,
    *,
    bus: Bus,
    producer: Producer,
    prefix: str,
    events_topic: str,
    lease_path: Path,
    clock: Clock,
) -> tuple[ConsumerRunner, SchedulerWorker, Dispatcher]:
    timers = Timers(escalations.tick, clock)
    dispatcher = Dispatcher(on_unavailable=timers.wake_after)
    escalations.submit = dispatcher.submit
    escalations.on_change = timers.wake
    restored = escalations.state.restored

    def restore() -> None:
        restore_state(escalations.state, bus, prefix=prefix, events_topic=events_topic)

    def prepare() -> None:
        restore()
        restored.set()

    consumer = service_runner(
        bus,
        producer,
        escalations,
        prefix=prefix,
        group=CONSUMER_GROUP,
        topic=REGISTRY_EVENTS,
        prepare=prepare,
    )
    scheduler = SchedulerWorker(timers, SchedulerLease(lease_path), restored, clock, restore)
    return consumer, scheduler, dispatcher
