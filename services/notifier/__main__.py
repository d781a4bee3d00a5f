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
from shared.directory.projection import DirectoryProjection, follower
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import NOTIFIER_EVENTS, REGISTRY_EVENTS, all_topics, topic_name

CONSUMER_GROUP = "notifier"
log = logging.getLogger("services.notifier")


def main() -> int:
    settings = Settings.from_env()
    configure_logging("notifier", settings.log_level)
    prefix = settings.topic_prefix
    bus = buses.connect(settings)
    bus.create_topics(all_topics(prefix))
    producer = bus.producer()
    directory = DirectoryProjection()
    directory.load(bus, prefix)  # every key known before the first request
    workers = [follower(bus, producer, directory, prefix=prefix, service="notifier")]
    if settings.webhook_url:
        events_topic = topic_name(prefix, NOTIFIER_EVENTS)
        handler = CriticalIncidentNotifier(
            WebhookChannel(settings.webhook_url),
            producer,
            events_topic=events_topic,
            already_sent=sent_keys(bus.replay(events_topic)),
        )
        workers.append(
            service_runner(
                bus, producer, handler, prefix=prefix, group=CONSUMER_GROUP, topic=REGISTRY_EVENTS
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
