"""The journal closes the window between the store write and the publish, on both stores:
a change cut short there (a crash: ``Crash`` stops the write path as a killed process
would, running none of its handlers) has its event published by the recovery that runs
when the registry starts again, once; a change cut short before its store write, or put
back, is forgotten. The restart is a new ``Registry`` on the journal's file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from registry_support import LAB_A, STORES, VIEWERS, open_store

from services.registry.decisions import registered
from services.registry.journal import GRACE, Journal, Recovery, holds
from services.registry.risk_register import RiskRegister
from services.registry.service import Registry
from shared.clock import TestClock
from shared.envelope import Envelope, decode
from shared.errors import Unavailable
from shared.topics import REGISTRY_EVENTS, topic_name

EVENTS_TOPIC = topic_name("test", REGISTRY_EVENTS)
OWNER = VIEWERS["risk owner"]
TRIAGED = {"to": "triaged", "rationale": "In scope", "visibility": "public"}
RISK = {
    "title": "Weights leave the lab", "description": "Exfiltration", "likelihood": 3,
    "impact": 4, "treatment": "mitigate", "owner": "p-risk", "mitigations": [],
    "next_review": "2027-01-15", "incidents": [],
}  # fmt: skip


class Crash(BaseException):
    """The process dies here: no ``except Exception`` (nor ``Unavailable``) sees it."""


class Cut:
    """A producer that dies on ``send`` (``crash``) or refuses it (``away``)."""

    def __init__(self, producer, *, crash: bool = False, away: bool = False) -> None:
        self._producer, self._crash, self._away = producer, crash, away

    def send(self, topic: str, *, key: str, value: bytes) -> None:
        if self._crash:
            raise Crash
        if self._away:
            raise Unavailable("the bus is away")
        self._producer.send(topic, key=key, value=value)

    def flush(self) -> None:
        self._producer.flush()


@pytest.fixture(params=STORES)
def site(request, tmp_path, bus, make_report):
    store = open_store(request.param, request, tmp_path)
    incident = registered(make_report(1, organization_id=LAB_A))
    store.create([incident])
    clock = TestClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    producer = bus.producer()
    yield store, incident["id"], clock, producer
    producer.close()
    store.close()


def registry(store, clock, producer, path, **cut) -> Registry:
    """The registry as a process starts it, on the journal in ``path``."""
    return Registry(store, lambda: Cut(producer, **cut), EVENTS_TOPIC, clock, Journal(path))


def published(bus) -> list[Envelope]:
    return [decode(record.value) for record in bus.replay(EVENTS_TOPIC)]


def test_a_decision_cut_short_after_its_store_write_is_published_at_restart(site, bus, tmp_path):
    store, incident_id, clock, producer = site
    path = tmp_path / "journal.sqlite3"
    with pytest.raises(Crash):
        registry(store, clock, producer, path, crash=True).transition(
            OWNER, incident_id, expected_version=1, **TRIAGED
        )
    assert store.fetch(incident_id).doc["status"] == "triaged"
    assert published(bus) == []  # the window: stored, not on the bus

    restarted = registry(store, clock, producer, path)
    assert Recovery(restarted, clock=clock).settle(everything=True) == (1, 0)
    [event] = published(bus)
    assert (event.type, event.key, event.payload["version"]) == (
        "incident.transitioned", incident_id, 2
    )  # fmt: skip
    assert store.fetch(incident_id).doc["timeline"][-1]["event_id"] == event.id
    # Settled: nothing left to publish again.
    assert Recovery(restarted, clock=clock).settle(everything=True) == (0, 0)
    assert len(published(bus)) == 1


def test_a_decision_cut_short_before_its_store_write_is_forgotten(site, bus, tmp_path):
    store, incident_id, clock, producer = site
    path = tmp_path / "journal.sqlite3"
    cut = registry(store, clock, producer, path)

    def dies(*_args, **_kwargs):
        raise Crash

    cut.store = type("Dying", (), {"fetch": store.fetch, "replace": dies})()
    with pytest.raises(Crash):
        cut.transition(OWNER, incident_id, expected_version=1, **TRIAGED)

    restarted = registry(store, clock, producer, path)
    assert Recovery(restarted, clock=clock).settle(everything=True) == (0, 1)
    assert published(bus) == []
    assert store.fetch(incident_id).doc["status"] == "new"


def test_a_decision_put_back_while_the_bus_is_away_is_forgotten(site, bus, tmp_path):
    store, incident_id, clock, producer = site
    path = tmp_path / "journal.sqlite3"
    away = registry(store, clock, producer, path, away=True)
    with pytest.raises(Unavailable):
        away.transition(OWNER, incident_id, expected_version=1, **TRIAGED)
    assert store.fetch(incident_id).doc["status"] == "new"  # put back

    recovery = Recovery(registry(store, clock, producer, path), clock=clock)
    assert recovery.settle() == (0, 0)  # within the grace: maybe still in progress
    clock.advance(GRACE.total_seconds() + 1)
    assert recovery.settle() == (0, 1)
    assert published(bus) == []


def test_a_risk_cut_short_after_its_store_write_is_published_at_restart(site, bus, tmp_path):
    store, _, clock, producer = site
    path = tmp_path / "journal.sqlite3"
    register = RiskRegister(registry(store, clock, producer, path, crash=True))
    with pytest.raises(Crash):
        register.create(OWNER, RISK)
    [risk] = store.risks()

    restarted = registry(store, clock, producer, path)
    assert Recovery(restarted, clock=clock).settle(everything=True) == (1, 0)
    with pytest.raises(Crash):
        RiskRegister(registry(store, clock, producer, path, crash=True)).update(
            OWNER, risk["id"], expected_version=1, fields={"likelihood": 5}
        )
    assert Recovery(restarted, clock=clock).settle(everything=True) == (1, 0)
    assert [(e.type, e.payload["version"]) for e in published(bus)] == [
        ("risk.created", 1),
        ("risk.updated", 2),
    ]
    assert published(bus)[1].payload["risk"] == store.fetch_risk(risk["id"]).doc


def test_a_decision_taken_whole_leaves_nothing_in_the_journal(site, bus, tmp_path):
    store, incident_id, clock, producer = site
    path = tmp_path / "journal.sqlite3"
    live = registry(store, clock, producer, path)
    live.transition(OWNER, incident_id, expected_version=1, **TRIAGED)
    RiskRegister(live).create(OWNER, RISK)
    clock.advance(GRACE.total_seconds() + 1)
    assert Journal(path).before(clock.now()) == []
    assert sorted(e.type for e in published(bus)) == ["incident.transitioned", "risk.created"]


def test_an_event_that_no_longer_decodes_is_forgotten(site, bus, tmp_path):
    store, _, clock, producer = site
    path = tmp_path / "journal.sqlite3"
    Journal(path).add("01JD0000000000000000000009", b'{"type": "incident.gone"}', clock.now())
    restarted = registry(store, clock, producer, path)
    assert Recovery(restarted, clock=clock).settle(everything=True) == (0, 1)
    assert Journal(path).before(clock.now() + GRACE) == []
    assert published(bus) == []


def test_holds_reads_the_change_in_the_stored_document():
    decision = Envelope(type="incident.assigned", key="i", producer="registry", payload={})
    assert holds(decision, {"timeline": [{"event_id": decision.id}]})
    assert not holds(decision, {"timeline": [{"event_id": "another"}]})
    assert not holds(decision, None)
    risk = {"id": "r", "version": 2, "title": "Ours"}
    update = Envelope(
        type="risk.updated", key="r", producer="registry", payload={"version": 2, "risk": risk}
    )
    assert holds(update, risk)
    assert not holds(update, {**risk, "title": "Another change at version 2"})
    assert holds(update, {**risk, "version": 3})  # a later change was made on top of it
    assert not holds(update, {**risk, "version": 1})
