"""Decisions through the API, on both stores: triage transitions with If-Match, owner,
severity, links, the timeline as each viewer reads it, and the events on the bus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from problems import assert_problem
from registry_support import LAB_A, STORES, VIEWERS, app_client, headers, open_store

from services.registry.consumer import ReportProjection
from services.registry.journal import Journal
from services.registry.projection import apply_decisions, apply_notifier_events, apply_reports
from services.registry.query import parse
from shared.clock import TestClock
from shared.envelope import Envelope, decode, encode
from shared.topics import CONTRACTS, NOTIFIER_EVENTS, REGISTRY_EVENTS, topic_name

EVENTS_TOPIC = topic_name("test", REGISTRY_EVENTS)
OWNER = "risk owner"
START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def accepted(report: dict) -> Envelope:
    return decode(
        encode(
            Envelope(
                type="report.accepted",
                key=report["id"],
                producer="intake",
                payload={"report": report},
            )
        )
    )


@pytest.fixture(params=STORES)
def setup(request, tmp_path, bus, make_report) -> Iterator[tuple]:
    """The app on each store, with lab A's AMBER report 1 registered through the consumer."""
    store = open_store(request.param, request, tmp_path)
    clock = TestClock(START)
    producer = bus.producer()
    projection = ReportProjection(
        store,
        producer,
        events_topic=EVENTS_TOPIC,
        registry_url="http://registry.test",
        journal=Journal.in_memory(),
    )
    report = make_report(1, organization_id=LAB_A, tlp="AMBER")
    projection([accepted(report)])
    yield app_client(tmp_path, bus, store, clock=clock), store, projection, report, clock
    producer.close()
    store.close()


def decisions_on_bus(bus) -> list[Envelope]:
    events = [decode(record.value) for record in bus.replay(EVENTS_TOPIC)]
    return [e for e in events if e.type != "incident.registered"]


def pointers(problem: dict) -> list[str]:
    return [error["pointer"] for error in problem["errors"]]


def post(client, path: str, body: dict, *, version: int | None, viewer: str = OWNER):
    extra = {} if version is None else {"If-Match": f'"{version}"'}
    return client.post(path, json=body, headers={**headers(viewer), **extra})


def move(client, incident_id: str, to: str, version: int, visibility: str = "public", **kw):
    body = {"to": to, "rationale": f"Moved to {to}.", "visibility": visibility}
    return post(client, f"/v1/incidents/{incident_id}/transitions", body, version=version, **kw)


def test_a_risk_owner_takes_an_incident_from_new_to_resolved(setup, bus):
    client, store, _, report, clock = setup
    incident_id = report["id"]
    first = client.get(f"/v1/incidents/{incident_id}", headers=headers(OWNER))
    assert first.headers["ETag"] == '"1"'
    assert first.get_json()["status"] == "new"

    for version, to in enumerate(("triaged", "investigating", "mitigating", "resolved"), start=1):
        clock.advance(3600)
        response = move(client, incident_id, to, version)
        assert response.status_code == 200, response.get_json()
        assert response.headers["ETag"] == f'"{version + 1}"'
        assert response.get_json()["status"] == to

    assert store.get(incident_id, viewer=VIEWERS[OWNER])["status"] == "resolved"
    assert [
        i["id"] for i in store.search(parse("status:resolved"), viewer=VIEWERS[OWNER]).hits
    ] == [incident_id]
    timeline = client.get(f"/v1/incidents/{incident_id}/timeline", headers=headers(OWNER))
    assert timeline.headers["ETag"] == '"5"'
    items = timeline.get_json()["items"]
    assert [(i["type"], i.get("to"), i["version"]) for i in items] == [
        ("incident.registered", "new", 1),
        ("incident.transitioned", "triaged", 2),
        ("incident.transitioned", "investigating", 3),
        ("incident.transitioned", "mitigating", 4),
        ("incident.transitioned", "resolved", 5),
    ]
    assert items[1]["actor"] == {"id": "p-risk", "name": "Rita Owner", "organization": "org-sec"}
    assert items[1]["at"] == "2026-11-21T09:00:00+00:00"
    assert items[1]["rationale"] == "Moved to triaged."
    events = decisions_on_bus(bus)
    assert [
        (e.type, e.key, e.payload["from"], e.payload["to"], e.payload["version"]) for e in events
    ] == [
        ("incident.transitioned", incident_id, "new", "triaged", 2),
        ("incident.transitioned", incident_id, "triaged", "investigating", 3),
        ("incident.transitioned", incident_id, "investigating", "mitigating", 4),
        ("incident.transitioned", incident_id, "mitigating", "resolved", 5),
    ]


