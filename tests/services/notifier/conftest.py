"""The notifier over a real embedded bus, paging real HTTP receivers (pytest-httpserver),
on a test clock; sends run inline unless a test attaches a dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from identities import Identities, client_with_key
from notifier_support import EVENTS_TOPIC, PREFIX, WEBHOOK_SECRET

from services.notifier.app import create_app
from services.notifier.channels.interfaces import Channel, RetryPolicy
from services.notifier.channels.null import InboxChannel
from services.notifier.channels.webhook import WebhookChannel
from services.notifier.escalations import Escalations
from services.notifier.links import Links
from services.notifier.policies.models import load_policy
from services.notifier.runtime import restore_state
from services.notifier.state import NotifierState
from shared.access import COORDINATOR, ONCALL
from shared.clock import TestClock
from shared.directory.projection import DirectoryProjection
from shared.settings import Settings

START = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """Closed after the test, so no pooled connection outlives it."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@pytest.fixture
def directory() -> DirectoryProjection:
    return DirectoryProjection()


@pytest.fixture
def ids(directory) -> Identities:
    return Identities(directory)


@pytest.fixture
def oncall_person(ids) -> str:
    return ids.person("Accord Secretariat", "oki@accord.example", roles=(ONCALL,), password=None)


@pytest.fixture
def coordinator(ids) -> str:
    return ids.person(
        "Accord Secretariat", "carl@accord.example", roles=(COORDINATOR,), password=None
    )


@pytest.fixture
def producer(bus) -> Iterator:
    producer = bus.producer()
    yield producer
    producer.close()


@pytest.fixture
def links(clock) -> Links:
    return Links("links-secret-for-tests", "http://notifier.test", clock)


@pytest.fixture
def webhook_channel(httpserver, session, clock) -> WebhookChannel:
    return WebhookChannel(
        httpserver.url_for("/hook"),
        secret=WEBHOOK_SECRET,
        clock=clock,
        session=session,
        timeout=5.0,
    )


@pytest.fixture
def make_escalations(
    bus, producer, directory, clock, links, webhook_channel
) -> Callable[..., Escalations]:
    """A factory: the notifier's core on the test bus; by default the webhook to
    ``/hook`` and the inbox; ``restore`` replays the registry's and the notifier's events first."""

    def make(
        channels: dict[str, Channel] | None = None, *, restore: bool = False, **options: Any
    ) -> Escalations:
        state = NotifierState()
        if restore:
            restore_state(state, bus, prefix=PREFIX, events_topic=EVENTS_TOPIC)
        return Escalations(
            state=state,
            policy=options.pop("policy", load_policy()),
            directory=directory,
            channels=channels
            if channels is not None
            else {"webhook": webhook_channel, "inbox": InboxChannel()},
            producer=producer,
            events_topic=EVENTS_TOPIC,
            links=links,
            clock=clock,
            retry=options.pop("retry", RetryPolicy(attempts=2, backoff=1.0)),
            jurisdictions=options.pop("jurisdictions", None),
        )

    return make


@pytest.fixture
def escalations(make_escalations):
    return make_escalations()


@pytest.fixture
def app(tmp_path, bus, escalations, directory, producer):
    return create_app(
        Settings(data_dir=tmp_path),
        bus=bus,
        escalations=escalations,
        directory=directory,
        producer=producer,
    )


@pytest.fixture
def as_role(app, ids):
    """A factory: a client sending the key of a new person with ``role``."""
    made = {}

    def client(role: str):
        if role not in made:
            person = ids.person(
                "Accord Secretariat", f"{role}@accord.example", roles=(role,), password=None
            )
            made[role] = (person, client_with_key(app, ids.key_for(person)))
        return made[role][1]

    client.person = lambda role: made[role][0]
    return client
