"""Poison messages on every topic a service consumes (not JSON, a known type with a payload
its schema refuses, a type nobody knows): each consumer dead-letters each one with the
reason and goes on. Reports filed after them are registered once and paged once, every
consumer group catches up, and a notifier restarted over the poisoned topics (which it
replays to rebuild its state) pages nothing again. On the embedded bus and on Kafka."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import requests
from e2e.helpers import consumer_lag, eventually, post, report
from resilience.support import (
    assert_each_registered_once,
    assert_no_message_twice,
    deployed,
    paged_incidents,
)

from shared import bus as buses
from shared.bus import dead_letters
from shared.envelope import new_id
from shared.settings import Settings
from shared.topics import (
    CONSUMER_GROUPS,
    CONTRACTS,
    DEAD_LETTERS,
    DIRECTORY,
    NOTIFIER_EVENTS,
    REGISTRY_EVENTS,
    REPORTS,
    topic_name,
)

pytestmark = pytest.mark.e2e

# Who dead-letters what they cannot read on each topic (the dead letter's producer).
CONSUMERS = {
    REPORTS: {"registry"},
    REGISTRY_EVENTS: {"intake", "notifier"},
    NOTIFIER_EVENTS: {"registry-acknowledgements"},
    DIRECTORY: {"directory-intake", "directory-registry", "directory-notifier"},
}


def poisons(topic: str) -> dict[str, bytes]:
    """Three poison messages for ``topic``, by a name that travels in their key."""
    known_type = next(iter(CONTRACTS[topic].events))

    def envelope(kind: str, type_: str) -> bytes:
        return json.dumps(
            {"id": new_id(), "type": type_, "schema_version": 1, "producer": "poisoner",
             "occurred_at": "2026-12-03T10:00:00+00:00", "key": f"poison-{kind}",
             "payload": {"no_such_field": ["x"]}}
        ).encode()  # fmt: skip

    return {
        "poison-not-json": b"\xff\xfe{ not json",
        "poison-bad-payload": envelope("bad-payload", known_type),
        "poison-unknown-type": envelope("unknown-type", "incident.teleported"),
    }


def test_poison_on_every_consumed_topic_is_dead_lettered_and_the_consumers_go_on(
    tmp_path, httpserver, profile
):
    with deployed(tmp_path, httpserver, noida=profile) as d:
        settings = Settings.from_env(d.env)
        prefix = settings.topic_prefix
        bus = buses.connect(settings)
        try:
            producer = bus.producer()
            for topic in CONSUMERS:
                for name, value in poisons(topic).items():
                    producer.send(topic_name(prefix, topic), key=name, value=value)
            producer.flush()

            intake, registry = d.urls["intake"], d.urls["registry"]
            accepted = [post(intake, d.key, report("After the poison", "critical"))]
            accepted += [post(intake, d.key, report(f"Ordinary report {n}")) for n in range(3)]
            assert_each_registered_once(registry, d.key, accepted)
            eventually(lambda: paged_incidents(httpserver) == Counter({accepted[0]: 1}))

            def letters() -> Counter:
                found = dead_letters.read(bus.replay(topic_name(prefix, DEAD_LETTERS)))
                return Counter(
                    (letter.source_topic, letter.consumer, letter.key) for letter in found
                )

            expected = Counter(
                (topic_name(prefix, topic), consumer, name)
                for topic, consumers in CONSUMERS.items()
                for consumer in consumers
                for name in poisons(topic)
            )
            eventually(lambda: letters() == expected, timeout=60)
            for group, topics in CONSUMER_GROUPS.items():  # every consumer caught up
                for topic in topics:
                    eventually(lambda g=group, t=topic: consumer_lag(d.env, g, t) == 0)

            # A restart replays the poisoned topics to rebuild the notifier's state.
            d.running.processes["notifier"].terminate()
            assert d.running.processes["notifier"].wait(30) == 0
            d.running.launch("notifier")
            d.running.wait_ready(timeout=90)
            escalations = requests.get(
                f"{d.urls['notifier']}/v1/escalations",
                params={"incident": accepted[0]},
                headers={"Authorization": f"Bearer {d.oncall_key}"},
                timeout=10,
            )
            assert escalations.status_code == 200, escalations.text
            assert len(escalations.json()["items"]) == 1
            # A page after the restart: by then a repeat of the first would have come too.
            later = post(intake, d.key, report("After the restart", "critical"))
            eventually(lambda: later in paged_incidents(httpserver), timeout=60)
            assert paged_incidents(httpserver) == Counter({accepted[0]: 1, later: 1})
            assert_no_message_twice(httpserver)
        finally:
            bus.close()
