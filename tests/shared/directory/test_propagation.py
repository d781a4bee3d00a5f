"""A directory change reaches all three services over a real bus: the embedded bus, and
Kafka on noida-db and on Tansu. Each service is its real app with its own projection and
follower, as its ``__main__`` wires them; an admin publishes as the ``accord`` command does.

A revoked key or role must stop working on every service within 5 seconds: each test waits
on every projection's condition with that deadline, then asks each service over HTTP.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from identities import APPLIED_WITHIN, Identities, client_with_key, on_the_bus

from services.intake.app import create_app as intake_app
from services.intake.outbox import Outbox
from services.notifier.app import create_app as notifier_app
from services.notifier.channels.null import InboxChannel
from services.notifier.escalations import Escalations
from services.notifier.links import Links
from services.notifier.policies.models import load_policy
from services.notifier.state import NotifierState
from services.registry.app import create_app as registry_app
from services.registry.store.embedded import EmbeddedStore
from shared.access import ONCALL, REPORTER
from shared.bus.embedded import EmbeddedBus
from shared.bus.interfaces import Bus
from shared.bus.kafka import KafkaBus
from shared.clock import SYSTEM_CLOCK
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection, follower
from shared.envelope import Envelope
from shared.settings import Settings
from shared.topics import NOTIFIER_EVENTS, all_topics, topic_name

ADAPTERS = [
    "embedded",
    pytest.param("noida", marks=pytest.mark.kafka),
    pytest.param("tansu", marks=pytest.mark.kafka),
]
SESSION_TIMEOUT_MS = {"noida": 6000, "tansu": 2000}
WARM_UP = 60.0  # seconds for a Kafka consumer's first group join; not the bound under test
SERVICES = ("intake", "registry", "notifier")


@pytest.fixture(params=ADAPTERS)
def bus(request, tmp_path) -> Iterator[Bus]:
    if request.param == "embedded":
        bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    else:
        server = request.getfixturevalue(request.param)
        bus = KafkaBus(
            [server.kafka_bootstrap],
            session_timeout_ms=SESSION_TIMEOUT_MS[request.param],
            heartbeat_interval_ms=500,
        )
    yield bus
    bus.close()


@dataclass
class Collaboration:
    admin: Identities
    projections: dict[str, DirectoryProjection]
    apps: dict[str, object]

    def clients(self, plain: str) -> dict[str, FlaskClient]:
        return {name: client_with_key(app, plain) for name, app in self.apps.items()}

    def missing(self, event: Envelope, timeout: float = APPLIED_WITHIN) -> list[str]:
        """The services that had not applied ``event`` by the deadline (none, normally)."""
        deadline = time.monotonic() + timeout
        return [
            name
            for name, p in self.projections.items()
            if not p.wait_for([event.id], max(deadline - time.monotonic(), 0))
        ]


@pytest.fixture
def collaboration(bus, tmp_path) -> Iterator[Collaboration]:
    settings = Settings(data_dir=tmp_path, topic_prefix=f"dir-{uuid.uuid4().hex[:8]}")
    prefix = settings.topic_prefix
    bus.create_topics(all_topics(prefix))
    producer = bus.producer()
    projections = {name: DirectoryProjection() for name in SERVICES}
    runners = [
        follower(bus, producer, projection, prefix=prefix, service=name)
        for name, projection in projections.items()
    ]
    threads = [threading.Thread(target=r.run, daemon=True) for r in runners]
    for thread in threads:
        thread.start()
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    authenticators = {name: DirectoryAuthenticator(p) for name, p in projections.items()}
    apps = {
        "intake": intake_app(
            settings,
            bus=bus,
            outbox=outbox,
            directory=projections["intake"],
            producer=producer,
        ),
        "registry": registry_app(
            settings, bus=bus, store=store, authenticator=authenticators["registry"]
        ),
        "notifier": notifier_app(
            settings,
            bus=bus,
            escalations=Escalations(
                state=NotifierState(),
                policy=load_policy(),
                directory=projections["notifier"],
                channels={"inbox": InboxChannel()},
                producer=producer,
                events_topic=topic_name(prefix, NOTIFIER_EVENTS),
                links=Links("links-secret", "http://notifier.test", SYSTEM_CLOCK),
                clock=SYSTEM_CLOCK,
            ),
            directory=projections["notifier"],
            producer=producer,
            authenticator=authenticators["notifier"],
        ),
    }
    admin = Identities(on_the_bus(producer, prefix))  # publishes only, as `accord` does
    try:
        yield Collaboration(admin, projections, apps)
    finally:
        for runner in runners:
            runner.stop()
        for thread in threads:
            thread.join(timeout=30)
        producer.close()
        store.close()
        outbox.close()


def test_a_revoked_key_stops_working_on_every_service(collaboration):
    plain = collaboration.admin.key("UK AISI")
    last = collaboration.admin.grant(collaboration.admin.account("UK AISI"), ONCALL)
    assert collaboration.missing(last, WARM_UP) == []
    clients = collaboration.clients(plain)
    assert {name: c.get("/v1/whoami").status_code for name, c in clients.items()} == dict.fromkeys(
        SERVICES, 200
    )

    revoked = collaboration.admin.revoke(plain)

    assert collaboration.missing(revoked) == []
    answers = {name: c.get("/v1/whoami") for name, c in clients.items()}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(SERVICES, 401)
    assert all(r.mimetype == "application/problem+json" for r in answers.values())


def test_a_revoked_role_stops_working_on_every_service(collaboration):
    admin = collaboration.admin
    ada = admin.person("UK AISI", "ada@aisi.example", roles=[REPORTER, ONCALL], password=None)
    plain = admin.key_for(ada)
    warmed = admin.grant(ada, "coordinator")
    assert collaboration.missing(warmed, WARM_UP) == []

    revoked = admin.revoke_role(ada, ONCALL)

    assert collaboration.missing(revoked) == []
    roles = {
        name: client.get("/v1/whoami").get_json()["roles"]
        for name, client in collaboration.clients(plain).items()
    }
    assert roles == {name: ["coordinator", "reporter"] for name in SERVICES}


def test_a_service_started_later_knows_the_directory_before_its_first_request(collaboration, bus):
    plain = collaboration.admin.key("UK AISI")
    ready = collaboration.admin.grant(collaboration.admin.account("CAISI"), ONCALL)
    assert collaboration.missing(ready, WARM_UP) == []
    prefix = collaboration.apps["intake"].config["ACCORD"].topic_prefix

    late = DirectoryProjection()
    loaded = late.load(bus, prefix)  # what a service's __main__ does before serving

    assert loaded == 6, f"replayed {loaded} of the 6 events"
    assert DirectoryAuthenticator(late).viewer_for_key(plain) is not None
