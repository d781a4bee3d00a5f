"""The Kafka bus: any Kafka-protocol cluster through kafka-python.

Producers wait for every in-sync replica (acks=all); consumers never auto-commit, so an
offset is committed only after the work it covers. Clients connect on first use, so a
service starts while the brokers are away and its retries reconnect it; every client
exception leaves this module as the bus port's own error.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import (
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    TopicAlreadyExistsError,
)

from shared.bus.interfaces import BusClosed, BusError, Record, RecordRejected
from shared.metrics import count_produced
from shared.settings import Settings

_CLIENT_ID = "accord"
# A record the brokers can never take as it is; anything else may go through later.
_REFUSED = (MessageSizeTooLargeError, RecordListTooLargeError, InvalidTopicError)


@contextmanager
def _errors(what: str) -> Iterator[None]:
    try:
        yield
    except _REFUSED as exc:
        raise RecordRejected(f"Kafka refused to {what}: {exc}") from exc
    except KafkaError as exc:
        raise BusError(f"Kafka failed to {what}: {exc}") from exc


def security_options(settings: Settings) -> dict[str, object]:
    """The kafka-python options, the same for every client, that authenticate and encrypt
    its connections as the settings say (validated there: SASL has its user and password)."""
    protocol = settings.kafka_security_protocol
    options: dict[str, object] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = settings.kafka_sasl_password
    if protocol.endswith("SSL"):
        options["ssl_check_hostname"] = True  # the brokers' names must match their certificates
        if settings.kafka_ssl_cafile:
            options["ssl_cafile"] = settings.kafka_ssl_cafile
    return options


def _reachable(servers: list[str], timeout_s: float) -> None:
    """Raise ``BusError`` unless some bootstrap server accepts a TCP connection.

    kafka-python 3.0 leaks its I/O thread and a socket each time a client's bootstrap
    fails in the constructor, so the retries of a service waiting out an outage would pile
    them up; this plain check lets a refused or silent address fail without a client.
    A TCP connection says nothing of TLS or SASL: the client's own handshake checks those.
    """
    errors = []
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
            return
        except (OSError, ValueError) as exc:
            errors.append(f"{server}: {exc}")
    raise BusError("no Kafka bootstrap server answers: " + "; ".join(errors))


class _Lazy:
    """One kafka-python client, created on first use (and again after a failed creation),
    refused after ``close()``."""

    def __init__(
        self, create: Callable[[], object], what: str, servers: list[str], timeout_s: float
    ) -> None:
        self._create = create
        self._what = what
        self._servers = servers
        self._timeout_s = timeout_s
        self._client = None
        self._closed = False
        self._lock = threading.Lock()

    def check_open(self) -> None:
        if self._closed:
            raise BusClosed(f"the Kafka {self._what} was used after close()")

    def get(self):
        with self._lock:
            self.check_open()
            if self._client is None:
                _reachable(self._servers, self._timeout_s)
                with _errors(f"connect a {self._what}"):
                    self._client = self._create()
            return self._client

    def close(self, close: Callable[[object], None]) -> None:
        with self._lock:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            with _errors(f"close a {self._what}"):
                close(client)


class KafkaBus:
    def __init__(
        self,
        bootstrap_servers: Iterable[str],
        *,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        replication_factor: int = 1,
        min_insync_replicas: int = 1,
        connect_timeout_ms: int = 10_000,
        security: Mapping[str, object] | None = None,
    ) -> None:
        """``security``: from ``security_options``; none is plaintext, unauthenticated."""
        self._servers = list(bootstrap_servers)
        # Every client's connection options: how long it waits for a first broker before
        # the call fails as BusError, and how it authenticates and encrypts.
        self._connect = {"bootstrap_timeout_ms": connect_timeout_ms, **(security or {})}
        self._session_timeout_ms = session_timeout_ms
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._replication_factor = replication_factor
        self._min_insync_replicas = min_insync_replicas
        self._admin = _Lazy(
            lambda: KafkaAdminClient(
                bootstrap_servers=self._servers,
                client_id=_CLIENT_ID,
                request_timeout_ms=10_000,
                **self._connect,
            ),
            "admin client",
            self._servers,
            connect_timeout_ms / 1000,
        )

    def create_topics(self, topics: Mapping[str, int]) -> None:
        admin = self._admin.get()
        with _errors("list topics"):
            existing = set(admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=self._replication_factor,
                # With acks=all, a write is acknowledged once this many replicas have it.
                topic_configs={"min.insync.replicas": str(self._min_insync_replicas)},
            )
            for name, partitions in topics.items()
            if name not in existing
        ]
        if not missing:
            return
        try:
            with _errors("create topics"):
                admin.create_topics(missing)
        except BusError as exc:
            if not isinstance(exc.__cause__, TopicAlreadyExistsError):
                raise  # otherwise another process created them first

    def producer(self) -> KafkaBusProducer:
        return KafkaBusProducer(self._servers, **self._connect)

    def consumer(self, group: str, topics: Iterable[str]) -> KafkaBusConsumer:
        return KafkaBusConsumer(
            self._servers,
            group,
            list(topics),
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=self._heartbeat_interval_ms,
            **self._connect,
        )

    def replay(self, topic: str, *, timeout: float = 60.0) -> Iterator[Record]:
        self._admin.get()  # refuses after close(), like the other adapters
        _reachable(self._servers, self._connect["bootstrap_timeout_ms"] / 1000)
        with _errors(f"replay {topic}"):
            consumer = KafkaConsumer(
                bootstrap_servers=self._servers,
                client_id=_CLIENT_ID,
                enable_auto_commit=False,
                **self._connect,
            )
        try:
            with _errors(f"replay {topic}"):
                yield from _read_to_end(consumer, topic, timeout)
        finally:
            consumer.close(autocommit=False)

    def lag(self, group: str, topic: str) -> int:
        return sum(self.partition_lag(group, topic).values())

    def partition_lag(self, group: str, topic: str) -> dict[int, int]:
        self._admin.get()  # refuses after close(), like the other adapters
        _reachable(self._servers, self._connect["bootstrap_timeout_ms"] / 1000)
        with _errors(f"read the offsets of {group} on {topic}"):
            # A consumer that names the group but never subscribes reads its commits
            # without joining it, so the group's members are not disturbed.
            consumer = KafkaConsumer(
                bootstrap_servers=self._servers,
                client_id=_CLIENT_ID,
                group_id=group,
                enable_auto_commit=False,
                **self._connect,
            )
            try:
                partitions = [
                    TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
                ]
                ends = consumer.end_offsets(partitions)
                return {
                    tp.partition: end - (consumer.committed(tp) or 0) for tp, end in ends.items()
                }
            finally:
                consumer.close(autocommit=False)

    def ping(self) -> None:
        admin = self._admin.get()
        with _errors(f"answer a ping at {','.join(self._servers)}"):
            admin.list_topics()

    def close(self) -> None:
        self._admin.close(lambda admin: admin.close())


def _read_to_end(consumer: KafkaConsumer, topic: str, timeout: float) -> Iterator[Record]:
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
    def __init__(self, servers: list[str], **connect: object) -> None:
        self._producer = _Lazy(
            lambda: KafkaProducer(
                **connect,
                bootstrap_servers=servers,
                client_id=_CLIENT_ID,
                acks="all",
                linger_ms=5,
                retries=5,
                max_in_flight_requests_per_connection=1,  # keep per-key order across retries
            ),
            "producer",
            servers,
            connect["bootstrap_timeout_ms"] / 1000,
        )
        # Each thread checks the outcome of its own sends, so one thread's flush never
        # reports success for a record another thread queued.
        self._local = threading.local()

    def send(
        self, topic: str, *, key: str, value: bytes, headers: Mapping[str, bytes] | None = None
    ) -> None:
        producer = self._producer.get()
        with _errors(f"send to {topic}"):
            future = producer.send(
                topic, key=key.encode(), value=value, headers=list((headers or {}).items())
            )
        self._pending().append(future)

    def _pending(self) -> list:
        if not hasattr(self._local, "futures"):
            self._local.futures = []
        return self._local.futures

    def flush(self, timeout: float = 10.0) -> None:
        futures, self._local.futures = self._pending(), []
        if not futures:
            self._producer.check_open()
            return
        producer = self._producer.get()
        with _errors("publish"):
            producer.flush(timeout=timeout)
            acknowledged = [future.get(timeout=0) for future in futures]  # raises on failure
        count_produced(metadata.topic for metadata in acknowledged)

    def close(self) -> None:
        self._producer.close(lambda producer: producer.close(timeout=10))


class KafkaBusConsumer:
    def __init__(
        self,
        servers: list[str],
        group: str,
        topics: list[str],
        *,
        session_timeout_ms: int,
        heartbeat_interval_ms: int,
        **connect: object,
    ) -> None:
        self._consumer = _Lazy(
            lambda: KafkaConsumer(
                *topics,
                **connect,
                bootstrap_servers=servers,
                client_id=_CLIENT_ID,
                group_id=group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=session_timeout_ms,
                heartbeat_interval_ms=heartbeat_interval_ms,
            ),
            "consumer",
            servers,
            connect["bootstrap_timeout_ms"] / 1000,
        )

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        consumer = self._consumer.get()
        with _errors("poll"):
            batches = consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        return [_record(message) for messages in batches.values() for message in messages]

    def commit(self) -> None:
        consumer = self._consumer.get()
        with _errors("commit"):
            consumer.commit()

    def close(self) -> None:
        self._consumer.close(lambda consumer: consumer.close(autocommit=False))
