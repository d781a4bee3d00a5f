"""Every golden example of every topic contract goes through the codec, both ways."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from shared import topics
from shared.envelope import decode, encode
from shared.events import PAYLOAD_SCHEMAS
from shared.topics import CONTRACTS, all_topics, topic_name

EXAMPLES = [
    pytest.param(event_type, spec["schema_version"], example, id=f"{topic}/{event_type}/{i}")
    for topic, contract in CONTRACTS.items()
    for event_type, spec in contract.events.items()
    for i, example in enumerate(spec["examples"])
]


@pytest.mark.parametrize(("event_type", "schema_version", "example"), EXAMPLES)
def test_golden_example_decodes_and_round_trips(event_type, schema_version, example):
    envelope = decode(json.dumps(example).encode())
    assert envelope.type == event_type
    assert envelope.schema_version == schema_version
    assert json.loads(encode(envelope)) == example


def test_every_event_type_has_examples():
    for contract in CONTRACTS.values():
        assert contract.events, contract.topic
        for event_type, spec in contract.events.items():
            assert spec["examples"], f"{contract.topic}: {event_type} has no example"


def test_contracts_and_payload_schemas_match_one_to_one():
    listed = Counter(
        (event_type, spec["schema_version"])
        for contract in CONTRACTS.values()
        for event_type, spec in contract.events.items()
    )
    assert set(listed) == set(PAYLOAD_SCHEMAS)
    assert all(count == 1 for count in listed.values()), listed


def test_the_topic_constants_have_contracts():
    names = {
        topics.REPORTS,
        topics.REGISTRY_EVENTS,
        topics.NOTIFIER_EVENTS,
        topics.DEAD_LETTERS,
        topics.DIRECTORY,
    }
    assert set(CONTRACTS) == names
    assert all(c.partitions >= 1 for c in CONTRACTS.values())


def test_topic_name_prefixes_the_logical_name():
    assert topic_name("accord", topics.REPORTS) == "accord.reports"
    assert topic_name("test-1", topics.DEAD_LETTERS) == "test-1.dead-letters"


def test_unknown_topic_raises_key_error():
    with pytest.raises(KeyError, match="nope"):
        topic_name("accord", "nope")


def test_all_topics_names_every_topic_with_its_partitions():
    assert all_topics("p") == {
        "p.reports": CONTRACTS["reports"].partitions,
        "p.registry-events": CONTRACTS["registry-events"].partitions,
        "p.notifier-events": CONTRACTS["notifier-events"].partitions,
        "p.dead-letters": CONTRACTS["dead-letters"].partitions,
        "p.directory": 1,
    }
