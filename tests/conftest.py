from __future__ import annotations

import gc
import io
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import KAFKA_PORTS, Noida, Tansu, free_port, start_noida, start_tansu

from shared.bus.embedded import EmbeddedBus
from shared.bus.kafka import KafkaBus
from shared.logs import configure_logging
from shared.normalize import suggest
from shared.normalize.suggest.train import Example, fit, write
from shared.topics import all_topics

# A harm-domain model's training set, small enough to fit in a blink.
EXAMPLES = (
    Example("Deepfake voice used in a bank fraud\nScammers cloned a voice.", "4", "4.3"),
    Example("Phishing scam written by a chatbot\nFraudsters sent scam mail.", "4", "4.3"),
    Example("Investment scam with a fake celebrity\nA fraud video.", "4", "4.3"),
    Example("Chatbot invented a court case\nThe lawyer cited false cases.", "3", "3.1"),
    Example("Search engine gave false medical facts\nMisleading answers.", "3", "3.1"),
    Example("Robotaxi hit a cyclist\nThe car failed to brake.", "7", "7.3"),
    Example("Autopilot crash on the highway\nThe vehicle failed to see a truck.", "7", "7.3"),
    Example("Warehouse robot injured a worker\nThe robot failed.", "7", "7.3"),
    Example("Hiring tool rejected women\nThe model was biased against women.", "1", "1.1"),
    Example("Face recognition misidentified black men\nBiased arrests.", "1", "1.1"),
)


@pytest.fixture(autouse=True)
def _no_harm_domain_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """No harm-domain model unless a test asks for ``model_file``, so whether `make model`
    ran does not change what the tests see."""
    monkeypatch.setattr(suggest, "MODEL_FILE", Path("/nonexistent/harm_domains.zip"))


@pytest.fixture
def examples() -> list[Example]:
    return list(EXAMPLES)


@pytest.fixture
def model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, examples) -> Path:
    """A harm-domain model trained on ``examples``, where intake looks for it."""
    path = tmp_path / "harm_domains.zip"
    write(fit(examples), path)
    monkeypatch.setattr(suggest, "MODEL_FILE", path)
    return path


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
def bus(tmp_path) -> Iterator[EmbeddedBus]:
    """The embedded bus in the test's own folder, with every topic under the prefix "test"."""
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics(all_topics("test"))
    yield bus
    bus.close()


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
    the garbage collector happens to run in.

    What survives the collection is long-lived (modules, models, session fixtures): it is
    frozen, so the next test's collection scans only what that test made (a full scan of
    the language model and the datasets took about 0.5 s a test)."""
    for port in KAFKA_PORTS:  # see KAFKA_PORTS: a known kafka-python leak, nothing of ours
        warnings.filterwarnings(
            "ignore",
            message=rf"unclosed <socket\.socket .*raddr=\('127\.0\.0\.1', {port}\)>",
            category=ResourceWarning,
        )
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture
def process_log(monkeypatch) -> Iterator[io.StringIO]:
    """What the process logs with Accord's logging at DEBUG; every logger restored after."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    names = ("", "kafka", "elastic_transport", "apscheduler")
    levels = {name: logging.getLogger(name).level for name in names}
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("test", "DEBUG")
    yield stream
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)  # setLevel also clears the loggers' caches
