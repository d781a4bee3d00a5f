"""The directory events one process has applied, kept on its own disk.

A service restarted while the bus is away reads them back, so it still knows every key
and person it knew (intake keeps accepting reports into its outbox); the live consumer
then brings it up to date once the bus answers. Events are kept in the order applied,
which is the topic's order (one partition).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from shared.envelope import Envelope, InvalidMessage, decode, encode
from shared.settings import Settings

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS directory_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    value BLOB NOT NULL
);
"""


def cache_path(settings: Settings, service: str) -> Path:
    return settings.data_dir / f"{service}-directory.sqlite3"


class DirectoryCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def add(self, envelopes: Iterable[Envelope]) -> None:
        """Keep these events (already applied, in order); ones kept before are skipped."""
        rows = [(envelope.id, encode(envelope)) for envelope in envelopes]
        if rows:
            with self._conn:
                self._conn.executemany(
                    "INSERT OR IGNORE INTO directory_events (id, value) VALUES (?, ?)", rows
                )

    def envelopes(self) -> list[Envelope]:
        """Every event kept, in the order applied."""
        kept = []
        for seq, value in self._conn.execute(
            "SELECT seq, value FROM directory_events ORDER BY seq"
        ):
            try:
                kept.append(decode(value))
            except InvalidMessage as exc:  # written by an older version: the bus has it
                log.warning("directory cache: skipping entry %d: %s", seq, exc)
        return kept

    def close(self) -> None:
        self._conn.close()
