"""Reading Prometheus metrics in tests: from a served ``/metrics`` page or the process."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition page, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    """One sample of an exposition page; None when it is not there."""
    return samples(text).get((name, frozenset(labels.items())))


def counted(name: str, **labels: str) -> float:
    """A process-wide sample now (0 before its first increment)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
