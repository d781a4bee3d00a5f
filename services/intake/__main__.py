"""Entrypoint: ``python -m services.intake``. Wires settings, bus, outbox, relay, the
directory projection, the registry-status consumer and the server.

With ``ACCORD_INTAKE_PROCESSES`` N > 1, intake is N HTTP processes accepting from one
socket, each with its own directory projection (so a key created while running works in
every one), and one more process for the outbox relay and the registry-status consumer,
so the outbox has one reader and marker of published reports. The parent loads the
language model and binds the socket before forking, so the children share both.
"""

from __future__ import annotations

import dataclasses
import secrets
import sys
from functools import partial
from socket import socket

from services.intake.app import create_app
from services.intake.consumer import RegistryStatusProjection
from services.intake.doorbell import Doorbell
from services.intake.outbox import Outbox, Wakeup, outbox_path
from services.intake.rate_storage import RateCounters, rate_path
from services.intake.readiness import Readiness
from services.intake.relay import OutboxRelay
from shared import bus as buses
from shared import metrics, normalize, prefork
from shared.bus.interfaces import Bus, Producer
from shared.bus.runner import service_runner
from shared.directory.cache import DirectoryCache, cache_path
from shared.directory.projection import DirectoryProjection, follower
from shared.logs import configure_logging
from shared.serve import Worker, run_workers, serve
from shared.settings import Settings
from shared.topics import REGISTRY_EVENTS, REPORTS, all_topics, topic_name

CONSUMER_GROUP = "intake"


def main() -> int:
    settings = Settings.from_env()
    configure_logging("intake", settings.log_level)
    normalize.warm_up()  # the language model loads now, not during the first request
    if settings.intake_processes == 1:
        return _process(settings, background=True)
    # /metrics adds up what every process counted, the relay's records included.
    metrics.share_between_processes(settings.data_dir / "intake-metrics")
    if not settings.secret_key:
        # The form's CSRF tokens and the sign-in sessions must verify in every process.
        settings = dataclasses.replace(settings, secret_key=secrets.token_hex(32))
    # The databases the children share, created (or migrated) once before they start: a
    # new SQLite database's switch to WAL fails at once when another process contends.
    Outbox(outbox_path(settings)).close()
    RateCounters(rate_path(settings)).close()
    DirectoryCache(cache_path(settings, "intake")).close()
    sock = prefork.listen(settings.host, settings.intake_port)
    doorbell = Doorbell()
    readiness = Readiness(settings.intake_processes)
    http = partial(_process, settings, sock=sock, added=doorbell, readiness=readiness)
    return prefork.run(
        "intake",
        [
            ("relay", partial(_process, settings, http=False, background=True, added=doorbell)),
            *[(f"http-{n + 1}", partial(http, index=n)) for n in range(settings.intake_processes)],
        ],
    )


def _process(
    settings: Settings,
    *,
    http: bool = True,
    background: bool = False,
    sock: socket | None = None,
    added: Wakeup | None = None,
    readiness: Readiness | None = None,
    index: int = 0,
) -> int:
    """One process of intake: HTTP (with its directory follower; the ``index``-th of
    those ``readiness`` follows), the background workers (relay and registry-status
    consumer), or both."""
    bus = buses.connect(settings)
    outbox = Outbox(outbox_path(settings), added=added)
    producer = bus.producer()
    workers = _background(settings, bus, producer, outbox) if background else []
    try:
        if not http:
            return run_workers(name="intake", workers=workers)
        # What this process knew of the directory, from its own disk: keys work at once,
        # even while the bus is away; the follower replays the topic once it answers.
        cache = DirectoryCache(cache_path(settings, "intake"))
        if readiness is None:
            directory = DirectoryProjection(cache)
        else:
            directory = readiness.projection(index, cache)
        directory.restore()
        workers.append(
            follower(bus, producer, directory, prefix=settings.topic_prefix, service="intake")
        )
        app = create_app(
            settings,
            bus=bus,
            outbox=outbox,
            directory=directory,
            producer=producer,
            processes_ready=readiness.check if readiness else None,
        )
        return serve(
            app,
            name="intake",
            host=settings.host,
            port=settings.intake_port,
            workers=workers,
            sock=sock,
        )
    finally:
        producer.close()
        outbox.close()
        bus.close()


def _background(settings: Settings, bus: Bus, producer: Producer, outbox: Outbox) -> list[Worker]:
    prefix = settings.topic_prefix
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
    return [relay, status]


if __name__ == "__main__":
    sys.exit(main())
