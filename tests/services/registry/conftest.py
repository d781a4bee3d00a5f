"""The registry on an embedded bus and store, both in the test's own directory, or on
Elasticsearch (noida-db) for the tests that take ``any_store``."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from registry_support import STORES, app_client, open_store

from services.registry.store.embedded import EmbeddedStore
from services.registry.store.interfaces import IncidentStore
from shared.topics import CONTRACTS, REPORTS

PREFIX = "test"
_GOLDEN_REPORT = CONTRACTS[REPORTS].events["report.accepted"]["examples"][0]["payload"]["report"]


def _report(n: int, **changes: Any) -> dict[str, Any]:
    """The golden report with id and received_at numbered ``n`` (1-28): higher is newer."""
    report = copy.deepcopy(_GOLDEN_REPORT)
    report.update(id=f"01JD{n:022d}", received_at=f"2026-11-{n:02d}T09:15:00+00:00")
    report.update(changes)
    return report


@pytest.fixture
def make_report() -> Callable[..., dict[str, Any]]:
    """A factory: report number ``n``, valid per the contract, with ``changes`` applied."""
    return _report


@pytest.fixture
def store(tmp_path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    store.ensure()
    yield store
    store.close()


@pytest.fixture(params=STORES)
def any_store(request, tmp_path) -> Iterator[IncidentStore]:
    """Each store in turn, empty."""
    opened = open_store(request.param, request, tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def client(tmp_path, bus, store) -> FlaskClient:
    return app_client(tmp_path, bus, store)
