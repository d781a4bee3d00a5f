"""The registry's /metrics: its consumer group's lag on the reports topic, per partition."""

from __future__ import annotations

from scrape import value

from services.registry.app import create_app
from shared.envelope import Envelope, encode
from shared.settings import Settings
from shared.topics import REPORTS, topic_name


def test_the_lag_of_the_registry_group_counts_reports_not_yet_consumed(
    tmp_path, bus, store, make_report
):
    settings = Settings(data_dir=tmp_path, topic_prefix="test")
    client = create_app(settings, bus=bus, store=store).test_client()
    producer = bus.producer()
    for n in (1, 2, 3):
        report = make_report(n)
        envelope = Envelope(
            type="report.accepted", key=report["id"], producer="test", payload={"report": report}
        )
        producer.send(topic_name("test", REPORTS), key=report["id"], value=encode(envelope))
    producer.close()

    text = client.get("/metrics").get_data(as_text=True)

    partitions = bus.partition_lag("test.registry", "test.reports")
    assert len(partitions) > 1
    for partition, lag in partitions.items():
        labels = {"group": "test.registry", "topic": "test.reports", "partition": str(partition)}
        assert value(text, "accord_consumer_lag", **labels) == lag
    assert sum(partitions.values()) == 3
    route = {"method": "GET", "route": "/metrics", "status": "200"}
    assert value(
        client.get("/metrics").get_data(as_text=True), "accord_http_requests_total", **route
    )