def test_a_change_needs_the_current_version(setup, bus):
    client, store, _, report, _ = setup
    path = f"/v1/incidents/{report['id']}/transitions"
    body = {"to": "triaged", "rationale": "In scope.", "visibility": "public"}

    missing = post(client, path, body, version=None)
    assert_problem(missing, 428)
    wildcard = client.post(path, json=body, headers={**headers(OWNER), "If-Match": "*"})
    assert_problem(wildcard, 428)
    assert post(client, path, body, version=1).status_code == 200
    stale = post(client, path, {**body, "to": "rejected"}, version=1)
    assert_problem(stale, 412)
    assert stale.headers["ETag"] == '"2"'
    assert stale.get_json()["current_version"] == 2
    garbled = client.post(path, json=body, headers={**headers(OWNER), "If-Match": "W/2"})
    assert_problem(garbled, 412)

    assert store.fetch(report["id"]).doc["status"] == "triaged"
    assert len(decisions_on_bus(bus)) == 1


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"to": "flying", "rationale": "x", "visibility": "public"}, "/to"),
        ({"to": "triaged", "visibility": "public"}, "/rationale"),
        ({"to": "triaged", "rationale": "   ", "visibility": "public"}, "/rationale"),
        ({"to": "triaged", "rationale": "x", "visibility": "secret"}, "/visibility"),
        ({"to": "triaged", "rationale": "x", "visibility": "public", "extra": 1}, "/extra"),
        ({"to": "triaged", "rationale": "x" * 10_001, "visibility": "public"}, "/rationale"),
        ([], ""),
    ],
)
def test_a_bad_transition_body_names_the_field_and_writes_nothing(setup, bus, body, pointer):
    client, store, _, report, _ = setup
    response = post(client, f"/v1/incidents/{report['id']}/transitions", body, version=1)
    assert pointers(assert_problem(response, 422)) == [pointer]
    assert store.fetch(report["id"]).doc["version"] == 1
    assert decisions_on_bus(bus) == []


def test_not_json_and_malformed_json(setup):
    client, _, _, report, _ = setup
    path = f"/v1/incidents/{report['id']}/transitions"
    auth = {**headers(OWNER), "If-Match": '"1"'}
    assert_problem(client.post(path, data="to=triaged", headers=auth), 415)
    malformed = client.post(path, data="{", headers=auth, content_type="application/json")
    assert_problem(malformed, 400)


def test_a_transition_the_rules_do_not_allow_is_a_conflict(setup, bus):
    client, store, _, report, _ = setup
    refused = move(client, report["id"], "resolved", 1)
    assert_problem(refused, 409)
    assert "new can move to" in refused.get_json()["detail"]
    assert_problem(move(client, report["id"], "duplicate", 1), 409)  # only by a merge
    assert store.fetch(report["id"]).doc["status"] == "new"
    assert decisions_on_bus(bus) == []


