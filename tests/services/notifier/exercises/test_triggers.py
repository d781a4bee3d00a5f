"""Exercise triggers by policy data, each once; the scenario drawn from the incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.exercises.scenario import scenario
from services.notifier.exercises.triggers import (
    Incident,
    Proposed,
    Trigger,
    due_triggers,
    load_policy,
    next_cadence,
)

NOW = datetime(2026, 12, 3, 14, tzinfo=UTC)
DAY = timedelta(days=1)
POLICY = load_policy()
ONLY = {"critical_resolved": False, "anchor": "2026-01-05"}


def policy(**triggers):
    return {**POLICY, "triggers": {**ONLY, **triggers}}


def incident(n, severity="high", domains=("7.3",), days_ago=1, resolved_days_ago=None):
    return Incident(
        f"I{n}",
        severity,
        tuple(domains),
        NOW - days_ago * DAY,
        None if resolved_days_ago is None else NOW - resolved_days_ago * DAY,
    )


def test_a_critical_incident_resolved_triggers_once():
    incidents = [
        incident(1, "critical", resolved_days_ago=0),
        incident(2, "critical"),  # not resolved
        incident(3, "high", resolved_days_ago=0),  # not critical
    ]
    rules = policy(critical_resolved=True)
    assert due_triggers(rules, incidents, [], NOW) == [
        Trigger("resolved:I1", "a critical incident was resolved", ("I1",))
    ]
    assert due_triggers(rules, incidents, [Proposed("resolved:I1", None)], NOW) == []


def test_n_incidents_in_one_domain_within_the_window():
    rules = policy(domain_cluster={"count": 3, "window_days": 30})
    incidents = [
        incident(1, days_ago=40),  # outside the window
        incident(2, days_ago=20),
        incident(3, domains=("7.1", "2.1"), days_ago=10),
        incident(4, domains=("4.1",), days_ago=5),
    ]
    assert due_triggers(rules, incidents, [], NOW) == []
    incidents.append(incident(5, days_ago=1))
    (trigger,) = due_triggers(rules, incidents, [], NOW)
    assert trigger.key == "cluster:7:I2"
    assert trigger.incident_ids == ("I2", "I3", "I5")
    assert trigger.harm_domain == "7"
    # Those incidents are in an exercise now: the next cluster needs three new ones.
    done = Proposed(trigger.key, "7", frozenset(trigger.incident_ids))
    assert due_triggers(rules, incidents, [done], NOW) == []
    more = [incident(n, days_ago=0) for n in (6, 7, 8)]
    (again,) = due_triggers(rules, incidents + more, [done], NOW)
    assert again.incident_ids == ("I6", "I7", "I8")


def test_a_cadence_per_domain_once_per_period():
    rules = policy(cadence=[{"harm_domain": "7", "every_days": 90}])
    incidents = [incident(n, days_ago=n) for n in range(1, 6)]
    (trigger,) = due_triggers(rules, incidents, [], NOW)
    # 2026-01-05 to 2026-12-03 is 332 days: the fourth 90-day period (index 3).
    assert trigger.key == "cadence:7:3"
    assert trigger.incident_ids == ("I3", "I2", "I1")  # the latest three, oldest first
    assert due_triggers(rules, incidents, [Proposed("cadence:7:3", "7")], NOW) == []
    later = due_triggers(rules, incidents, [Proposed("cadence:7:3", "7")], NOW + 30 * DAY)
    assert [t.key for t in later] == ["cadence:7:4"]
    assert due_triggers(rules, incidents, [], datetime(2026, 1, 1, tzinfo=UTC)) == []


def test_the_scenario_draws_on_the_incidents_public_record():
    incidents = [
        {
            "id": "I1",
            "title": "Chatbot gave dosage advice beyond safe limits",
            "description": "A health assistant advised a dose " + "x" * 700,
            "tlp": "AMBER",
            "harm_domains": ["7.3", "5.1"],
            "timeline": [
                {"type": "incident.registered", "at": "2026-11-20T09:00:00+00:00",
                 "visibility": "public", "to": "new"},
                {"type": "incident.transitioned", "at": "2026-11-20T15:00:00+00:00",
                 "visibility": "public", "from": "triaged", "to": "mitigating",
                 "rationale": "Guardrail rolled out to 10%"},
                {"type": "incident.assigned", "at": "2026-11-20T12:00:00+00:00",
                 "visibility": "confidential"},
            ],
        },
        {"id": "I2", "title": "Secret", "description": "Secret", "tlp": "RED",
         "harm_domains": ["2.1"], "timeline": []},
    ]  # fmt: skip
    result = scenario(incidents, POLICY)
    assert [i["title"] for i in result["incidents"]] == [
        "Chatbot gave dosage advice beyond safe limits",
        "TLP:RED incident (withheld)",
    ]
    assert len(result["incidents"][0]["summary"]) == 600
    assert result["incidents"][1]["summary"] == ""
    assert [(i["at_hours"], i["inject"]) for i in result["injects"]] == [
        (0.0, "The incident is registered. What now?"),
        (6.0, "The incident is moved from triaged to mitigating: Guardrail rolled out to 10%."
              " What now?"),
    ]  # fmt: skip
    assert result["harm_domains"] == ["2", "5", "7"]
    for domain in ("2", "5", "7"):
        assert POLICY["questions"][domain][0] in result["questions"]
    assert POLICY["questions"]["1"][0] not in result["questions"]
    assert result["questions"][-1] == POLICY["general_questions"][-1]


def test_the_next_cadence_period_is_when_to_look_again():
    cadences = [{"harm_domain": "7", "every_days": 90}, {"harm_domain": "4", "every_days": 7}]
    rules = policy(cadence=cadences)
    # 3 December is day 332 from 5 January: the weekly one turns on day 336.
    assert next_cadence(rules, NOW) == datetime(2026, 12, 7, tzinfo=UTC)
    before = datetime(2025, 12, 1, tzinfo=UTC)
    assert next_cadence(rules, before) == datetime(2026, 1, 5, tzinfo=UTC)  # the anchor
    assert next_cadence(policy(), NOW) is None
