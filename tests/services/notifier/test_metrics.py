"""The notifier's /metrics: its own gauges beside the shared ones."""

from __future__ import annotations

from notifier_support import registered
from scrape import value


def test_open_deadlines_are_counted_by_regime_until_filed(app, escalations, clock):
    incident = "01JD0000000000000000000091"
    escalations([registered(incident, severity=None, jurisdictions=["EU-AI-ACT-ART73"],
                            detected_at=clock.now().isoformat())])  # fmt: skip
    client = app.test_client()

    text = client.get("/metrics").text
    assert value(text, "accord_deadlines_open", regime="EU-AI-ACT-ART73") == 1.0

    (deadline,) = escalations.state.deadline_list()
    escalations.deadlines.file(deadline.id, "complete", {"id": "p-risk", "name": "Rosa"})
    text = client.get("/metrics").text
    assert value(text, "accord_deadlines_open", regime="EU-AI-ACT-ART73") is None
