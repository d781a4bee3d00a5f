"""Prometheus metrics: what every service counts, and ``/metrics`` to read them.

The counters and histograms are process-wide. A service served by several processes
(intake, shared/prefork.py) calls ``share_between_processes`` first: each process then
counts in its own file of a shared folder and ``/metrics``, whichever process answers it,
adds them all up (prometheus_client's multiprocess mode). Gauges that are cheaper to
compute than to keep current (consumer lag, outbox depth) are computed at scrape time by
each app's ``gauges`` callable, so a scrape always sees the bus as it is.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path

from apispec import APISpec
from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from shared.bus.interfaces import Bus
from shared.errors import Unavailable

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "accord_http_requests",
    "HTTP requests answered, by route template (not the raw path) and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "accord_http_request_duration_seconds",
    "Time from the request's arrival to its response, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUMED = Counter(
    "accord_messages_consumed",
    "Records a consumer runner took from the bus and handled or dead-lettered.",
    ["consumer", "topic"],
)
PRODUCED = Counter(
    "accord_messages_produced", "Records the bus acknowledged from this process.", ["topic"]
)
DEAD_LETTERED = Counter(
    "accord_messages_dead_lettered",
    "Records a consumer sent to the dead-letter topic, by the topic they came from.",
    ["consumer", "topic"],
)
NOTIFICATIONS = Counter(
    "accord_notifications",
    "Notifications the notifier tried to deliver, by channel and outcome (sent or failed).",
    ["channel", "outcome"],
)
ACKNOWLEDGED = Histogram(
    "accord_escalation_time_to_acknowledge_seconds",
    "From an escalation's opening to its acknowledgement (its count: acknowledgements).",
    ["severity"],
    buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 4 * 3600, 24 * 3600),
)

# A route that matched no rule counts under one label, so stray paths cannot each become
# a time series.
UNMATCHED = "<unmatched>"

GaugeSource = Callable[[], Iterable[Metric]]


def count_produced(topics: Iterable[str]) -> None:
    """Count records the bus has just acknowledged, one topic name per record."""
    for topic in topics:
        PRODUCED.labels(topic=topic).inc()


# How long a scrape waits for the lag: a broker that accepts connections but does not
# answer (stopped, overloaded) would otherwise hold every scrape for the client's
# timeouts, and with it the outbox depth an operator needs most just then.
LAG_BUDGET_SECONDS = 2.0


def consumer_lag(
    bus: Bus, groups: Sequence[tuple[str, str]], *, budget: float = LAG_BUDGET_SECONDS
) -> GaugeSource:
    """Records not yet committed, per (group, topic) pair and partition, read at scrape time.

    A bus that is away, or that has not answered within ``budget`` seconds, leaves the
    gauge out of the scrape (the readiness probe says why) rather than failing or holding
    the whole scrape. One read at a time: a scrape that finds the last one still waiting
    on the broker waits for that one, so a silent broker never piles up reads.
    """
    reads = _OneAtATime(
        lambda: [
            (group, topic, partition, lag)
            for group, topic in groups
            for partition, lag in sorted(bus.partition_lag(group, topic).items())
        ]
    )

    def collect() -> Iterator[Metric]:
        try:
            rows = reads.result(budget)
        except (Unavailable, TimeoutError) as exc:
            log.warning("consumer lag left out of the scrape: %s", str(exc) or "no answer in time")
            return
        family = GaugeMetricFamily(
            "accord_consumer_lag",
            "Records of a topic that a consumer group has not committed yet.",
            labels=["group", "topic", "partition"],
        )
        for group, topic, partition, lag in rows:
            family.add_metric([group, topic, str(partition)], lag)
        yield family

    return collect


class _OneAtATime:
    """``read`` in a daemon thread (one left waiting on a silent broker must not hold the
    process at exit), a new one only once the last has finished."""

    def __init__(self, read: Callable[[], list]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._current: Future | None = None

    def result(self, timeout: float) -> list:
        with self._lock:
            if self._current is None or self._current.done():
                self._current = Future()
                threading.Thread(
                    target=self._run, args=(self._current,), name="metrics-lag", daemon=True
                ).start()
            current = self._current
        return current.result(timeout)

    def _run(self, future: Future) -> None:
        try:
            future.set_result(self._read())
        except BaseException as exc:  # handed to the scrape that waits for it
            future.set_exception(exc)


def gauge(name: str, documentation: str, read: Callable[[], float]) -> GaugeSource:
    """One unlabelled gauge, ``read`` at scrape time; left out while its source is away."""

    def collect() -> Iterator[Metric]:
        try:
            value = read()
        except Unavailable as exc:
            log.warning("%s left out of the scrape: %s", name, exc)
            return
        yield GaugeMetricFamily(name, documentation, value=value)

    return collect


# The folder the processes of this service count in, once share_between_processes ran.
_shared: Path | None = None


def share_between_processes(folder: Path) -> None:
    """Count in ``folder`` from now on, as every process forked from this one will: call
    before anything is counted and before forking. The counts of an earlier run there go."""
    global _shared
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    # prometheus_client reads the folder from its environment variable at each new series.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    values.ValueClass = values.MultiProcessValue()  # the series made from now on
    _shared = folder


class _Scrape(Collector):
    def __init__(self, sources: Sequence[GaugeSource]) -> None:
        self._sources = sources
        # Every process's counts when they are shared (without this process's own
        # process_* and gc metrics, which would describe one process of several).
        self._counted = REGISTRY if _shared is None else MultiProcessCollector(None, _shared)

    def collect(self) -> Iterator[Metric]:
        yield from self._counted.collect()
        for source in self._sources:
            yield from source()


def init_app(app: Flask, gauges: Sequence[GaugeSource] = ()) -> None:
    """Time and count every request, and serve ``/metrics`` (the process-wide metrics plus
    this app's ``gauges``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape(gauges))

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule else UNMATCHED
            HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
            HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def document(spec: APISpec) -> None:
    """``/metrics`` in a service's OpenAPI document."""
    spec.path(
        path="/metrics",
        operations={
            "get": {
                "summary": "Prometheus metrics, in the text exposition format",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    )
