"""The notifier on an embedded bus, paging a real HTTP receiver (pytest-httpserver)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from services.notifier.channels import WebhookChannel
from shared.clock import TestClock
from shared.envelope import Envelope
from shared.topics import CONTRACTS, REGISTRY_EVENTS

PREFIX = "test"
_GOLDEN_REGISTERED = CONTRACTS[REGISTRY_EVENTS].events["incident.registered"]["examples"][0]


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """Closed after the test, so no pooled connection outlives it."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def webhook(httpserver: HTTPServer, session) -> Callable[..., WebhookChannel]:
    """A factory: a fast-retrying channel to ``/hook`` on the test's HTTP server."""

    def make(url: str | None = None, **options: Any) -> WebhookChannel:
        options = {"attempts": 3, "backoff": 0.01, "timeout": 2.0, "clock": TestClock(), **options}
        return WebhookChannel(url or httpserver.url_for("/hook"), session=session, **options)

    return make


def _registered(incident_id: str, severity: str = "critical") -> Envelope:
    event = copy.deepcopy(_GOLDEN_REGISTERED)
    event["key"] = event["payload"]["incident_id"] = incident_id
    event["payload"]["severity"] = severity
    event["payload"]["url"] = f"http://registry.test/v1/incidents/{incident_id}"
    return Envelope(**event)


@pytest.fixture
def registered() -> Callable[..., Envelope]:
    """A factory: an ``incident.registered`` event for ``incident_id`` at ``severity``."""
    return _registered
