"""/metrics: requests by route and status, records produced, lag and gauges at scrape time."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from scrape import counted, value
from waiting import wait_until

from shared import metrics
from shared.errors import Unavailable

GROUP, TOPIC = "test.registry", "test.reports"


def app_with(*gauges: metrics.GaugeSource) -> Flask:
    app = Flask(__name__)
    metrics.init_app(app, gauges)

    @app.get("/things/<thing_id>")
    def thing(thing_id: str):
        return {"id": thing_id}

    return app


def test_requests_are_counted_and_timed_by_route_template_and_status():
    client = app_with().test_client()
    route = {"method": "GET", "route": "/things/<thing_id>"}
    before = counted("accord_http_requests_total", **route, status="200")
    timed = counted("accord_http_request_duration_seconds_count", **route)
    stray = counted("accord_http_requests_total", method="GET", route="<unmatched>", status="404")

    client.get("/things/1")
    client.get("/things/2")
    client.get("/no/such/path")
    page = client.get("/metrics")

    assert page.status_code == 200
    assert page.mimetype == "text/plain"
    text = page.get_data(as_text=True)
    assert value(text, "accord_http_requests_total", **route, status="200") == before + 2
    assert value(text, "accord_http_request_duration_seconds_count", **route) == timed + 2
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert value(text, "accord_http_requests_total", **unmatched) == stray + 1
    assert value(text, "accord_http_requests_total", method="GET", route="/no/such/path") is None


def test_records_the_bus_acknowledged_are_counted_by_topic(bus):
    before = counted("accord_messages_produced_total", topic=TOPIC)
    producer = bus.producer()
    for key in ("a", "b", "c"):
        producer.send(TOPIC, key=key, value=b"{}")
    assert counted("accord_messages_produced_total", topic=TOPIC) == before  # not yet flushed
    producer.flush()
    producer.close()

    assert counted("accord_messages_produced_total", topic=TOPIC) == before + 3


def test_consumer_lag_is_read_per_partition_at_scrape_time(bus):
    client = app_with(metrics.consumer_lag(bus, [(GROUP, TOPIC)])).test_client()
    producer = bus.producer()
    for key in ("a", "b", "c", "d"):
        producer.send(TOPIC, key=key, value=b"{}")
    producer.close()

    text = client.get("/metrics").get_data(as_text=True)

    partitions = bus.partition_lag(GROUP, TOPIC)
    lags = {
        p: value(text, "accord_consumer_lag", group=GROUP, topic=TOPIC, partition=str(p))
        for p in partitions
    }
    assert lags == partitions
    assert sum(lags.values()) == 4
    consumer = bus.consumer(GROUP, [TOPIC])
    assert len(consumer.poll(timeout=1.0)) == 4
    consumer.commit()
    consumer.close()
    text = client.get("/metrics").get_data(as_text=True)
    assert value(text, "accord_consumer_lag", group=GROUP, topic=TOPIC, partition="0") == 0


def test_a_bus_that_is_away_leaves_the_lag_out_and_the_scrape_answers(unreachable_bus):
    client = app_with(metrics.consumer_lag(unreachable_bus, [(GROUP, TOPIC)])).test_client()

    page = client.get("/metrics")

    assert page.status_code == 200
    assert "accord_consumer_lag" not in page.get_data(as_text=True)
    assert "accord_http_requests_total" in page.get_data(as_text=True)


class SilentBus:
    """A broker that takes connections and does not answer until ``answer`` is set."""

    def __init__(self) -> None:
        self.answer = threading.Event()
        self.reads = 0

    def partition_lag(self, group: str, topic: str) -> dict[int, int]:
        self.reads += 1
        self.answer.wait(timeout=30)
        return {0: 4}


def test_a_bus_that_does_not_answer_leaves_the_lag_out_without_piling_up_reads():
    silent = SilentBus()
    client = app_with(metrics.consumer_lag(silent, [(GROUP, TOPIC)], budget=0.05)).test_client()

    for _ in range(3):
        page = client.get("/metrics")
        assert page.status_code == 200
        assert "accord_consumer_lag" not in page.get_data(as_text=True)
        assert "accord_http_requests_total" in page.get_data(as_text=True)
    assert silent.reads == 1  # the later scrapes waited on the first read

    silent.answer.set()
    wait_until(
        lambda: "accord_consumer_lag{" in client.get("/metrics").get_data(as_text=True),
        "the lag once the broker answers",
    )
    text = client.get("/metrics").get_data(as_text=True)
    assert value(text, "accord_consumer_lag", group=GROUP, topic=TOPIC, partition="0") == 4


@pytest.mark.parametrize("reading", [7, Unavailable("the outbox is away")])
def test_a_gauge_is_read_at_scrape_time_or_left_out(reading):
    def read() -> float:
        if isinstance(reading, Exception):
            raise reading
        return reading

    client = app_with(metrics.gauge("accord_test_depth", "A test gauge.", read)).test_client()

    text = client.get("/metrics").get_data(as_text=True)

    expected = None if isinstance(reading, Exception) else 7
    assert value(text, "accord_test_depth") == expected
