"""The registry's pages through the real app, CSRF protection on, people signed in with
e-mail and password through the directory's sign-in (``shared.directory.views``).

Signing in costs an argon2id hash and check, so the site (store, directory, app) and the
signed-in browsers are shared by a module; tests that change the store make their own
app and read it with a key (``fresh_app``, ``key_client``), which resolves to the same
viewer as a session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from identities import Identities
from registry_pages import INCIDENTS, LAB_B_EMAIL, RISK_OWNER_EMAIL, sign_in

from services.registry.app import create_app
from services.registry.store.embedded import EmbeddedStore
from shared.access import REPORTER, RISK_OWNER
from shared.bus.embedded import EmbeddedBus
from shared.directory.projection import DirectoryProjection
from shared.settings import Settings
from shared.topics import all_topics


@dataclass
class Site:
    app: Flask
    store: EmbeddedStore
    bus: EmbeddedBus
    identities: Identities


def _site(folder, store: EmbeddedStore) -> Iterator[Site]:
    bus = EmbeddedBus(folder / "bus.sqlite3")
    bus.create_topics(all_topics("test"))
    producer = bus.producer()
    directory = DirectoryProjection()
    directory.load(bus, "test")  # as the registry's follower does first: ready
    app = create_app(
        Settings(data_dir=folder, topic_prefix="test"),
        bus=bus,
        store=store,
        directory=directory,
        producer=producer,
    )
    try:
        yield Site(app, store, bus, Identities(directory))
    finally:
        producer.close()
        store.close()
        bus.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The registry with ``INCIDENTS``, a risk owner and a reporter of lab B who sign in."""
    folder = tmp_path_factory.mktemp("pages")
    store = EmbeddedStore(folder / "registry.sqlite3")
    store.ensure()
    store.upsert(INCIDENTS)
    for built in _site(folder, store):
        built.identities.person("Secretariat", RISK_OWNER_EMAIL, roles=(RISK_OWNER,))
        built.identities.person("Lab B", LAB_B_EMAIL, roles=(REPORTER,))
        yield built


@pytest.fixture(scope="module")
def app(site) -> Flask:
    return site.app


@pytest.fixture(scope="module")
def risk_owner(app) -> FlaskClient:
    """The risk owner's browser, signed in (for reading only: never sign it out)."""
    client = app.test_client()
    assert sign_in(client, RISK_OWNER_EMAIL).status_code == 303
    return client


@pytest.fixture(scope="module")
def lab_b(app) -> FlaskClient:
    """Lab B's reporter's browser, signed in (for reading only)."""
    client = app.test_client()
    assert sign_in(client, LAB_B_EMAIL).status_code == 303
    return client


@pytest.fixture
def fresh_app(tmp_path) -> Iterator[Site]:
    """An app of its own, on an empty store, for a test that changes it."""
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    store.ensure()
    yield from _site(tmp_path, store)
