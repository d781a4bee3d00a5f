"""What only the embedded bus does: share one log between processes, keep one active
consumer per group (a lease), and wait without spinning. Time is a test clock."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from shared.bus.embedded import _WAIT_STEP, LEASE_SECONDS, EmbeddedBus
from shared.bus.interfaces import BusError
from shared.clock import TestClock


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def bus(tmp_path, clock) -> Iterator[EmbeddedBus]:
    bus = EmbeddedBus(tmp_path / "bus.sqlite3", clock=clock)
    bus.create_topics({"t": 1})
    yield bus
    bus.close()


@pytest.fixture
def one_record(bus) -> None:
    producer = bus.producer()
    producer.send("t", key="k", value=b"1")
    producer.close()


def test_records_from_another_process_wake_a_waiting_consumer(tmp_path):
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics({"t": 2})
    consumer = bus.consumer("g", ["t"])
    assert consumer.poll(timeout=0.1) == []
    script = (
        "from shared.bus.embedded import EmbeddedBus;"
        f"p = EmbeddedBus({str(tmp_path / 'bus.sqlite3')!r}).producer();"
        "p.send('t', key='k', value=b'from-child'); p.close()"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    records = consumer.poll(timeout=5.0)
    consumer.close()
    bus.close()
    assert [r.value for r in records] == [b"from-child"]


@pytest.mark.usefixtures("one_record")
def test_a_second_member_is_a_standby_until_the_lease_lapses(bus, clock):
    active = bus.consumer("g", ["t"])
    standby = bus.consumer("g", ["t"])
    assert [r.value for r in active.poll(timeout=1.0)] == [b"1"]
    assert standby.poll(timeout=0.1) == []

    clock.advance(LEASE_SECONDS - 1)  # still within the lease
    assert standby.poll(timeout=0.1) == []
    clock.advance(2)  # the active member stalled past its lease without committing
    assert [r.value for r in standby.poll(timeout=1.0)] == [b"1"]
    standby.commit()
    active.close()
    standby.close()


@pytest.mark.usefixtures("one_record")
def test_a_member_that_lost_its_lease_cannot_commit(bus, clock):
    stalled = bus.consumer("g", ["t"])
    assert stalled.poll(timeout=1.0)
    clock.advance(LEASE_SECONDS + 1)
    taker = bus.consumer("g", ["t"])
    assert taker.poll(timeout=1.0)

    with pytest.raises(BusError, match="lease lost"):
        stalled.commit()
    stalled.close()
    taker.close()


@pytest.mark.usefixtures("one_record")
def test_closing_a_member_hands_the_group_over_at_once(bus):
    first = bus.consumer("g", ["t"])
    assert first.poll(timeout=0.1)
    first.close()  # without committing: the next member reads the record again

    second = bus.consumer("g", ["t"])
    assert [r.value for r in second.poll(timeout=0.1)] == [b"1"]
    second.close()


def test_an_idle_poll_sleeps_between_checks_instead_of_spinning(bus, clock):
    consumer = bus.consumer("g", ["t"])
    assert consumer.poll(timeout=1.0) == []
    consumer.close()
    # It waited the whole timeout, in steps, each after checking for new commits.
    assert sum(clock.waits) == pytest.approx(1.0)
    assert max(clock.waits) == pytest.approx(_WAIT_STEP)
    assert len(clock.waits) == pytest.approx(1.0 / _WAIT_STEP, abs=1)
