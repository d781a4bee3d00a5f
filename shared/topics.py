"""The topic registry: names, partition counts, event types and golden examples.

The contracts are data (``shared/contracts/<topic>.json``); ``tests/shared/test_topics.py``
checks every example against the codec.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPORTS = "reports"
REGISTRY_EVENTS = "registry-events"
NOTIFIER_EVENTS = "notifier-events"
DEAD_LETTERS = "dead-letters"
DIRECTORY = "directory"

# Every consumer group and the topics it reads, for lag (``/metrics``, ``accord lag``); a
# group is its service's name, or that name and what it is for ("registry-..."). The
# directory followers' groups are one per process and left out.
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    "intake": (REGISTRY_EVENTS,),
    "registry": (REPORTS,),
    "registry-acknowledgements": (NOTIFIER_EVENTS,),
    "notifier": (REGISTRY_EVENTS,),
}

_CONTRACTS_DIR = Path(__file__).parent / "contracts"


@dataclass(frozen=True)
class TopicContract:
    topic: str
    description: str
    partitions: int
    events: dict[str, dict[str, Any]]


def _load() -> dict[str, TopicContract]:
    contracts = {}
    for path in sorted(_CONTRACTS_DIR.glob("*.json")):
        contract = TopicContract(**json.loads(path.read_text()))
        contracts[contract.topic] = contract
    return contracts


CONTRACTS: dict[str, TopicContract] = _load()


def topic_name(prefix: str, topic: str) -> str:
    """The broker-side name of a logical topic, e.g. ``accord.reports``."""
    if topic not in CONTRACTS:
        raise KeyError(f"no contract for topic {topic!r}")
    return f"{prefix}.{topic}"


def all_topics(prefix: str) -> dict[str, int]:
    """Every topic's broker-side name and partition count, for creating them."""
    return {topic_name(prefix, c.topic): c.partitions for c in CONTRACTS.values()}


def group_name(prefix: str, group: str) -> str:
    """The broker-side name of a service's consumer group, e.g. ``accord.registry``."""
    return f"{prefix}.{group}"


def consumer_groups(prefix: str, *services: str) -> list[tuple[str, str]]:
    """The broker-side (group, topic) pairs of ``services``' groups (every group when none)."""
    return [
        (group_name(prefix, group), topic_name(prefix, topic))
        for group, topics in CONSUMER_GROUPS.items()
        if not services or group.split("-")[0] in services
        for topic in topics
    ]
