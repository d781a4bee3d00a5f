from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest
from servers import KAFKA_PORTS, Noida, Tansu, free_port, start_noida, start_tansu

from shared.bus.kafka import KafkaBus


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


@pytest.fixture
def unreachable_bus() -> Iterator[KafkaBus]:
    """A Kafka bus with no broker behind its address: every call is a ``BusError``."""
    bus = KafkaBus([f"127.0.0.1:{free_port()}"], connect_timeout_ms=300)
    yield bus
    bus.close()


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test() -> Iterator[None]:
    """Collect garbage at every test's end, so an unclosed socket or file is reported (as a
    ResourceWarning, an error here) by the test that leaked it, not by whichever later test
    the garbage collector happens to run in."""
    for port in KAFKA_PORTS:  # see KAFKA_PORTS: a known kafka-python leak, nothing of ours
        warnings.filterwarnings(
            "ignore",
            message=rf"unclosed <socket\.socket .*raddr=\('127\.0\.0\.1', {port}\)>",
            category=ResourceWarning,
        )
    yield
    gc.collect()
