"""The cluster and cadence triggers at work on the test clock: the incident history
comes from registry-events (replayed after a restart), each trigger proposes once."""

from __future__ import annotations

from datetime import UTC, datetime

from notifier_support import assigned, publish_registry, registered

DAY = 86400
A, B, C, D, E, F, G = (f"01JD00000000000000000002{n}0" for n in "ABCDEFG")


def keys(escalations) -> list[str]:
    return sorted(e.trigger["key"] for e in escalations.state.exercise_list())


def test_cluster_and_cadence_propose_once_across_a_restart(
    producer, escalations, make_escalations, coordinator, oncall_person, ids, clock
):
    owner = ids.person("Accord Secretariat", "owner@accord.example", roles=(), password=None)

    def register(incident_id: str, *extra, domain: str = "2.1", notifier=None) -> None:
        notifier = notifier or escalations
        events = [
            registered(incident_id, severity="high", harm_domains=[domain],
                       registered_at=clock.now().isoformat()),
            *extra,
        ]  # fmt: skip
        publish_registry(producer, *events)
        notifier(events)
        notifier.exercises.tick(clock.now())

    # Thursday 3 December: the policy's cadences (from 5 January) are due for this period.
    register(A)
    assert keys(escalations) == ["cadence:4:1", "cadence:7:3"]
    # Their next periods begin 360 days after the anchor: wake then.
    assert escalations.exercises.tick(clock.now()) == datetime(2026, 12, 31, tzinfo=UTC)

    clock.advance(DAY * 20)
    register(B)
    clock.advance(DAY * 11)  # 3 January: A is out of the 30-day window
    register(C, assigned(C, owner))
    assert keys(escalations) == ["cadence:4:1", "cadence:4:2", "cadence:7:3", "cadence:7:4"]

    clock.advance(DAY * 1)
    register(D)
    (cluster,) = [e for e in escalations.state.exercise_list() if e.trigger["key"].startswith("cl")]
    assert cluster.trigger["key"] == f"cluster:2:{B}"
    assert cluster.incident_ids == [B, C, D]
    assert set(cluster.participants) == {coordinator, oncall_person, owner}
    assert cluster.organizer["id"] == coordinator
    assert [i["incident_id"] for i in cluster.scenario["incidents"]] == [B, C, D]
    assert len(keys(escalations)) == 5

    register(E, domain="3.1")
    register(F, domain="3.1")
    escalations.exercises.tick(clock.now())  # asked again: nothing new
    restarted = make_escalations(restore=True)
    restarted.exercises.tick(clock.now())
    assert keys(restarted) == keys(escalations)
    assert len(keys(restarted)) == 5
    # The history before the restart still counts toward a cluster.
    register(G, domain="3.1", notifier=restarted)
    assert keys(restarted)[-1] == f"cluster:3:{E}"
