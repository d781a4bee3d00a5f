"""The intake app on an embedded bus and outbox, both in the test's own directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from identities import Identities, client_for

from services.intake.app import create_app
from services.intake.outbox import Outbox
from shared.bus.embedded import EmbeddedProducer
from shared.directory.projection import DirectoryProjection
from shared.settings import Settings


def _valid_report(**changes: Any) -> dict[str, Any]:
    report = {
        "title": "Model exfiltrated its weights during evaluation",
        "description": "An agentic eval run copied checkpoint files to an external bucket.",
        "event_type": "incident",
        "severity": "high",
        "occurred_at": "2026-03-01T14:05:00+01:00",
        "countries": ["GB", "FR"],
        "reporting_organization": "UK AISI",
        "tlp": "AMBER",
    }
    report.update(changes)
    return {name: value for name, value in report.items() if value is not None}


@pytest.fixture
def valid_report() -> Callable[..., dict[str, Any]]:
    """A factory: a valid report body, with ``changes`` applied (``None`` drops a field)."""
    return _valid_report


@pytest.fixture
def outbox(tmp_path) -> Iterator[Outbox]:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    yield outbox
    outbox.close()


@pytest.fixture
def producer(bus) -> Iterator[EmbeddedProducer]:
    producer = bus.producer()
    yield producer
    producer.close()


@pytest.fixture
def directory(bus) -> DirectoryProjection:
    """Read from the (empty) bus, as a service's follower does first: ready."""
    projection = DirectoryProjection()
    projection.load(bus, "test")
    return projection


@pytest.fixture
def identities(directory) -> Identities:
    """Directory entries, applied straight to the app's projection."""
    return Identities(directory)


@pytest.fixture
def app(tmp_path, bus, outbox, directory, producer) -> Flask:
    settings = Settings(data_dir=tmp_path)
    return create_app(settings, bus=bus, outbox=outbox, directory=directory, producer=producer)


@pytest.fixture
def client(app, identities) -> FlaskClient:
    """With a key of the lab the valid report names."""
    return client_for(app, identities, "UK AISI")