def test_who_may_decide(setup):
    client, _, _, report, _ = setup
    assert_problem(move(client, report["id"], "triaged", 1, viewer="anonymous"), 401)
    # Lab A reads its own incident but does not triage it; lab B cannot even read it.
    assert_problem(move(client, report["id"], "triaged", 1, viewer="lab A reporter"), 403)
    assert_problem(move(client, report["id"], "triaged", 1, viewer="lab B reporter"), 404)
    assert_problem(move(client, "01JDNOSUCHINCIDENT00000000", "triaged", 1), 404)
    assert move(client, report["id"], "triaged", 1, viewer="coordinator").status_code == 200


def test_the_lab_reads_public_rationales_and_never_confidential_ones(setup):
    client, _, _, report, _ = setup
    incident_id = report["id"]
    assert move(client, incident_id, "triaged", 1, visibility="public").status_code == 200
    assert (
        move(client, incident_id, "investigating", 2, visibility="confidential").status_code == 200
    )

    def rationales(viewer: str) -> list[str]:
        path = f"/v1/incidents/{incident_id}/timeline"
        items = client.get(path, headers=headers(viewer)).get_json()["items"]
        detail = client.get(f"/v1/incidents/{incident_id}", headers=headers(viewer)).get_json()
        assert detail["timeline"] == items
        return [item["rationale"] for item in items if "rationale" in item]

    assert rationales(OWNER) == ["Moved to triaged.", "Moved to investigating."]
    assert rationales("lab A reporter") == ["Moved to triaged."]
    search = client.get("/v1/incidents", headers=headers("lab A reporter")).get_json()
    assert "Moved to investigating." not in str(search)
    export = client.get("/v1/incidents/export", headers=headers("lab A reporter"))
    assert "Moved to investigating." not in export.get_data(as_text=True)
    assert_problem(client.get(f"/v1/incidents/{incident_id}/timeline"), 401)
    lab_b = client.get(f"/v1/incidents/{incident_id}/timeline", headers=headers("lab B reporter"))
    assert_problem(lab_b, 404)


def test_owner_severity_and_links(setup, make_report):
    client, store, projection, report, _ = setup
    other = make_report(2, organization_id=LAB_A, tlp="AMBER")
    projection([accepted(other)])
    incident_id = report["id"]
    base = f"/v1/incidents/{incident_id}"

    owned = post(client, f"{base}/assignment", {"owner": "p-risk", "owner_name": "Rita"}, version=1)
    assert owned.get_json()["owner"] == {"id": "p-risk", "name": "Rita"}
    assert_problem(post(client, f"{base}/assignment", {"owner": "p-risk"}, version=2), 409)
    body = {"severity": "critical", "reason": "Lives at risk.", "visibility": "confidential"}
    rerated = post(client, f"{base}/severity", body, version=2)
    assert rerated.get_json()["severity"] == "critical"
    bad = post(client, f"{base}/severity", {**body, "severity": "apocalyptic"}, version=3)
    assert pointers(assert_problem(bad, 422)) == ["/severity"]
    hits = store.search(parse("severity:critical"), viewer=VIEWERS[OWNER]).hits
    assert [hit["id"] for hit in hits] == [incident_id]
    linked = post(client, f"{base}/links", {"incident_id": other["id"]}, version=3)
    assert linked.get_json()["links"] == [{"id": other["id"], "relation": "related_to"}]
    assert_problem(post(client, f"{base}/links", {"incident_id": "nope"}, version=4), 422)
    assert_problem(post(client, f"{base}/links", {"incident_id": incident_id}, version=4), 422)
    lab = client.get(f"{base}/timeline", headers=headers("lab A reporter")).get_json()["items"]
    assert "Lives at risk." not in str(lab)


