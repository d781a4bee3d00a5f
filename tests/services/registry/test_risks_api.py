"""The risk register through the API, on both stores: scores on the matrix, If-Match,
reviews falling due as events, links to incidents, and the register from its events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from problems import assert_problem
from registry_support import LAB_A, STORES, VIEWERS, app_client, headers, open_store

from services.registry import risks
from services.registry.consumer import projection_handlers
from services.registry.decisions import registered
from services.registry.journal import Journal
from services.registry.risk_register import RiskRegister, apply_risk_events
from services.registry.service import LazyProducer, Registry
from shared.clock import TestClock
from shared.envelope import decode
from shared.topics import CONTRACTS, NOTIFIER_EVENTS, REGISTRY_EVENTS, topic_name

EVENTS_TOPIC = topic_name("test", REGISTRY_EVENTS)
OWNER = headers("risk owner")


@pytest.fixture(params=STORES)
def setup(request, tmp_path, bus, make_report):
    store = open_store(request.param, request, tmp_path)
    store.create([registered(make_report(n, organization_id=LAB_A)) for n in (1, 2)])
    clock = TestClock(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    yield app_client(tmp_path, bus, store, clock=clock), store, clock
    store.close()


def events(bus, prefix: str = "risk.") -> list:
    found = [decode(record.value) for record in bus.replay(EVENTS_TOPIC)]
    return [e for e in found if e.type.startswith(prefix)]


def new_risk(**changes) -> dict:
    risk = {
        "title": "Evaluation agents exfiltrate weights",
        "description": "Agentic evaluations can copy checkpoints out of the sandbox.",
        "likelihood": 3,
        "impact": 4,
        "treatment": "mitigate",
        "owner": "p-risk",
        "next_review": "2026-12-01",
        "incidents": ["01JD0000000000000000000001"],
        "mitigations": [{"description": "Egress filtering", "status": "in_progress"}],
        "contingency": "Revoke the bucket's credentials.",
        "residual_likelihood": 2,
        "residual_impact": 4,
    }
    risk.update(changes)
    return {k: v for k, v in risk.items() if v is not None}


def create(client, **changes):
    return client.post("/v1/risks", json=new_risk(**changes), headers=OWNER)


def test_a_risk_is_created_scored_on_the_matrix_and_announced(setup, bus):
    client, _, _ = setup
    response = create(client)
    assert response.status_code == 201, response.get_json()
    risk = response.get_json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/risks/{risk['id']}"
    assert risk["inherent"] == {
        "likelihood": 3, "impact": 4, "score": 12, "level": "high", "colour": "#ef6c00"
    }  # fmt: skip
    assert risk["residual"]["score"] == 8 and risk["residual"]["level"] == "medium"
    assert risk["mitigations"] == [{"description": "Egress filtering", "status": "in_progress"}]
    assert (
        risk["created_by"]["id"] == "p-risk" and risk["created_at"] == "2026-11-21T08:00:00+00:00"
    )
    read = client.get(f"/v1/risks/{risk['id']}", headers=OWNER)
    assert read.get_json() == risk and read.headers["ETag"] == '"1"'
    [event] = events(bus)
    assert (event.type, event.key, event.payload["risk"]) == ("risk.created", risk["id"], risk)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"likelihood": 6}, "/likelihood"),
        ({"impact": 2.5}, "/impact"),
        ({"treatment": "ignore"}, "/treatment"),
        ({"next_review": "soon"}, "/next_review"),
        ({"title": ""}, "/title"),
        ({"mitigations": [{"description": "x", "status": "someday"}]}, "/mitigations/0/status"),
        ({"incidents": ["01JDNOSUCH"]}, "/incidents/0"),
        ({"residual_impact": None}, "/residual_impact"),
        ({"colour": "red"}, "/colour"),
    ],
)
def test_a_bad_risk_names_the_field_and_writes_nothing(setup, bus, changes, pointer):
    client, store, _ = setup
    response = create(client, **changes)
    assert [e["pointer"] for e in assert_problem(response, 422)["errors"]] == [pointer]
    assert store.risks() == [] and events(bus) == []


def test_only_risk_owners_and_coordinators_keep_the_register(setup):
    client, _, _ = setup
    risk_id = create(client).get_json()["id"]
    for viewer in ("lab A reporter", "lab B reporter", "non-member org"):
        assert_problem(client.get("/v1/risks", headers=headers(viewer)), 403)
        assert_problem(client.get(f"/v1/risks/{risk_id}", headers=headers(viewer)), 403)
        assert_problem(client.post("/v1/risks", json=new_risk(), headers=headers(viewer)), 403)
    assert_problem(client.get("/v1/risks"), 401)
    assert client.get(f"/v1/risks/{risk_id}", headers=headers("coordinator")).status_code == 200
    assert_problem(client.get("/v1/risks/nope", headers=OWNER), 404)


def test_a_change_needs_if_match_and_rescores(setup, bus):
    client, _, clock = setup
    risk_id = create(client).get_json()["id"]
    path = f"/v1/risks/{risk_id}"
    change = {"residual_likelihood": 1, "residual_impact": 2, "treatment": "accept"}

    assert_problem(client.patch(path, json=change, headers=OWNER), 428)
    clock.advance(60)
    changed = client.patch(path, json=change, headers={**OWNER, "If-Match": '"1"'})
    assert changed.status_code == 200, changed.get_json()
    assert changed.headers["ETag"] == '"2"'
    assert changed.get_json()["residual"]["level"] == "low"
    assert changed.get_json()["updated_at"] == "2026-11-21T08:01:00+00:00"
    stale = client.patch(path, json={"impact": 5}, headers={**OWNER, "If-Match": '"1"'})
    assert_problem(stale, 412)
    bad = client.patch(path, json={"impact": 0}, headers={**OWNER, "If-Match": '"2"'})
    assert [e["pointer"] for e in assert_problem(bad, 422)["errors"]] == ["/impact"]
    same = client.patch(path, json={"treatment": "accept"}, headers={**OWNER, "If-Match": '"2"'})
    assert same.headers["ETag"] == '"2"'  # nothing changed, nothing recorded
    assert [(e.type, e.payload["version"]) for e in events(bus)] == [
        ("risk.created", 1),
        ("risk.updated", 2),
    ]
    assert events(bus)[1].payload["changes"] == change


def test_risks_due_for_review_and_the_review_due_event(setup, bus):
    client, _, _ = setup
    early = create(client, title="Early", next_review="2026-11-25").get_json()
    create(client, title="Later", next_review="2027-03-01")
    due = client.get("/v1/risks", query_string={"due": "2026-12-01"}, headers=OWNER).get_json()
    assert [r["title"] for r in due["items"]] == ["Early"]
    assert due["matrix"]["levels"][0]["id"] == "low"
    assert len(client.get("/v1/risks", headers=OWNER).get_json()["items"]) == 2
    bad = client.get("/v1/risks", query_string={"due": "tomorrow"}, headers=OWNER)
    assert [e["pointer"] for e in assert_problem(bad, 422)["errors"]] == ["/due"]

    register: RiskRegister = client.application.extensions["accord.risks"]
    assert register.announce_reviews(date(2026, 11, 24)) == []
    assert register.announce_reviews(date(2026, 11, 25)) == [early["id"]]
    assert register.announce_reviews(date(2026, 11, 26)) == []  # once per review date
    [announced] = events(bus, "risk.review_due")
    assert announced.payload["next_review"] == "2026-11-25"
    assert announced.payload["owner"] == "p-risk"
    moved = client.patch(
        f"/v1/risks/{early['id']}", json={"next_review": "2026-12-10"},
        headers={**OWNER, "If-Match": '"1"'},
    )  # fmt: skip
    assert moved.status_code == 200, moved.get_json()
    assert register.announce_reviews(date(2026, 12, 10)) == [early["id"]]


def test_the_register_rebuilt_from_its_events_equals_the_live_one(setup, bus, request, tmp_path):
    client, store, _ = setup
    first = create(client).get_json()
    create(client, title="Second", next_review="2026-11-22")
    client.patch(
        f"/v1/risks/{first['id']}", json={"incidents": []}, headers={**OWNER, "If-Match": '"1"'}
    )
    client.application.extensions["accord.risks"].announce_reviews(date(2026, 11, 23))
    fresh = open_store(request.node.callspec.params["setup"], request, tmp_path / "rebuilt")
    try:
        apply_risk_events(fresh, events(bus))
        apply_risk_events(fresh, events(bus))  # replayed again: no change
        assert fresh.risks() == store.risks()
    finally:
        fresh.close()


def test_a_linked_incident_the_viewer_may_not_read_is_not_shown(setup, bus, make_report):
    client, store, clock = setup
    strict = registered(make_report(3, organization_id=LAB_A, tlp="AMBER+STRICT"))
    store.create([strict])
    refused = create(client, incidents=[strict["id"]])
    assert [e["pointer"] for e in assert_problem(refused, 422)["errors"]] == ["/incidents/0"]
    # Written by someone who could read it (here: straight into the register).
    register = RiskRegister(
        Registry(store, LazyProducer(bus).get, EVENTS_TOPIC, clock, Journal.in_memory())
    )
    lab_a_coordinator = VIEWERS["coordinator"].__class__(
        person_id="p-x", organization_id=LAB_A, member=True, roles=VIEWERS["coordinator"].roles
    )
    risk = register.create(lab_a_coordinator, risks_fields(strict["id"]))
    assert risk["incidents"] == [strict["id"]]
    assert client.get(f"/v1/risks/{risk['id']}", headers=OWNER).get_json()["incidents"] == []


def test_a_change_keeps_the_links_its_author_may_not_read(setup, bus, make_report):
    client, store, clock = setup
    strict = registered(make_report(3, organization_id=LAB_A, tlp="AMBER+STRICT"))
    store.create([strict])
    register = RiskRegister(
        Registry(store, LazyProducer(bus).get, EVENTS_TOPIC, clock, Journal.in_memory())
    )
    lab_a_coordinator = VIEWERS["coordinator"].__class__(
        person_id="p-x", organization_id=LAB_A, member=True, roles=VIEWERS["coordinator"].roles
    )
    risk = register.create(lab_a_coordinator, risks_fields(strict["id"]))
    # The risk owner sees no link, and sends the links they see with their change.
    readable = "01JD0000000000000000000002"
    changed = client.patch(
        f"/v1/risks/{risk['id']}",
        json={"title": "Weights copied out", "incidents": [readable]},
        headers={**OWNER, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["incidents"] == [readable]  # as they see it
    assert store.fetch_risk(risk["id"]).doc["incidents"] == [strict["id"], readable]
    [_, updated] = events(bus)
    assert updated.payload["risk"]["incidents"] == [strict["id"], readable]


def risks_fields(incident_id: str) -> dict:
    fields = new_risk(incidents=[incident_id])
    return {**fields, "mitigations": fields["mitigations"]}


def test_the_matrix_covers_every_score():
    levels = {
        risks.score(likelihood, impact)["level"]
        for likelihood in range(1, 6)
        for impact in range(1, 6)
    }
    assert levels == {"low", "medium", "high", "extreme"}
    assert risks.score(5, 5)["colour"] == "#c62828"
    assert risks.score(1, 4)["level"] == "low" and risks.score(1, 5)["level"] == "medium"


def test_an_exercises_after_action_actions_become_mitigations_once(setup, bus):
    client, store, _ = setup
    risk = create(client).get_json()
    golden = CONTRACTS[NOTIFIER_EVENTS].events["exercise.after_action_filed"]["examples"][0]
    payload = {
        **golden["payload"],
        "actions": [
            {"title": "Name a regulatory reporting owner per lab", "risk_id": risk["id"]},
            {"title": "Rehearse the rollback", "risk_id": None},  # names no risk
            {"title": "Ask the missing risk", "risk_id": "no-such-risk"},
        ],
    }
    event = decode(json.dumps({**golden, "payload": payload}).encode())
    producer = bus.producer()
    handle = projection_handlers(
        store,
        producer,
        prefix="test",
        registry_url="http://registry.test",
        journal=Journal.in_memory(),
    )[NOTIFIER_EVENTS]
    handle([event])
    handle([event])  # redelivered: no second mitigation
    producer.close()
    after = client.get(f"/v1/risks/{risk['id']}", headers=OWNER).get_json()
    assert after["mitigations"] == [
        {"description": "Egress filtering", "status": "in_progress"},
        {
            "description": "Name a regulatory reporting owner per lab (after-action, exercise"
            f" {golden['payload']['exercise_id']})",
            "status": "planned",
        },
    ]
    assert after["version"] == 2
    updated = [e for e in events(bus) if e.type == "risk.updated"]
    assert len(updated) == 1
    assert updated[0].payload["actor"]["name"] == "Carl Coordinator"
