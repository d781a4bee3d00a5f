"""The registry's events between its store and the bus: a journal on disk, so a crash
between the store write and the publish cannot lose an event.

A change (``Registry.commit``: the decisions on incidents, the risk register) journals its
event before writing the store and forgets it once it is published, or once the store
refused the write (compare-and-set: nothing written). A change cut short, by a crash or
by a bus or store that went away, leaves its event here. ``Recovery`` settles each one:
the store write is the commit point, so an event whose change the store holds is
published (perhaps again: consumers apply an event once, by version), and one whose
change it does not hold (never written, or undone) is forgotten.

The journal is a SQLite file in the data directory, written through to the disk, as
intake's outbox is: it outlives the process and the container, not the pod's volume.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.clock import SYSTEM_CLOCK, Clock
from shared.envelope import Envelope, InvalidMessage, decode
from shared.errors import Unavailable
from shared.settings import Settings

if TYPE_CHECKING:
    from services.registry.service import Registry

log = logging.getLogger(__name__)

# A change in progress journals its event for less than this (a store write and a
# publish, each bounded by its client's timeout): older ones were cut short.
GRACE = timedelta(seconds=60)
CHECK_EVERY_S = 60.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    at TEXT NOT NULL
);
"""


def journal_path(settings: Settings) -> Path:
    return settings.data_dir / "registry-journal.sqlite3"


class Journal:
    """The journal in the SQLite file ``path`` (``in_memory``: in none)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # on the disk before the store write
        self._conn.executescript(_SCHEMA)

    @classmethod
    def in_memory(cls) -> Journal:
        """A journal that dies with the process: for a registry that publishes nowhere
        (a rebuild), and for tests."""
        return cls(Path(":memory:"))

    def add(self, event_id: str, value: bytes, at: datetime) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO journal (id, value, at) VALUES (?, ?, ?)",
                (event_id, value, _utc(at)),
            )

    def forget(self, event_id: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM journal WHERE id = ?", (event_id,))

    def before(self, at: datetime) -> list[tuple[str, bytes]]:
        """The events journaled before ``at`` (id, value), oldest first."""
        with self._lock:
            return self._conn.execute(
                "SELECT id, value FROM journal WHERE at < ? ORDER BY at, id", (_utc(at),)
            ).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _utc(at: datetime) -> str:
    """Sortable as text: every time in UTC, in one format."""
    return at.astimezone(UTC).isoformat()


def holds(event: Envelope, stored: Mapping[str, Any] | None) -> bool:
    """Whether ``stored`` (the incident or risk the event is about, as the store holds it,
    None if it holds none) has the change ``event`` made."""
    if stored is None:
        return False
    if event.type.startswith("risk."):
        # A risk's events carry it whole, at the version they made.
        version, ours = stored["version"], event.payload["version"]
        return version > ours or (version == ours and stored == event.payload["risk"])
    return any(entry.get("event_id") == event.id for entry in stored.get("timeline", ()))


class Recovery:
    """Settles the journal's events: at start every one (``settle(everything=True)``,
    before the registry serves, so none is in progress), then every ``every`` seconds the
    ones older than ``GRACE``."""

    def __init__(
        self, registry: Registry, *, clock: Clock = SYSTEM_CLOCK, every: float = CHECK_EVERY_S
    ) -> None:
        self._registry = registry
        self._clock = clock
        self._every = every
        self._stopping = threading.Event()

    def settle(self, *, everything: bool = False) -> tuple[int, int]:
        """Publish each event whose change the store holds, forget the others; returns how
        many of each. Raises ``Unavailable`` (the rest wait for the next round)."""
        registry = self._registry
        # everything: up to a grace ahead too, should the clock have gone back since.
        cutoff = self._clock.now() + (GRACE if everything else -GRACE)
        published = forgotten = 0
        for event_id, value in registry.journal.before(cutoff):
            try:
                event = decode(value)
            except InvalidMessage as exc:  # journaled by a version whose events differ
                log.error("journal: event %s cannot be published, forgotten: %s", event_id, exc)
                registry.journal.forget(event_id)
                forgotten += 1
                continue
            if event.type.startswith("risk."):
                stored = registry.store.fetch_risk(event.key)
            else:
                stored = registry.store.fetch(event.key)
            if holds(event, stored and stored.doc):
                registry.publish(event.key, value)
                published += 1
            else:
                forgotten += 1
            registry.journal.forget(event.id)
        if published or forgotten:
            log.warning(
                "journal: %d events of changes cut short published, %d forgotten (not stored)",
                published,
                forgotten,
            )
        return published, forgotten

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._clock.wait(self._every, self._stopping):
            try:
                self.settle()
            except Unavailable as exc:  # the next round tries again
                log.warning("journal not settled: %s", exc)