def test_a_replayed_report_never_undoes_a_decision_and_a_rebuild_equals_live(
    setup, bus, request, tmp_path
):
    client, store, projection, report, _ = setup
    incident_id = report["id"]
    assert move(client, incident_id, "triaged", 1).status_code == 200
    assert move(client, incident_id, "rejected", 2, visibility="confidential").status_code == 200
    live = store.fetch(incident_id).doc

    projection([accepted(report)])  # redelivered
    apply_decisions(store, decisions_on_bus(bus))  # and every decision again
    assert store.fetch(incident_id).doc == live
    assert store.get(incident_id, viewer=VIEWERS[OWNER])["status"] == "rejected"

    fresh = open_store(request.node.callspec.params["setup"], request, tmp_path / "rebuilt")
    try:
        apply_reports(fresh, [accepted(report)])
        apply_decisions(fresh, decisions_on_bus(bus))
        assert fresh.fetch(incident_id).doc == live
    finally:
        fresh.close()


def test_an_unverified_form_report_starts_in_needs_verification(setup, make_report):
    client, _, projection, _, _ = setup
    unverified = make_report(3, organization_id=None, verified=False, tlp="GREEN")
    projection([accepted(unverified)])
    detail = client.get(f"/v1/incidents/{unverified['id']}", headers=headers(OWNER)).get_json()
    assert detail["status"] == "needs-verification"
    assert move(client, unverified["id"], "triaged", 1).status_code == 200


def test_when_the_bus_is_away_the_decision_is_not_kept(
    tmp_path, unreachable_bus, store, make_report
):
    report = make_report(1, organization_id=LAB_A)
    apply_reports(store, [accepted(report)])
    client = app_client(tmp_path, unreachable_bus, store)
    response = move(client, report["id"], "triaged", 1)
    assert_problem(response, 503)
    assert store.fetch(report["id"]).doc["status"] == "new"
    assert store.fetch(report["id"]).doc["version"] == 1


def test_a_merge_keeps_both_reports_and_search_shows_the_original_once(setup, make_report):
    client, store, projection, original, _ = setup
    copy = make_report(2, organization_id=LAB_A, tlp="AMBER", title="The same event, again")
    copy["provenance"] = {**copy["provenance"], "payload_sha256": "0" * 64}
    projection([accepted(copy)])
    body = {"original_id": original["id"], "rationale": "Same event.", "visibility": "public"}

    merged = post(client, f"/v1/incidents/{copy['id']}/merge", body, version=1)

    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["status"] == "duplicate"
    assert merged.get_json()["duplicate_of"] == original["id"]
    kept = store.fetch(copy["id"]).doc
    assert kept["provenance"] == copy["provenance"] and kept["title"] == copy["title"]
    assert store.fetch(original["id"]).doc["provenance"] == original["provenance"]
    assert store.fetch(original["id"]).doc["links"] == [{"id": copy["id"], "relation": "duplicate"}]
    auth = headers(OWNER)
    listed = client.get("/v1/incidents", headers=auth).get_json()
    assert [item["id"] for item in listed["items"]] == [original["id"]]
    assert listed["total"] == 1
    exported = client.get("/v1/incidents/export", headers=auth).get_json()
    assert [item["id"] for item in exported] == [original["id"]]
    asked = client.get("/v1/incidents", query_string={"q": "status:duplicate"}, headers=auth)
    assert [item["id"] for item in asked.get_json()["items"]] == [copy["id"]]
    assert client.get(f"/v1/incidents/{copy['id']}", headers=auth).status_code == 200


def test_a_merge_needs_a_readable_original_that_is_no_duplicate(setup, make_report):
    client, _, projection, original, _ = setup
    copies = [make_report(n, organization_id=LAB_A, tlp="AMBER") for n in (2, 3)]
    projection([accepted(c) for c in copies])

    def merge(duplicate: str, into: str, version: int = 1):
        body = {"original_id": into, "rationale": "Same.", "visibility": "public"}
        return post(client, f"/v1/incidents/{duplicate}/merge", body, version=version)

    assert pointers(assert_problem(merge(copies[0]["id"], "nope"), 422)) == ["/original_id"]
    assert pointers(assert_problem(merge(original["id"], original["id"]), 422)) == ["/original_id"]
    assert merge(copies[0]["id"], original["id"]).status_code == 200
    chained = merge(copies[1]["id"], copies[0]["id"])
    assert pointers(assert_problem(chained, 422)) == ["/original_id"]
    assert_problem(merge(copies[0]["id"], original["id"], version=2), 409)  # already duplicate


