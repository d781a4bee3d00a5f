"""Entrypoint: ``python -m services.registry``. Wires settings, bus, store, journal,
consumer, server."""

from __future__ import annotations

import logging
import sys

from services.registry import store as stores
from services.registry.app import create_app
from services.registry.consumer import projection_handlers
from services.registry.journal import Journal, Recovery, journal_path
from services.registry.reviews import ReviewWatcher
from shared import bus as buses
from shared.bus.runner import service_runner
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.cache import DirectoryCache, cache_path
from shared.directory.projection import DirectoryProjection, follower
from shared.errors import Unavailable
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import NOTIFIER_EVENTS, REPORTS

log = logging.getLogger(__name__)

CONSUMER_GROUP = "registry"
ACKNOWLEDGEMENTS_GROUP = "registry-acknowledgements"


def main() -> int:
    settings = Settings.from_env()
    configure_logging("registry", settings.log_level)
    prefix = settings.topic_prefix
    bus = buses.connect(settings)
    store = stores.connect(settings)
    producer = bus.producer()
    journal = Journal(journal_path(settings))
    handlers = projection_handlers(
        store, producer, prefix=prefix, registry_url=settings.registry_url, journal=journal
    )
    # The runner creates the topics and the index before its first poll, retried while
    # the bus or the store is away, so the registry serves /healthz from the start.
    runner = service_runner(
        bus,
        producer,
        handlers[REPORTS],
        prefix=prefix,
        group=CONSUMER_GROUP,
        topic=REPORTS,
        prepare=store.ensure,
    )
    # The notifier's acknowledgements, into the timelines (a consumer group of its own).
    acknowledgements = service_runner(
        bus,
        producer,
        handlers[NOTIFIER_EVENTS],
        prefix=prefix,
        group=ACKNOWLEDGEMENTS_GROUP,
        topic=NOTIFIER_EVENTS,
        prepare=store.ensure,
    )
    # What this process knew of the directory, from its own disk: keys work at once,
    # even while the bus is away; the follower replays the topic once it answers.
    directory = DirectoryProjection(DirectoryCache(cache_path(settings, "registry")))
    directory.restore()
    directory_follower = follower(bus, producer, directory, prefix=prefix, service="registry")
    app = create_app(
        settings,
        bus=bus,
        store=store,
        authenticator=DirectoryAuthenticator(directory),
        directory=directory,
        producer=producer,
        journal=journal,
    )
    # What a previous process left in the journal, before any change can be in progress;
    # if the bus or the store is away, the watcher's rounds settle it.
    recovery = Recovery(app.extensions["accord.registry"])
    try:
        recovery.settle(everything=True)
    except Unavailable as exc:
        log.warning("journal not settled at start: %s", exc)
    status = serve(
        app,
        name="registry",
        host=settings.host,
        port=settings.registry_port,
        workers=[
            runner,
            acknowledgements,
            directory_follower,
            ReviewWatcher(app.extensions["accord.risks"]),
            recovery,
        ],
    )
    producer.close()
    journal.close()
    store.close()
    bus.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
