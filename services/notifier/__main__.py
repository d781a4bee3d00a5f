"""Entrypoint: ``python -m services.notifier``. Wires settings, bus, channel, consumer, server."""

from __future__ import annotations

import logging
import sys

from services.notifier.app import create_app
from services.notifier.channels import WebhookChannel
from services.notifier.consumer import CriticalIncidentNotifier, sent_keys
from shared import bus as buses
from shared.bus.runner import service_runner
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.cache import DirectoryCache, cache_path
from shared.directory.projection import DirectoryProjection, follower
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import NOTIFIER_EVENTS, REGISTRY_EVENTS, topic_name

CONSUMER_GROUP = "notifier"
log = logging.getLogger("services.notifier")


def main() -> int:
    settings = Settings.from_env()
    configure_logging("notifier", settings.log_level)
    prefix = settings.topic_prefix
    bus = buses.connect(settings)
    producer = bus.producer()
    # What this process knew of the directory, from its own disk: keys work at once,
    # even while the bus is away; the follower replays the topic once it answers.
    directory = DirectoryProjection(DirectoryCache(cache_path(settings, "notifier")))
    directory.restore()
    workers = [follower(bus, producer, directory, prefix=prefix, service="notifier")]
    if settings.webhook_url:
        events_topic = topic_name(prefix, NOTIFIER_EVENTS)
        handler = CriticalIncidentNotifier(
            WebhookChannel(settings.webhook_url), producer, events_topic=events_topic
        )
        # What was sent is read back from the notifier's own events before the first poll,
        # retried while the bus is away.
        workers.append(
            service_runner(
                bus,
                producer,
                handler,
                prefix=prefix,
                group=CONSUMER_GROUP,
                topic=REGISTRY_EVENTS,
                prepare=lambda: handler.restore(sent_keys(bus.replay(events_topic))),
            )
        )
    else:
        log.warning("ACCORD_WEBHOOK_URL is not set: no notifications will be sent")
    app = create_app(settings, bus=bus, authenticator=DirectoryAuthenticator(directory))
    status = serve(
        app, name="notifier", host=settings.host, port=settings.notifier_port, workers=workers
    )
    producer.close()
    bus.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
