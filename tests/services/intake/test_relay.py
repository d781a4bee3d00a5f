"""The outbox relay: every accepted report reaches the reports topic once the bus takes it."""

from __future__ import annotations

import threading
import time

import pytest
from waiting import wait_until

from services.intake.relay import OutboxRelay
from services.intake.reports import accept
from shared.access import REPORTER, Viewer
from shared.bus.embedded import EmbeddedBus
from shared.bus.interfaces import BusError
from shared.clock import TestClock
from shared.envelope import decode
from shared.topics import REPORTS, topic_name

LAB = Viewer(
    person_id="01JD00000000000000000000B1",
    organization_id="01JD00000000000000000000A1",
    member=True,
    roles=frozenset({REPORTER}),
)

TOPIC = topic_name("test", REPORTS)


@pytest.fixture
def bus(tmp_path):
    """A bus without topics yet, as at intake's first start: the relay must wait."""
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    yield bus
    bus.close()


@pytest.fixture
def producer(bus):
    producer = bus.producer()
    yield producer
    producer.close()


@pytest.fixture
def consumer(bus):
    consumer = bus.consumer("test", [TOPIC])
    yield consumer
    consumer.close()


@pytest.fixture
def add_reports(outbox, valid_report):
    def add(count: int) -> list[str]:
        return [
            accept(
                valid_report(title=f"report {n}"),
                channel="api",
                source_format="json",
                viewer=LAB,
                is_person=lambda _: True,
                outbox=outbox,
                payload=b"{}",
            ).id
            for n in range(count)
        ]

    return add


def read_keys(consumer, count: int, timeout: float = 5.0) -> list[str]:
    """Keys of the records on the topic, until ``count`` arrived or ``timeout`` passed."""
    keys: list[str] = []
    deadline = time.monotonic() + timeout
    while len(keys) < count and time.monotonic() < deadline:
        for record in consumer.poll(timeout=0.1):
            assert decode(record.value).key == record.key
            keys.append(record.key)
    return keys


def test_publish_sends_every_pending_report_and_marks_it_published(
    bus, outbox, producer, consumer, add_reports
):
    bus.create_topics({TOPIC: 3})
    ids = add_reports(3)

    OutboxRelay(outbox, producer, TOPIC).publish(outbox.unpublished(100))

    assert sorted(read_keys(consumer, 3)) == sorted(ids)
    assert outbox.unpublished(100) == []
    assert all(outbox.get(report_id).published_at for report_id in ids)
    assert consumer.poll(timeout=0.1) == []


def test_reports_wait_in_the_outbox_while_the_bus_refuses_them(
    bus, outbox, producer, consumer, add_reports
):
    ids = add_reports(2)
    relay = OutboxRelay(outbox, producer, TOPIC)

    with pytest.raises(BusError, match="unknown topic"):
        relay.publish(outbox.unpublished(100))  # before create_topics, as at first start-up
    assert [report_id for report_id, _ in outbox.unpublished(100)] == ids
    assert outbox.get(ids[0]).published_at is None

    bus.create_topics({TOPIC: 1})
    relay.publish(outbox.unpublished(100))

    assert read_keys(consumer, 2) == ids
    assert read_keys(consumer, 1, timeout=0.3) == []  # the failed attempt left nothing behind
    assert outbox.unpublished(100) == []


def test_run_retries_with_backoff_until_the_bus_accepts_and_drains_later_reports(
    bus, outbox, producer, consumer, add_reports
):
    early = add_reports(2)
    clock = TestClock()
    relay = OutboxRelay(outbox, producer, TOPIC, backoff=(0.1, 0.4), clock=clock)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        # A few refused attempts: the topic does not exist yet.
        wait_until(lambda: len(clock.waits) >= 4, "four refused attempts")
        assert clock.waits[:4] == [0.1, 0.2, 0.4, 0.4]
        assert len(outbox.unpublished(100)) == 2
        bus.create_topics({TOPIC: 1})
        assert read_keys(consumer, 2) == early

        late = add_reports(2)
        assert read_keys(consumer, 2) == late
        assert read_keys(consumer, 1, timeout=0.3) == []
        assert outbox.unpublished(100) == []
    finally:
        relay.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_stop_wakes_an_idle_run(outbox, producer):
    # An hour's idle wait: only stop() can end the run within the join below.
    relay = OutboxRelay(outbox, producer, TOPIC, idle_wait=3600)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    relay.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_prepare_runs_before_the_first_publish_and_is_retried_while_the_bus_is_away(
    bus, outbox, producer, consumer, add_reports
):
    ids = add_reports(2)
    tries: list[int] = []

    def create_topics() -> None:
        tries.append(1)
        if len(tries) < 3:
            raise BusError("broker away")
        bus.create_topics({TOPIC: 1})

    relay = OutboxRelay(outbox, producer, TOPIC, prepare=create_topics, clock=TestClock())
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        assert read_keys(consumer, 2) == ids
    finally:
        relay.stop()
        thread.join(timeout=5)
    assert len(tries) == 3
