"""The embedded bus: a durable, Kafka-like log in one SQLite database (WAL mode).

Several processes share the file. It keeps the semantics the services rely on: topics of
keyed partitions, append-only offsets, consumer groups with committed offsets and
at-least-once delivery. It simplifies the rest: one active consumer per group at a time
(a lease row; another member waits as a standby and takes over when the lease lapses),
no compaction, no retention limit.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from shared.bus.interfaces import BusClosed, BusError, Record
from shared.clock import SYSTEM_CLOCK, Clock
from shared.metrics import count_produced

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    partitions INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL,
    key TEXT,
    value BLOB NOT NULL,
    headers TEXT,
    appended_at REAL NOT NULL,
    PRIMARY KEY (topic, partition, "offset")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    committed INTEGER NOT NULL,
    PRIMARY KEY (grp, topic, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_leases (
    grp TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""

# A consumer that waits for records checks for new commits this often (cheap: it reads
# SQLite's data_version counter), so it neither spins nor adds much latency.
_WAIT_STEP = 0.02
LEASE_SECONDS = 10.0


def partition_for(key: str | None, partitions: int) -> int:
    """The same key always lands in the same partition, so its records keep their order."""
    return zlib.crc32((key or "").encode()) % partitions


def _encode_headers(headers: Mapping[str, bytes] | None) -> str | None:
    return json.dumps({k: v.hex() for k, v in headers.items()}) if headers else None


def _decode_headers(encoded: str | None) -> tuple[tuple[str, bytes], ...]:
    return tuple((k, bytes.fromhex(v)) for k, v in json.loads(encoded).items()) if encoded else ()


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a record the producer acknowledged survives a power cut, not just a crash.
        conn.execute("PRAGMA synchronous=FULL")
    except (OSError, sqlite3.Error) as exc:
        raise BusError(f"embedded bus at {path}: {exc}") from exc
    return conn


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """SQLite's errors (locked past the busy timeout, disk full, I/O) as ``BusError``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise BusError(f"embedded bus: {what} failed: {exc}") from exc


class _Closeable:
    """Raises ``BusClosed`` on use after ``close()``, the same on every adapter."""

    _closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosed(f"{type(self).__name__} used after close()")


