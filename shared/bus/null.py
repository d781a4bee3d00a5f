"""The Null producer: the bus port's do-nothing sibling."""

from __future__ import annotations

from collections.abc import Mapping


class NullProducer:
    """Drops what it is sent: for running handlers over events whose own events are on the
    bus already (``accord registry rebuild`` replays the registry's topics through its
    projection, which must not publish ``incident.registered`` a second time)."""

    def send(
        self, topic: str, *, key: str, value: bytes, headers: Mapping[str, bytes] | None = None
    ) -> None:
        pass

    def flush(self, timeout: float = 10.0) -> None:
        pass

    def close(self) -> None:
        pass
