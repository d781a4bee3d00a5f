"""The profile a fault test runs on: the embedded default, or Kafka and Elasticsearch
(noida-db, one server for the session). The cluster runs are the long ones: `make
resilience` only."""

from __future__ import annotations

import pytest

CLUSTER = pytest.param(
    "cluster", marks=[pytest.mark.kafka, pytest.mark.elasticsearch, pytest.mark.resilience]
)


@pytest.fixture(params=["embedded", CLUSTER])
def profile(request):
    """The noida-db server to run on, or None for the embedded profile."""
    return request.getfixturevalue("noida") if request.param == "cluster" else None
