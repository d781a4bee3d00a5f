"""Prometheus metrics: what every service counts, and ``/metrics`` to read them.

The counters and histograms are process-wide (one process is one service). Gauges that
are cheaper to compute than to keep current (consumer lag, outbox depth) are computed at
scrape time by each app's ``gauges`` callable, so a scrape always sees the bus as it is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from apispec import APISpec
from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
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


def consumer_lag(bus: Bus, groups: Sequence[tuple[str, str]]) -> GaugeSource:
    """Records not yet committed, per (group, topic) pair and partition, read at scrape time.

    A bus that is away leaves the gauge out of the scrape (the readiness probe says why),
    rather than failing the whole scrape.
    """

    def collect() -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "accord_consumer_lag",
            "Records of a topic that a consumer group has not committed yet.",
            labels=["group", "topic", "partition"],
        )
        try:
            for group, topic in groups:
                for partition, lag in sorted(bus.partition_lag(group, topic).items()):
                    family.add_metric([group, topic, str(partition)], lag)
        except Unavailable as exc:
            log.warning("consumer lag left out of the scrape: %s", exc)
            return
        yield family

    return collect


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


class _Scrape(Collector):
    def __init__(self, sources: Sequence[GaugeSource]) -> None:
        self._sources = sources

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
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
