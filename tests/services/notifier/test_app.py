"""The notifier's HTTP API: health, schedules and who is on call, escalations and their
acknowledgement, calendar feeds; every bad input a precise problem, and access by role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from notifier_support import notifier_events, registered
from problems import assert_problem

from shared.access import ADMIN, COORDINATOR, ONCALL, REPORTER, RISK_OWNER

INCIDENT = "01JD0000000000000000000042"


@pytest.fixture
def receiver(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


def _schedule(people: list[str], **changes) -> dict:
    body = {
        "name": "Secretariat on-call",
        "time_zone": "Europe/London",
        "layers": [
            {
                "name": "primary",
                "rotation": "daily",
                "handoff_time": "09:00",
                "starts_on": "2026-12-01",
                "people": people,
            },
        ],
        "overrides": [],
    }
    body.update(changes)
    return body


def test_healthz_and_readyz(app, directory, bus, escalations):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 503  # the directory was never loaded
    directory.load(bus, "test")
    # Not ready either until its state is replayed: empty, it would say nothing is pending.
    assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").get_json()["checks"]["state"] != "ok"
    escalations.state.restored.set()
    assert client.get("/readyz").get_json() == {
        "status": "ok",
        "checks": {"bus": "ok", "directory": "ok", "state": "ok"},
    }


def test_a_schedule_is_created_and_answers_who_is_on_call(app, as_role, oncall_person, ids, bus):
    second = ids.person("Accord Secretariat", "sam@accord.example", roles=(ONCALL,), password=None)
    created = as_role(COORDINATOR).post("/v1/schedules", json=_schedule([oncall_person, second]))
    assert created.status_code == 201, created.get_data(as_text=True)
    schedule = created.get_json()
    assert created.headers["Location"] == f"/v1/schedules/{schedule['id']}"
    assert "token=" in schedule["feed_url"]
    reader = as_role(ONCALL)
    # 2026-12-01 09:00 London is the first hand-off: Oki, then Sam the next morning
    answer = reader.get(f"/v1/schedules/{schedule['id']}/oncall?at=2026-12-02T08:59:00Z")
    assert answer.get_json()["layers"] == {"primary": {"id": oncall_person, "name": "Oki"}}
    answer = reader.get(f"/v1/schedules/{schedule['id']}/oncall?at=2026-12-02T09:00:00%2B00:00")
    assert answer.get_json()["layers"] == {"primary": {"id": second, "name": "Sam"}}
    assert answer.get_json()["at"] == "2026-12-02T09:00:00+00:00"
    # kept as an event on the notifier's topic
    assert [e.type for e in notifier_events(bus)] == ["schedule.created"]
    assert [s["id"] for s in reader.get("/v1/schedules").get_json()["items"]] == [schedule["id"]]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"time_zone": "Mars/Olympus"}, "/time_zone"),
        ({"layers": []}, "/layers"),
        ({"name": ""}, "/name"),
        (
            {
                "layers": [
                    {
                        "name": "primary",
                        "rotation": "hourly",
                        "handoff_time": "09:00",
                        "starts_on": "2026-12-01",
                        "people": ["x"],
                    }
                ]
            },
            "/layers/0/rotation",
        ),
        (
            {
                "layers": [
                    {
                        "name": "primary",
                        "rotation": "weekly",
                        "handoff_time": "09:00",
                        "starts_on": "2026-12-01",
                        "people": ["x"],
                    }
                ]
            },
            "/layers/0/handoff_weekday",
        ),
        (
            {
                "layers": [
                    {
                        "name": "primary",
                        "rotation": "custom",
                        "handoff_time": "09:00",
                        "starts_on": "2026-12-01",
                        "people": ["x"],
                    }
                ]
            },
            "/layers/0/shift_days",
        ),
        (
            {
                "layers": [
                    {
                        "name": "primary",
                        "rotation": "daily",
                        "handoff_time": "25:00",
                        "starts_on": "2026-12-01",
                        "people": ["x"],
                    }
                ]
            },
            "/layers/0/handoff_time",
        ),
        (
            {
                "layers": [
                    {
                        "name": "primary",
                        "rotation": "daily",
                        "handoff_time": "09:00",
                        "starts_on": "2026-13-01",
                        "people": ["x"],
                    }
                ]
            },
            "/layers/0/starts_on",
        ),
        (
            {
                "overrides": [
                    {
                        "layer": "tertiary",
                        "person": "x",
                        "start": "2026-12-01T00:00:00Z",
                        "end": "2026-12-02T00:00:00Z",
                    }
                ]
            },
            "/overrides/0/layer",
        ),
        (
            {
                "overrides": [
                    {
                        "layer": "primary",
                        "person": "x",
                        "start": "2026-12-02T00:00:00Z",
                        "end": "2026-12-01T00:00:00Z",
                    }
                ]
            },
            "/overrides/0/end",
        ),
        (
            {
                "overrides": [
                    {
                        "layer": "primary",
                        "person": "x",
                        "start": "2026-12-02T00:00:00",
                        "end": "2026-12-03T00:00:00Z",
                    }
                ]
            },
            "/overrides/0/start",
        ),
        ({"colour": "red"}, "/colour"),
    ],
)
def test_a_bad_schedule_is_a_422_naming_the_field(
    app, as_role, oncall_person, change, pointer, bus
):
    body = _schedule([oncall_person], **change)
    problem = assert_problem(as_role(COORDINATOR).post("/v1/schedules", json=body), 422)
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert notifier_events(bus) == []  # nothing half-written


def test_a_schedule_naming_someone_unknown_is_refused(app, as_role, oncall_person):
    body = _schedule([oncall_person, "01JDNOBODY0000000000000000"])
    problem = assert_problem(as_role(ADMIN).post("/v1/schedules", json=body), 422)
    assert problem["errors"] == [
        {"pointer": "/layers/0/people/1", "detail": "Not a person in the directory."}
    ]


def test_a_body_that_is_not_an_object_is_a_400(app, as_role):
    response = as_role(COORDINATOR).post(
        "/v1/schedules", data="[1]", content_type="application/json"
    )
    assert_problem(response, 400)


def test_a_bad_at_is_a_422(app, as_role, oncall_person):
    created = as_role(COORDINATOR).post("/v1/schedules", json=_schedule([oncall_person]))
    schedule_id = created.get_json()["id"]
    problem = assert_problem(
        as_role(ONCALL).get(f"/v1/schedules/{schedule_id}/oncall?at=noon"), 422
    )
    assert problem["errors"][0]["pointer"] == "/at"
    assert_problem(as_role(ONCALL).get("/v1/schedules/nope/oncall"), 404)


@pytest.mark.parametrize(
    ("role", "read", "plan"),
    [
        (ONCALL, 200, 403),
        (COORDINATOR, 200, 201),
        (ADMIN, 200, 201),
        (REPORTER, 403, 403),
        (RISK_OWNER, 403, 403),
    ],
)
def test_who_may_read_and_plan(
    app, as_role, escalations, oncall_person, receiver, role, read, plan
):
    schedule = as_role(COORDINATOR).post("/v1/schedules", json=_schedule([oncall_person]))
    schedule_id = schedule.get_json()["id"]
    escalations([registered("01JD0000000000000000000061")])
    (escalation,) = as_role(COORDINATOR).get("/v1/escalations").get_json()["items"]
    client = as_role(role)
    for path in (
        "/v1/schedules",
        f"/v1/schedules/{schedule_id}",
        f"/v1/schedules/{schedule_id}/oncall",
        "/v1/escalations",
        f"/v1/escalations/{escalation['id']}",
    ):
        assert client.get(path).status_code == read, path
    assert client.post("/v1/schedules", json=_schedule([oncall_person])).status_code == plan


def test_the_anonymous_get_a_401(app):
    client = app.test_client()
    for path in ("/v1/schedules", "/v1/escalations", "/v1/escalations/x"):
        assert_problem(client.get(path), 401)
    assert_problem(client.post("/v1/escalations/x/ack"), 401)


def test_escalations_are_listed_by_incident_and_acknowledged_by_api(
    app, as_role, escalations, oncall_person, receiver, bus
):
    escalations([registered(INCIDENT), registered("01JD0000000000000000000043")])
    escalations.tick()
    client = as_role(ONCALL)
    (listed,) = client.get(f"/v1/escalations?incident={INCIDENT}").get_json()["items"]
    assert listed["status"] == "open"
    assert [s["outcome"] for s in listed["steps"]] == ["sent"]
    acked = client.post(f"/v1/escalations/{listed['id']}/ack")
    assert acked.status_code == 200
    assert acked.get_json()["acknowledged"]["by"] == {
        "id": as_role.person(ONCALL),
        "name": "Oncall",
    }
    detail = client.get(f"/v1/escalations/{listed['id']}").get_json()
    assert detail["status"] == "acknowledged"
    assert client.get("/v1/escalations?status=open").get_json()["items"][0]["incident_id"] == (
        "01JD0000000000000000000043"
    )
    assert_problem(client.get("/v1/escalations/nope"), 404)
    assert_problem(client.post("/v1/escalations/nope/ack"), 404)
    assert_problem(as_role(REPORTER).post(f"/v1/escalations/{listed['id']}/ack"), 403)


def test_calendar_feeds_need_their_token(app, as_role, oncall_person, clock):
    created = as_role(COORDINATOR).post("/v1/schedules", json=_schedule([oncall_person]))
    feed_url = created.get_json()["feed_url"].removeprefix("http://notifier.test")
    client = app.test_client()  # a calendar client sends no key
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    # from the rotation's start (1 December) to 90 days ahead (3 March), a shift a day
    assert len(events) == 93
    first = events[0]
    assert str(first["summary"]) == "On call: Oki, primary"
    assert first.decoded("dtend") - first.decoded("dtstart") == timedelta(hours=24)
    bad = feed_url.split("token=")[0] + "token=" + "0" * 40
    assert_problem(client.get(bad), 404)
    person_feed = app.extensions["accord.escalations"].links.feed_url("person", oncall_person)
    response = client.get(person_feed.removeprefix("http://notifier.test"))
    assert len(Calendar.from_ical(response.data).walk("VEVENT")) == 93
