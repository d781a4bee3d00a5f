"""Entrypoint: ``python -m services.intake``. Wires settings, bus, outbox, relay, the
directory projection, the registry-status consumer and the server."""

from __future__ import annotations

import sys

from services.intake.app import create_app
from services.intake.consumer import RegistryStatusProjection
from services.intake.outbox import Outbox, outbox_path
from services.intake.relay import OutboxRelay
from shared import bus as buses
from shared import normalize
from shared.bus.runner import service_runner
from shared.directory.cache import DirectoryCache, cache_path
from shared.directory.projection import DirectoryProjection, follower
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import REGISTRY_EVENTS, REPORTS, all_topics, topic_name

CONSUMER_GROUP = "intake"


def main() -> int:
    settings = Settings.from_env()
    configure_logging("intake", settings.log_level)
    prefix = settings.topic_prefix
    normalize.warm_up()  # the language model loads now, not during the first request
    bus = buses.connect(settings)
    outbox = Outbox(outbox_path(settings))
    producer = bus.producer()
    # Topics are created by the relay before its first publish, retried while the bus is
    # away: intake serves, and accepts into the outbox, from the start.
    relay = OutboxRelay(
        outbox,
        producer,
        topic_name(prefix, REPORTS),
        prepare=lambda: bus.create_topics(all_topics(prefix)),
    )
    status = service_runner(
        bus,
        producer,
        RegistryStatusProjection(outbox),
        prefix=prefix,
        group=CONSUMER_GROUP,
        topic=REGISTRY_EVENTS,
    )
    # What this process knew of the directory, from its own disk: keys work at once,
    # even while the bus is away; the follower replays the topic once it answers.
    directory = DirectoryProjection(DirectoryCache(cache_path(settings, "intake")))
    directory.restore()
    directory_follower = follower(bus, producer, directory, prefix=prefix, service="intake")
    app = create_app(settings, bus=bus, outbox=outbox, directory=directory, producer=producer)
    exit_status = serve(
        app,
        name="intake",
        host=settings.host,
        port=settings.intake_port,
        workers=[relay, status, directory_follower],
    )
    producer.close()
    outbox.close()
    bus.close()
    return exit_status


if __name__ == "__main__":
    sys.exit(main())
