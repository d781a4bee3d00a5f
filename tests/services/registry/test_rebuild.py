"""``accord registry rebuild`` on both stores: the topics replayed into a new version that
equals the live one, swapped in under a live registry that goes on serving and consuming."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from registry_support import VIEWERS
from waiting import wait_until

from services.cli import main
from services.registry import store as stores
from services.registry.consumer import projection_handlers, replay_handlers
from services.registry.journal import Journal
from services.registry.rebuild import rebuild
from services.registry.risk_register import RiskRegister
from services.registry.service import LazyProducer, Registry
from services.registry.store.elasticsearch import ElasticsearchStore
from services.registry.store.embedded import EmbeddedStore
from services.registry.store.interfaces import IncidentStore
from shared import bus as buses
from shared.bus.embedded import EmbeddedBus
from shared.bus.runner import service_runner
from shared.clock import TestClock
from shared.envelope import Envelope, decode, encode
from shared.settings import Settings
from shared.topics import CONTRACTS, REGISTRY_EVENTS, REPORTS, all_topics, topic_name

PREFIX = "rebuild"
REPORT = CONTRACTS[REPORTS].events["report.accepted"]["examples"][0]["payload"]["report"]


def report(n: int) -> dict[str, Any]:
    return {**copy.deepcopy(REPORT), "id": f"01JR{n:022d}", "title": f"Rebuilt incident {n}"}


def publish(bus, *reports: dict[str, Any], raw: bytes | None = None) -> None:
    producer = bus.producer()
    for r in reports:
        envelope = Envelope(type="report.accepted", key=r["id"], producer="test",
                            payload={"report": r})  # fmt: skip
        producer.send(topic_name(PREFIX, REPORTS), key=r["id"], value=encode(envelope))
    if raw is not None:
        producer.send(topic_name(PREFIX, REPORTS), key="junk", value=raw)
    producer.close()


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def settings(request, tmp_path, monkeypatch) -> Settings:
    """The environment `accord` reads: an embedded bus, and each store in turn."""
    env = {"ACCORD_DATA_DIR": str(tmp_path), "ACCORD_TOPIC_PREFIX": PREFIX}
    if request.param == "elasticsearch":
        env |= {
            "ACCORD_STORE": "elasticsearch",
            "ACCORD_ELASTICSEARCH_URL": request.getfixturevalue("noida").elasticsearch_url,
            "ACCORD_INDEX_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


@pytest.fixture
def live(settings) -> Iterator[tuple[Any, IncidentStore]]:
    """A live registry's store and consumer, wired as its entrypoint wires them."""
    bus = buses.connect(settings)
    bus.create_topics(all_topics(PREFIX))
    store = stores.connect(settings)
    producer = bus.producer()
    handlers = projection_handlers(
        store, producer, prefix=PREFIX, registry_url="http://r.test", journal=Journal.in_memory()
    )
    runner = service_runner(bus, producer, handlers[REPORTS], prefix=PREFIX, group="registry",
                            topic=REPORTS, prepare=store.ensure)  # fmt: skip
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    yield bus, store
    runner.stop()
    thread.join(10)
    producer.close()
    store.close()
    bus.close()


def served_version(store: IncidentStore) -> str:
    """The file or index the store serves now."""
    if isinstance(store, ElasticsearchStore):
        return ",".join(store.client.indices.get_alias(name=store.alias))
    return store.name


def caught_up(bus) -> None:
    wait_until(lambda: bus.lag(f"{PREFIX}.registry", topic_name(PREFIX, REPORTS)) == 0,
               "the live registry consumed every report")  # fmt: skip


def test_the_rebuilt_store_equals_the_live_one_and_is_served_from_then_on(live, capsys):
    bus, store = live
    publish(bus, *[report(n) for n in range(1, 8)], raw=b"<html>not an event</html>")
    caught_up(bus)
    before = list(store.documents())
    served_from = served_version(store)
    assert len(before) == 7

    assert main(["registry", "rebuild"]) == 0

    out = capsys.readouterr().out
    # 7 reports and the 7 incident.registered events the live registry published
    assert "from 14 records" in out and "1 skipped" in out and "not JSON" in out
    assert served_version(store) != served_from  # the live store object follows the swap
    assert served_version(store) in out
    assert list(store.documents()) == before
    reopened = stores.connect(Settings.from_env())  # as a restarted registry would
    try:
        assert served_version(reopened) == served_version(store)
        assert list(reopened.documents()) == before
    finally:
        reopened.close()
    publish(bus, report(8))  # the live consumer goes on, into the new version
    caught_up(bus)
    assert [doc["id"] for doc in store.documents()][-1] == report(8)["id"]