def test_an_acknowledged_escalation_shows_in_the_timeline_once(setup):
    client, store, _, report, _ = setup
    example = CONTRACTS[NOTIFIER_EVENTS].events["escalation.acknowledged"]["examples"][0]
    ack = decode(json.dumps({**example, "key": report["id"]}).encode())
    ack = Envelope(**{**ack.__dict__, "payload": {**ack.payload, "incident_id": report["id"]}})
    others = [decode(json.dumps(e).encode()) for e in _golden_notifier_events()]

    apply_notifier_events(store, [*others, ack])
    apply_notifier_events(store, [ack])  # redelivered

    path = f"/v1/incidents/{report['id']}/timeline"
    items = client.get(path, headers=headers(OWNER)).get_json()["items"]
    acks = [i for i in items if i["type"] == "escalation.acknowledged"]
    assert [(a["actor"]["name"], a["at"]) for a in acks] == [("Omar On-call", ack.payload["at"])]
    lab = client.get(path, headers=headers("lab A reporter")).get_json()["items"]
    assert all(i["type"] != "escalation.acknowledged" for i in lab)
    assert client.get(path, headers=headers(OWNER)).headers["ETag"] == '"1"'  # no decision


def test_a_regulatory_report_marked_filed_shows_in_the_timeline_once(setup):
    client, store, _, report, _ = setup
    example = CONTRACTS[NOTIFIER_EVENTS].events["deadline.filed"]["examples"][0]
    filed = decode(json.dumps({**example, "key": report["id"]}).encode())
    filed = Envelope(
        **{**filed.__dict__, "payload": {**filed.payload, "incident_id": report["id"]}}
    )
    apply_notifier_events(store, [filed])
    apply_notifier_events(store, [filed])  # redelivered

    path = f"/v1/incidents/{report['id']}/timeline"
    items = client.get(path, headers=headers(OWNER)).get_json()["items"]
    entries = [i for i in items if i["type"] == "deadline.filed"]
    assert [(e["regime"], e["stage"], e["actor"]["name"]) for e in entries] == [
        ("EU-AI-ACT-ART73", "initial", "Rosa Okafor")
    ]
    lab = client.get(path, headers=headers("lab A reporter")).get_json()["items"]
    assert all(i["type"] != "deadline.filed" for i in lab)
    assert client.get(path, headers=headers(OWNER)).headers["ETag"] == '"1"'  # no decision


def test_an_exercise_shows_on_the_incidents_it_draws_on(setup):
    client, store, _, report, _ = setup
    golden = CONTRACTS[NOTIFIER_EVENTS].events["exercise.proposed"]["examples"][0]
    payload = {**golden["payload"], "incident_ids": [report["id"], "not-here"]}
    proposed = decode(json.dumps({**golden, "payload": payload}).encode())
    apply_notifier_events(store, [proposed])
    apply_notifier_events(store, [proposed])  # redelivered

    path = f"/v1/incidents/{report['id']}/timeline"
    items = client.get(path, headers=headers(OWNER)).get_json()["items"]
    entries = [i for i in items if i["type"] == "exercise.proposed"]
    assert [(e["exercise_id"], e["title"], e["actor"]["name"]) for e in entries] == [
        (payload["exercise_id"], payload["title"], "Carl Coordinator")
    ]
    lab = client.get(path, headers=headers("lab A reporter")).get_json()["items"]
    assert all(i["type"] != "exercise.proposed" for i in lab)


def _golden_notifier_events() -> list[dict]:
    return [
        spec["examples"][0]
        for event_type, spec in CONTRACTS[NOTIFIER_EVENTS].events.items()
        if event_type != "escalation.acknowledged"
    ]