class EmbeddedBus(_Closeable):
    def __init__(self, path: Path, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.path = Path(path)
        self._clock = clock
        self._conn = _connect(self.path)
        with _errors("creating the bus tables"):
            self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def create_topics(self, topics: Mapping[str, int]) -> None:
        self._check_open()
        with self._lock, _errors("creating topics"):
            self._conn.executemany(
                "INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)", topics.items()
            )

    def producer(self) -> EmbeddedProducer:
        self._check_open()
        return EmbeddedProducer(self.path, clock=self._clock)

    def consumer(self, group: str, topics: Iterable[str]) -> EmbeddedConsumer:
        self._check_open()
        return EmbeddedConsumer(self.path, group, list(topics), clock=self._clock)

    def replay(self, topic: str) -> Iterator[Record]:
        self._check_open()
        # A dedicated connection: one read transaction gives a consistent end of the log.
        conn = _connect(self.path)
        try:
            with _errors(f"replaying {topic}"):
                conn.execute("BEGIN")
                rows = conn.execute(
                    'SELECT partition, "offset", key, value, headers FROM records'
                    ' WHERE topic = ? ORDER BY partition, "offset"',
                    (topic,),
                )
                for partition, offset, key, value, headers in rows:
                    yield Record(topic, partition, offset, key, value, _decode_headers(headers))
                conn.execute("COMMIT")
        finally:
            conn.close()

    def lag(self, group: str, topic: str) -> int:
        return sum(self.partition_lag(group, topic).values())

    def partition_lag(self, group: str, topic: str) -> dict[int, int]:
        self._check_open()
        with self._lock, _errors(f"lag of {group} on {topic}"):
            row = self._conn.execute(
                "SELECT partitions FROM topics WHERE name = ?", (topic,)
            ).fetchone()
            lags = dict.fromkeys(range(row[0] if row else 0), 0)
            rows = self._conn.execute(
                "SELECT ends.partition, ends.next - COALESCE(o.committed, 0) FROM"
                ' (SELECT partition, MAX("offset") + 1 AS next FROM records WHERE topic = ?'
                "  GROUP BY partition) AS ends"
                " LEFT JOIN group_offsets o"
                " ON o.grp = ? AND o.topic = ? AND o.partition = ends.partition",
                (topic, group, topic),
            ).fetchall()
        return {**lags, **dict(rows)}

    def ping(self) -> None:
        self._check_open()
        with self._lock, _errors(f"ping of {self.path}"):
            self._conn.execute("SELECT 1 FROM topics LIMIT 1").fetchall()

    def close(self) -> None:
        self._closed = True
        self._conn.close()


class EmbeddedProducer(_Closeable):
    """Buffers records and appends them in one transaction per ``flush``.

    Thread-safe, with Kafka's contract: each thread's ``flush`` covers that thread's own
    sends, and records whose write failed are dropped (the caller sends them again).
    """

    def __init__(self, path: Path, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._conn = _connect(path)
        self._lock = threading.Lock()
        self._local = threading.local()

    def _pending(self) -> list[tuple[str, str, bytes, str | None]]:
        if not hasattr(self._local, "pending"):
            self._local.pending = []
        return self._local.pending

    def send(
        self, topic: str, *, key: str, value: bytes, headers: Mapping[str, bytes] | None = None
    ) -> None:
        self._check_open()
        self._pending().append((topic, key, bytes(value), _encode_headers(headers)))

    def flush(self, timeout: float = 10.0) -> None:
        self._check_open()
        pending, self._local.pending = self._pending(), []
        if not pending:
            return
        with self._lock, _errors("append"):
            self._append(pending)
        count_produced(topic for topic, *_ in pending)

    def _append(self, pending: list[tuple[str, str, bytes, str | None]]) -> None:
        conn = self._conn
        now = self._clock.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            partitions: dict[str, int] = {}
            next_offsets: dict[tuple[str, int], int] = {}
            rows = []
            for topic, key, value, headers in pending:
                if topic not in partitions:
                    row = conn.execute(
                        "SELECT partitions FROM topics WHERE name = ?", (topic,)
                    ).fetchone()
                    if row is None:
                        raise BusError(f"unknown topic {topic!r}: create it first")
                    partitions[topic] = row[0]
                partition = partition_for(key, partitions[topic])
                slot = (topic, partition)
                if slot not in next_offsets:
                    next_offsets[slot] = conn.execute(
                        'SELECT COALESCE(MAX("offset") + 1, 0) FROM records'
                        " WHERE topic = ? AND partition = ?",
                        slot,
                    ).fetchone()[0]
                rows.append((topic, partition, next_offsets[slot], key, value, headers, now))
                next_offsets[slot] += 1
            conn.executemany(
                'INSERT INTO records (topic, partition, "offset", key, value, headers, appended_at)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self._conn.close()


class EmbeddedConsumer(_Closeable):
    """One member of a consumer group. Not thread-safe: use it from one thread."""

    def __init__(
        self, path: Path, group: str, topics: list[str], *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._clock = clock
        self._conn = _connect(path)
        self._group = group
        self._topics = topics
        self._owner = uuid.uuid4().hex
        self._holds_lease = False
        self._lease_renewed_at = 0.0
        self._positions: dict[tuple[str, int], int] = {}
        self._next_partition = 0

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        self._check_open()
        with _errors(f"poll for group {self._group!r}"):
            return self._poll(timeout, max_records)

    def _poll(self, timeout: float, max_records: int) -> list[Record]:
        deadline = self._clock.monotonic() + timeout
        while True:
            version = self._data_version()
            if self._renew_lease():
                records = self._fetch(max_records)
                if records:
                    return records
            # Sleep until another connection commits (data_version moves) or time is up.
            remaining = deadline - self._clock.monotonic()
            while remaining > 0 and self._data_version() == version:
                self._clock.wait(min(_WAIT_STEP, remaining))
                remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                return []

    def commit(self) -> None:
        self._check_open()
        if not self._positions:
            return
        conn = self._conn
        with _errors(f"commit for group {self._group!r}"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                if not self._extend_lease():
                    raise BusError(f"group {self._group!r}: lease lost to another member")
                conn.executemany(
                    "INSERT INTO group_offsets (grp, topic, partition, committed)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (grp, topic, partition)"
                    " DO UPDATE SET committed = excluded.committed",
                    [(self._group, t, p, pos) for (t, p), pos in self._positions.items()],
                )
            except BaseException:
                conn.execute("ROLLBACK")
                self._holds_lease = False
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._holds_lease:
                # Hand the group over at once instead of making a standby wait for expiry.
                self._conn.execute(
                    "DELETE FROM group_leases WHERE grp = ? AND owner = ?",
                    (self._group, self._owner),
                )
        except sqlite3.Error:
            pass  # the lease then lapses by itself
        finally:
            self._conn.close()

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _extend_lease(self) -> bool:
        now = self._clock.time()
        cursor = self._conn.execute(
            "INSERT INTO group_leases (grp, owner, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (grp) DO UPDATE SET owner = excluded.owner,"
            " expires_at = excluded.expires_at"
            " WHERE group_leases.owner = excluded.owner OR group_leases.expires_at < ?",
            (self._group, self._owner, now + LEASE_SECONDS, now),
        )
        if cursor.rowcount == 1:
            self._lease_renewed_at = now
        return cursor.rowcount == 1

    def _renew_lease(self) -> bool:
        """Hold the group's lease; on taking it over, start from the committed offsets.

        Writes only when the lease is a third spent or free to take: a write wakes every
        waiting consumer, so renewing on each poll would have consumers wake each other.
        """
        now = self._clock.time()
        if self._holds_lease and now < self._lease_renewed_at + LEASE_SECONDS / 3:
            return True
        if not self._holds_lease:
            row = self._conn.execute(
                "SELECT owner, expires_at FROM group_leases WHERE grp = ?", (self._group,)
            ).fetchone()
            if row and row[0] != self._owner and row[1] >= now:
                return False
        held = self._extend_lease()
        if held and not self._holds_lease:
            self._positions = self._committed_positions()
        self._holds_lease = held
        return held

    def _committed_positions(self) -> dict[tuple[str, int], int]:
        positions = {}
        for topic in self._topics:
            row = self._conn.execute(
                "SELECT partitions FROM topics WHERE name = ?", (topic,)
            ).fetchone()
            for partition in range(row[0] if row else 0):
                committed = self._conn.execute(
                    "SELECT committed FROM group_offsets"
                    " WHERE grp = ? AND topic = ? AND partition = ?",
                    (self._group, topic, partition),
                ).fetchone()
                positions[(topic, partition)] = committed[0] if committed else 0
        return positions

    def _fetch(self, max_records: int) -> list[Record]:
        if not self._positions:
            # The topics may have been created after this consumer took the lease.
            self._positions = self._committed_positions()
        slots = list(self._positions)
        # Rotate the starting partition so a busy partition cannot starve the others.
        start = self._next_partition % len(slots) if slots else 0
        self._next_partition += 1
        records: list[Record] = []
        for topic, partition in slots[start:] + slots[:start]:
            if len(records) >= max_records:
                break
            rows = self._conn.execute(
                'SELECT "offset", key, value, headers FROM records'
                ' WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                (topic, partition, self._positions[(topic, partition)], max_records - len(records)),
            ).fetchall()
            for offset, key, value, headers in rows:
                records.append(
                    Record(topic, partition, offset, key, value, _decode_headers(headers))
                )
            if rows:
                self._positions[(topic, partition)] = rows[-1][0] + 1
        return records