def test_records_that_arrive_during_the_rebuild_are_caught_up(live):
    bus, store = live
    publish(bus, report(1), report(2))
    caught_up(bus)

    class ArrivingMeanwhile:
        """The live store, but a report arrives just before the swap."""

        def __getattr__(self, name):
            return getattr(store, name)

        def promote(self, version):
            publish(bus, report(3))
            return store.promote(version)

    done = rebuild(
        bus,
        ArrivingMeanwhile(),
        lambda version: replay_handlers(version, prefix=PREFIX, registry_url="http://r.test"),
        prefix=PREFIX,
        stamp="t1",
    )

    assert done.replayed.applied == 4  # 2 reports, 2 incident.registered events
    # report 3, and its incident.registered when the live registry has published it already
    assert done.caught_up.applied in (1, 2)
    caught_up(bus)
    assert [doc["id"] for doc in store.documents()] == [report(n)["id"] for n in (1, 2, 3)]


def test_a_rebuild_publishes_no_registry_events(live):
    bus, _ = live
    publish(bus, report(1))
    caught_up(bus)
    events = topic_name(PREFIX, "registry-events")
    wait_until(lambda: len(list(bus.replay(events))) == 1, "the live registry's one event")

    assert main(["registry", "rebuild"]) == 0

    assert len(list(bus.replay(events))) == 1


def test_decisions_and_the_risk_register_are_rebuilt_as_they_were(live):
    """Triage, an owner, a merge and a risk: the rebuilt version equals the live one."""
    bus, store = live
    publish(bus, report(1), report(2))
    caught_up(bus)
    clock = TestClock()
    registry = Registry(
        store,
        LazyProducer(bus).get,
        topic_name(PREFIX, REGISTRY_EVENTS),
        clock,
        Journal.in_memory(),
    )
    owner = VIEWERS["risk owner"]
    first, second = report(1)["id"], report(2)["id"]
    registry.transition(owner, first, expected_version=1, to="triaged",
                        rationale="Seen", visibility="public")  # fmt: skip
    registry.assign(owner, first, expected_version=2, owner={"id": "p-risk", "name": "Risk Owner"})
    registry.merge(owner, second, expected_version=1, original_id=first,
                   rationale="The same event", visibility="confidential")  # fmt: skip
    RiskRegister(registry).create(owner, {
        "title": "Weights leave the lab", "description": "Exfiltration", "likelihood": 3,
        "impact": 4, "treatment": "mitigate", "owner": "p-risk", "mitigations": [],
        "next_review": "2027-01-15", "incidents": [first],
    })  # fmt: skip
    before, risks_before = list(store.documents()), store.risks()
    assert before[0]["status"] == "triaged" and before[1]["status"] == "duplicate"

    assert main(["registry", "rebuild"]) == 0

    assert list(store.documents()) == before
    assert store.risks() == risks_before


def test_promotions_leave_the_data_folders_other_files_alone(tmp_path):
    """Only the registry's versions are removed, never e.g. its directory cache."""
    cache = tmp_path / "registry-directory.sqlite3"
    cache.write_text("the directory as this service knew it")
    store = EmbeddedStore(tmp_path / "registry.sqlite3", pointer=tmp_path / "registry.current")
    store.ensure()
    for stamp in ("t1", "t2", "t3"):
        version = store.new_version(stamp)
        version.ensure()
        store.promote(version)
        version.close()

    assert cache.read_text() == "the directory as this service knew it"
    assert sorted(p.name for p in tmp_path.glob("registry.v*.sqlite3")) == [
        "registry.vt2.sqlite3",
        "registry.vt3.sqlite3",
    ]
    store.close()


@pytest.mark.parametrize(("publish", "published"), [(True, 2), (False, 0)])
def test_a_replay_registers_the_reports_and_publishes_nothing(tmp_path, publish, published):
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics(all_topics(PREFIX))
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    store.ensure()
    producer = bus.producer()
    handlers = projection_handlers(
        store,
        producer,
        prefix=PREFIX,
        registry_url="http://r.test",
        journal=Journal.in_memory(),
        publish=publish,
    )
    handlers[REPORTS](
        [decode(encode(Envelope(type="report.accepted", key=r["id"], producer="test",
                                payload={"report": r}))) for r in (report(1), report(2))]
    )  # fmt: skip
    producer.close()
    assert [i["id"] for i in store.documents()] == [report(1)["id"], report(2)["id"]]
    events = list(bus.replay(topic_name(PREFIX, REGISTRY_EVENTS)))
    assert [decode(r.value).type for r in events] == ["incident.registered"] * published
    store.close()
    bus.close()
