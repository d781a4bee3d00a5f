"""The bus port and its adapters; ``connect`` picks the adapter the settings name."""

from __future__ import annotations

from shared.bus.interfaces import Bus
from shared.settings import Settings


def connect(settings: Settings) -> Bus:
    if settings.bus == "kafka":
        from shared.bus.kafka import KafkaBus, security_options

        return KafkaBus(
            settings.kafka_bootstrap_servers,
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            replication_factor=settings.kafka_replication_factor,
            min_insync_replicas=settings.kafka_min_insync_replicas,
            connect_timeout_ms=settings.kafka_connect_timeout_ms,
            security=security_options(settings),
        )
    from shared.bus.embedded import EmbeddedBus

    return EmbeddedBus(settings.data_dir / "bus.sqlite3")
