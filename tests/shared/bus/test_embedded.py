"""What only the embedded bus does: share one log between processes, keep one active
consumer per group (a lease), and wait without spinning."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from shared.bus import embedded
from shared.bus.embedded import EmbeddedBus
from shared.bus.interfaces import BusError


def test_records_from_another_process_wake_a_waiting_consumer(tmp_path):
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics({"t": 2})
    consumer = bus.consumer("g", ["t"])
    assert consumer.poll(timeout=0.1) == []
    script = (
        "from shared.bus.embedded import EmbeddedBus;"
        f"p = EmbeddedBus({str(tmp_path / 'bus.sqlite3')!r}).producer();"
        "p.send('t', key='k', value=b'from-child'); p.flush()"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    records = consumer.poll(timeout=5.0)
    assert [r.value for r in records] == [b"from-child"]


def test_a_second_member_is_a_standby_until_the_lease_lapses(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "LEASE_SECONDS", 0.5)
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics({"t": 1})
    producer = bus.producer()
    producer.send("t", key="k", value=b"1")
    producer.flush()

    active = bus.consumer("g", ["t"])
    standby = bus.consumer("g", ["t"])
    assert [r.value for r in active.poll(timeout=1.0)] == [b"1"]
    assert standby.poll(timeout=0.1) == []

    time.sleep(0.6)  # the active member stalls past its lease without committing
    assert [r.value for r in standby.poll(timeout=1.0)] == [b"1"]
    standby.commit()


def test_a_member_that_lost_its_lease_cannot_commit(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "LEASE_SECONDS", 0.3)
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics({"t": 1})
    producer = bus.producer()
    producer.send("t", key="k", value=b"1")
    producer.flush()
    stalled = bus.consumer("g", ["t"])
    stalled.poll(timeout=1.0)
    time.sleep(0.4)
    taker = bus.consumer("g", ["t"])
    assert taker.poll(timeout=1.0)

    with pytest.raises(BusError, match="lease lost"):
        stalled.commit()


def test_an_idle_poll_sleeps_instead_of_spinning(tmp_path):
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics({"t": 1})
    consumer = bus.consumer("g", ["t"])
    started = time.process_time()
    consumer.poll(timeout=1.0)
    # A spinning poll would burn about a second of CPU here.
    assert time.process_time() - started < 0.5
