"""The bus port: what the services need from a Kafka-like log, nothing more.

Two adapters implement it (``embedded`` on SQLite, ``kafka`` on kafka-python) and one
contract suite (``tests/shared/bus/test_contract.py``) runs against both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from shared.errors import Rejected, Unavailable


class BusError(Unavailable):
    """The bus is away or overloaded (unreachable, timed out, unknown topic, lease lost):
    the same call may succeed later."""


class RecordRejected(Rejected):
    """The bus refused a record that can never be accepted as it is (too large)."""


class BusClosed(RuntimeError):
    """A bus, producer or consumer was used after ``close()``: a bug, not an outage."""


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class Producer(Protocol):
    def send(
        self, topic: str, *, key: str, value: bytes, headers: Mapping[str, bytes] | None = None
    ) -> None:
        """Queue one record; records with the same key keep their order."""

    def flush(self, timeout: float = 10.0) -> None:
        """Block until every queued record is durably stored; raise ``BusError`` if not."""

    def close(self) -> None: ...


class Consumer(Protocol):
    """A member of a consumer group, reading from the committed offsets on."""

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        """Return the next records, waiting up to ``timeout`` seconds for some to arrive."""

    def commit(self) -> None:
        """Commit the position after every record returned by ``poll`` so far."""

    def close(self) -> None: ...


class Bus(Protocol):
    def create_topics(self, topics: Mapping[str, int]) -> None:
        """Create each topic with its partition count; existing topics are left alone."""

    def producer(self) -> Producer: ...

    def consumer(self, group: str, topics: Iterable[str]) -> Consumer: ...

    def replay(self, topic: str) -> Iterator[Record]:
        """Every record in ``topic`` from the first to the last one present at the call.

        For rebuilding state from events; no consumer group, nothing committed.
        """

    def lag(self, group: str, topic: str) -> int:
        """How many records of ``topic`` the group has not committed yet (all of them for
        a group that never committed): for operators, and for tests that must know a
        consumer has finished."""

    def partition_lag(self, group: str, topic: str) -> dict[int, int]:
        """``lag`` for each partition of ``topic`` (every partition, 0 where caught up)."""

    def ping(self) -> None:
        """Raise ``BusError`` unless the bus answers."""

    def close(self) -> None: ...
