"""Entrypoint: ``python -m services.registry``. Wires settings, bus, store, consumer, server."""

from __future__ import annotations

import sys

from services.registry import store as stores
from services.registry.app import create_app
from services.registry.consumer import ReportProjection
from shared import bus as buses
from shared.bus.runner import service_runner
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import REGISTRY_EVENTS, REPORTS, topic_name

CONSUMER_GROUP = "registry"


def main() -> int:
    settings = Settings.from_env()
    configure_logging("registry", settings.log_level)
    prefix = settings.topic_prefix
    bus = buses.connect(settings)
    store = stores.connect(settings)
    producer = bus.producer()
    projection = ReportProjection(
        store,
        producer,
        events_topic=topic_name(prefix, REGISTRY_EVENTS),
        registry_url=settings.registry_url,
    )
    # The runner creates the topics and the index before its first poll, retried while
    # the bus or the store is away, so the registry serves /healthz from the start.
    runner = service_runner(
        bus,
        producer,
        projection,
        prefix=prefix,
        group=CONSUMER_GROUP,
        topic=REPORTS,
        prepare=store.ensure,
    )
    app = create_app(settings, bus=bus, store=store)
    status = serve(
        app, name="registry", host=settings.host, port=settings.registry_port, workers=[runner]
    )
    producer.close()
    store.close()
    bus.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
