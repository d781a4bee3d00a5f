"""The Kafka bus: any Kafka-protocol cluster through kafka-python.

Producers wait for every in-sync replica (acks=all); consumers never auto-commit, so an
offset is committed only after the work it covers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.bus.interfaces import BusError, Record

_CLIENT_ID = "accord"


class KafkaBus:
    def __init__(
        self,
        bootstrap_servers: Iterable[str],
        *,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        replication_factor: int = 1,
    ) -> None:
        self._servers = list(bootstrap_servers)
        self._session_timeout_ms = session_timeout_ms
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._replication_factor = replication_factor
        self._admin: KafkaAdminClient | None = None

    def _admin_client(self) -> KafkaAdminClient:
        if self._admin is None:
            try:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self._servers, client_id=_CLIENT_ID, request_timeout_ms=10_000
                )
            except KafkaError as exc:
                raise BusError(f"Kafka at {','.join(self._servers)}: {exc}") from exc
        return self._admin

    def create_topics(self, topics: Mapping[str, int]) -> None:
        admin = self._admin_client()
        existing = set(admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=partitions, replication_factor=self._replication_factor)
            for name, partitions in topics.items()
            if name not in existing
        ]
        if not missing:
            return
        try:
            admin.create_topics(missing)
        except TopicAlreadyExistsError:
            pass  # another process created them first
        except KafkaError as exc:
            raise BusError(f"creating topics failed: {exc}") from exc

    def producer(self) -> KafkaBusProducer:
        return KafkaBusProducer(self._servers)

    def consumer(self, group: str, topics: Iterable[str]) -> KafkaBusConsumer:
        return KafkaBusConsumer(
            self._servers,
            group,
            list(topics),
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=self._heartbeat_interval_ms,
        )

    def replay(self, topic: str, *, timeout: float = 60.0) -> Iterator[Record]:
        consumer = KafkaConsumer(
            bootstrap_servers=self._servers, client_id=_CLIENT_ID, enable_auto_commit=False
        )
        try:
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            if not partitions:
                return
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            # Some brokers (Tansu 0.6) report end offsets short of the last record, so the
            # reported ends are a floor: read past them until a fetch comes back empty.
            floor = consumer.end_offsets(partitions)
            deadline = time.monotonic() + timeout
            while True:
                if time.monotonic() > deadline:
                    raise BusError(f"replay of {topic} did not reach the end in {timeout:.0f}s")
                batches = consumer.poll(timeout_ms=500)
                for messages in batches.values():
                    yield from map(_record, messages)
                caught_up = all(consumer.position(tp) >= floor[tp] for tp in partitions)
                if caught_up and not batches:
                    return
        except KafkaError as exc:
            raise BusError(f"replay of {topic} failed: {exc}") from exc
        finally:
            consumer.close(autocommit=False)

    def ping(self) -> None:
        try:
            self._admin_client().list_topics()
        except KafkaError as exc:
            raise BusError(f"Kafka at {','.join(self._servers)}: {exc}") from exc

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()


def _record(message) -> Record:
    return Record(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key.decode("utf-8", "replace") if message.key is not None else None,
        value=message.value,
        headers=tuple(message.headers or ()),
    )


class KafkaBusProducer:
    def __init__(self, servers: list[str]) -> None:
        try:
            self._producer = KafkaProducer(
                bootstrap_servers=servers,
                client_id=_CLIENT_ID,
                acks="all",
                linger_ms=5,
                retries=5,
                max_in_flight_requests_per_connection=1,  # keep per-key order across retries
            )
        except KafkaError as exc:
            raise BusError(f"Kafka at {','.join(servers)}: {exc}") from exc
        # Each thread checks the outcome of its own sends, so one thread's flush never
        # reports success for a record another thread queued.
        self._local = threading.local()

    def send(
        self, topic: str, *, key: str, value: bytes, headers: Mapping[str, bytes] | None = None
    ) -> None:
        future = self._producer.send(
            topic, key=key.encode(), value=value, headers=list((headers or {}).items())
        )
        self._pending().append(future)

    def _pending(self) -> list:
        if not hasattr(self._local, "futures"):
            self._local.futures = []
        return self._local.futures

    def flush(self, timeout: float = 10.0) -> None:
        futures, self._local.futures = self._pending(), []
        try:
            self._producer.flush(timeout=timeout)
            for future in futures:
                future.get(timeout=0)  # raises the broker's error for a failed record
        except KafkaError as exc:
            raise BusError(f"publish failed: {exc}") from exc

    def close(self) -> None:
        self._producer.close(timeout=10)


class KafkaBusConsumer:
    def __init__(
        self,
        servers: list[str],
        group: str,
        topics: list[str],
        *,
        session_timeout_ms: int,
        heartbeat_interval_ms: int,
    ) -> None:
        try:
            self._consumer = KafkaConsumer(
                *topics,
                bootstrap_servers=servers,
                client_id=_CLIENT_ID,
                group_id=group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=session_timeout_ms,
                heartbeat_interval_ms=heartbeat_interval_ms,
            )
        except KafkaError as exc:
            raise BusError(f"Kafka at {','.join(servers)}: {exc}") from exc

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        try:
            batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        except KafkaError as exc:
            raise BusError(f"poll failed: {exc}") from exc
        return [_record(message) for messages in batches.values() for message in messages]

    def commit(self) -> None:
        try:
            self._consumer.commit()
        except KafkaError as exc:
            raise BusError(f"commit failed: {exc}") from exc

    def close(self) -> None:
        self._consumer.close(autocommit=False)
