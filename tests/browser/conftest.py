"""Browser tests: the intake, registry and notifier apps served on free loopback ports,
driven by the system's headless Chromium through Playwright (never ``playwright install``: see
TOOLING.md)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from identities import Identities, on_the_bus
from notifier_support import EVENTS_TOPIC, PREFIX
from werkzeug.serving import make_server

from services.intake.app import create_app
from services.intake.outbox import Outbox
from services.notifier.app import create_app as create_notifier
from services.notifier.channels.null import InboxChannel
from services.notifier.escalations import Escalations
from services.notifier.links import Links
from services.notifier.policies.models import load_policy
from services.notifier.state import NotifierState
from services.registry.app import create_app as create_registry
from services.registry.store.embedded import EmbeddedStore
from shared.bus.embedded import EmbeddedBus
from shared.clock import TestClock
from shared.directory.projection import DirectoryProjection, follower
from shared.settings import Settings
from shared.topics import all_topics

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """Stands in for pytest-playwright's own ``base_url``, a fixture on a plugin instance that
    pytest 9 deprecates (an error here, where warnings are errors). Tests use full URLs."""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # en-US fixes the order of a date-time control's parts (month/day/year, 12-hour clock).
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1024, "height": 900}}


@dataclass
class LiveIntake:
    url: str
    outbox: Outbox
    identities: Identities  # published on the bus, applied by intake's directory follower


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[LiveIntake]:
    """The intake app in a real HTTP server thread, over the test's own data folder, with
    its directory projection following the embedded bus."""
    settings = Settings(data_dir=tmp_path)
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics(all_topics(settings.topic_prefix))
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    producer = bus.producer()
    directory = DirectoryProjection()
    runner = follower(bus, producer, directory, prefix=settings.topic_prefix, service="intake")
    app = create_app(settings, bus=bus, outbox=outbox, directory=directory, producer=producer)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threads = [
        threading.Thread(target=server.serve_forever, name="intake-http", daemon=True),
        threading.Thread(target=runner.run, name="intake-directory", daemon=True),
    ]
    for thread in threads:
        thread.start()
    identities = Identities(on_the_bus(producer, settings.topic_prefix, directory))
    try:
        yield LiveIntake(f"http://127.0.0.1:{server.server_port}", outbox, identities)
    finally:
        server.shutdown()
        runner.stop()
        for thread in threads:
            thread.join(timeout=10)
        server.server_close()
        producer.close()
        outbox.close()
        bus.close()


@dataclass
class LiveRegistry:
    url: str
    store: EmbeddedStore
    identities: Identities  # applied straight to the registry's directory projection


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[LiveRegistry]:
    """The registry app in a real HTTP server thread, over the test's own data folder."""
    settings = Settings(data_dir=tmp_path)
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics(all_topics(settings.topic_prefix))
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    store.ensure()
    producer = bus.producer()
    directory = DirectoryProjection()
    directory.load(bus, settings.topic_prefix)
    app = create_registry(settings, bus=bus, store=store, directory=directory, producer=producer)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="registry-http", daemon=True)
    thread.start()
    try:
        yield LiveRegistry(f"http://127.0.0.1:{server.server_port}", store, Identities(directory))
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        producer.close()
        store.close()
        bus.close()


@dataclass
class LiveNotifier:
    url: str
    escalations: Escalations  # on a test clock at Thursday 3 December 2026, 14:00 UTC
    identities: Identities  # applied straight to the notifier's directory projection
    bus: EmbeddedBus


@pytest.fixture
def notifier(tmp_path: Path) -> Iterator[LiveNotifier]:
    """The notifier app in a real HTTP server thread, paging into an inbox; its ack links
    point at the served URL."""
    settings = Settings(data_dir=tmp_path, topic_prefix=PREFIX)
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics(all_topics(settings.topic_prefix))
    producer = bus.producer()
    directory = DirectoryProjection()
    clock = TestClock(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    escalations = Escalations(
        state=NotifierState(),
        policy=load_policy(),
        directory=directory,
        channels={"inbox": InboxChannel()},
        producer=producer,
        events_topic=EVENTS_TOPIC,
        links=Links("links-secret", "http://placeholder", clock),
        clock=clock,
    )
    app = create_notifier(
        settings, bus=bus, escalations=escalations, directory=directory, producer=producer
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    escalations.links = Links("links-secret", url, clock)
    thread = threading.Thread(target=server.serve_forever, name="notifier-http", daemon=True)
    thread.start()
    try:
        yield LiveNotifier(url, escalations, Identities(directory), bus)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        producer.close()
        bus.close()


@pytest.fixture
def screenshot(tmp_path: Path):
    """``screenshot(page, name, copy_to=None)``: a full-page PNG in the test's folder, and
    optionally a copy somewhere a person can find it."""

    def take(page, name: str, copy_to: str | None = None) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if copy_to:
            shutil.copyfile(path, copy_to)
        return path

    return take
