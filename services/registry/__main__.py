"""Entrypoint: ``python -m services.registry``. Wires settings, bus, store, consumer, server."""

from __future__ import annotations

import sys

from services.registry import store as stores
from services.registry.app import create_app
from services.registry.consumer import ReportProjection
from shared import bus as buses
from shared.access import Viewer
from shared.bus.runner import service_runner
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import REGISTRY_EVENTS, REPORTS, all_topics, topic_name

CONSUMER_GROUP = "registry"


class NoKeys:
    """Until the directory projection is wired in, no key is known: every key is a 401
    and only the public view answers."""

    def viewer_for_key(self, key: str) -> Viewer | None:
        return None


def main() -> int:
    settings = Settings.from_env()
    configure_logging("registry", settings.log_level)
    prefix = settings.topic_prefix
    bus = buses.connect(settings)
    bus.create_topics(all_topics(prefix))
    store = stores.connect(settings)
    store.ensure()
    producer = bus.producer()
    projection = ReportProjection(
        store,
        producer,
        events_topic=topic_name(prefix, REGISTRY_EVENTS),
        registry_url=settings.registry_url,
    )
    runner = service_runner(
        bus, producer, projection, prefix=prefix, group=CONSUMER_GROUP, topic=REPORTS
    )
    app = create_app(settings, bus=bus, store=store, authenticator=NoKeys())
    status = serve(
        app, name="registry", host=settings.host, port=settings.registry_port, workers=[runner]
    )
    producer.close()
    store.close()
    bus.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
