from __future__ import annotations

from collections.abc import Iterator

import pytest
from servers import Noida, Tansu, start_noida, start_tansu


@pytest.fixture(scope="session")
def noida(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Noida]:
    """noida-db serving Kafka and Elasticsearch, shared by the whole session."""
    server = start_noida(tmp_path_factory.mktemp("noida"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tansu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tansu]:
    """The Tansu Kafka broker, shared by the whole session."""
    server = start_tansu(tmp_path_factory.mktemp("tansu"))
    yield server
    server.stop()
