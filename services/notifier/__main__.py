"""Entrypoint: ``python -m services.notifier``. Wires settings, bus, directory, policy,
channels, state, consumer, dispatcher, timers and the HTTP app."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import requests

from services.notifier.app import create_app
from services.notifier.channels.configured import configured_channels
from services.notifier.credentials import load_secrets
from services.notifier.escalations import Escalations
from services.notifier.links import Links
from services.notifier.policies.models import DEFAULT_POLICY, PolicyError, load_policy
from services.notifier.runtime import wire
from services.notifier.state import NotifierState
from shared import bus as buses
from shared.clock import SYSTEM_CLOCK
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.cache import DirectoryCache, cache_path
from shared.directory.projection import DirectoryProjection, follower
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import NOTIFIER_EVENTS, topic_name

log = logging.getLogger("services.notifier")


def main() -> int:
    settings = Settings.from_env()
    configure_logging("notifier", settings.log_level)
    clock = SYSTEM_CLOCK
    session = requests.Session()
    secrets = load_secrets(settings)
    channels = configured_channels(
        settings, webhook_secret=secrets.webhook, clock=clock, session=session
    )
    try:
        policy = load_policy(Path(settings.notifier_policy or DEFAULT_POLICY))
    except PolicyError as exc:
        log.error("the escalation policy cannot be used: %s", exc)
        return 2
    missing = policy.channel_names() - {"default", *channels}
    if missing:
        log.error(
            "the escalation policy names channels that are not configured: %s",
            ", ".join(sorted(missing)),
        )
        return 2
    log.info("escalation policy %s; channels: %s", policy.name, ", ".join(channels))
    prefix = settings.topic_prefix
    bus = buses.connect(settings)
    producer = bus.producer()
    # What this process knew of the directory, from its own disk: keys work at once,
    # even while the bus is away; the follower replays the topic once it answers.
    directory = DirectoryProjection(DirectoryCache(cache_path(settings, "notifier")))
    directory.restore()
    events_topic = topic_name(prefix, NOTIFIER_EVENTS)
    escalations = Escalations(
        state=NotifierState(),
        policy=policy,
        directory=directory,
        channels=channels,
        producer=producer,
        events_topic=events_topic,
        links=Links(secrets.links, settings.notifier_url, clock),
        clock=clock,
    )
    consumer, scheduler, dispatcher = wire(
        escalations,
        bus=bus,
        producer=producer,
        prefix=prefix,
        events_topic=events_topic,
        lease_path=settings.data_dir / "notifier.lock",
        clock=clock,
    )
    workers = [
        follower(bus, producer, directory, prefix=prefix, service="notifier"),
        consumer,
        scheduler,
    ]
    app = create_app(
        settings,
        bus=bus,
        escalations=escalations,
        directory=directory,
        producer=producer,
        authenticator=DirectoryAuthenticator(directory),
    )
    status = serve(
        app, name="notifier", host=settings.host, port=settings.notifier_port, workers=workers
    )
    dispatcher.close()
    producer.close()
    bus.close()
    session.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
