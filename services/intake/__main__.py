"""Entrypoint: ``python -m services.intake``. Wires settings, bus, outbox, relay, server."""

from __future__ import annotations

import sys

from services.intake.app import create_app
from services.intake.outbox import Outbox
from services.intake.relay import OutboxRelay
from shared import bus as buses
from shared.logs import configure_logging
from shared.serve import serve
from shared.settings import Settings
from shared.topics import REPORTS, all_topics, topic_name


def main() -> int:
    settings = Settings.from_env()
    configure_logging("intake", settings.log_level)
    bus = buses.connect(settings)
    bus.create_topics(all_topics(settings.topic_prefix))
    outbox = Outbox(settings.data_dir / "intake-outbox.sqlite3")
    relay = OutboxRelay(outbox, bus.producer(), topic_name(settings.topic_prefix, REPORTS))
    app = create_app(settings, bus=bus, outbox=outbox)
    status = serve(
        app, name="intake", host=settings.host, port=settings.intake_port, workers=[relay]
    )
    outbox.close()
    bus.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
