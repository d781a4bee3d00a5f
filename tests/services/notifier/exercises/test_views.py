"""POST /v1/exercises/slots: people from the directory (their zone, hours and country) or
given in full; coordinators only; every bad field a precise problem."""

from __future__ import annotations

from datetime import timedelta

from problems import assert_problem

from shared.access import COORDINATOR, ONCALL


def slots(client, body):
    return client.post("/v1/exercises/slots", json=body)


def pointers(response, status=422) -> list[str]:
    return [e["pointer"] for e in assert_problem(response, status)["errors"]]


def test_a_person_from_the_directory_and_one_given_in_full(as_role, clock, oncall_person):
    # The directory's people in these tests work 09:00-17:00 in Europe/London (GB's
    # holidays); the clock reads Thursday 3 December 2026, 14:00 UTC.
    coordinator = as_role(COORDINATOR)
    body = {
        "participants": [
            oncall_person,
            {
                "time_zone": "America/New_York",
                "working_hours": {"start": "09:00", "end": "17:00"},
                "country": "US",
            },
        ],
        "duration_minutes": 60,
        "lead_time_hours": 24,
    }
    response = slots(coordinator, body)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["common"] is True
    first = answer["slots"][0]
    # A day ahead is Friday 14:00 UTC: 09:00 in New York, 14:00 in London.
    assert first["start"] == "2026-12-04T14:00:00+00:00"
    assert [(p["participant"], p["start"]) for p in first["participants"]] == [
        (oncall_person, "2026-12-04T14:00:00+00:00"),
        ("1", "2026-12-04T09:00:00-05:00"),
    ]
    later = slots(
        coordinator, {**body, "not_before": (clock.now() + timedelta(days=7)).isoformat()}
    )
    assert later.get_json()["slots"][0]["start"] == "2026-12-10T14:00:00+00:00"


def test_no_common_slot_is_said_with_the_least_bad(as_role):
    body = {
        "participants": [
            {"time_zone": "Asia/Tokyo", "working_hours": {"start": "09:00", "end": "17:00"}},
            {"time_zone": "Europe/Paris", "working_hours": {"start": "09:00", "end": "17:00"}},
        ],
        "duration_minutes": 120,
        "horizon_days": 7,
    }
    answer = slots(as_role(COORDINATOR), body).get_json()
    assert answer["common"] is False
    best = answer["slots"][0]
    assert (best["outside"], best["outside_minutes"]) == (1, 120)


def test_bad_requests_are_precise(as_role, app):
    coordinator = as_role(COORDINATOR)
    assert sorted(pointers(slots(coordinator, {"participants": []}))) == [
        "/duration_minutes",
        "/participants",
    ]
    bad = {
        "participants": [
            "nobody-at-all",
            {"time_zone": "Mars/Olympus", "working_hours": {"start": "17:00", "end": "09:00"}},
            {
                "time_zone": "UTC",
                "working_hours": {"start": "09:00", "end": "17:00"},
                "country": "XX",
            },
            42,
        ],
        "duration_minutes": 5,
        "horizon_days": 365,
    }
    assert sorted(pointers(slots(coordinator, bad))) == [
        "/duration_minutes",
        "/horizon_days",
        "/participants/1/time_zone",
        "/participants/1/working_hours/end",
        "/participants/2/country",
        "/participants/3",
    ]
    unknown = {"participants": ["nobody-at-all"], "duration_minutes": 60}
    assert pointers(slots(coordinator, unknown)) == ["/participants/0"]
    assert_problem(
        coordinator.post("/v1/exercises/slots", data="{", content_type="application/json"), 400
    )
    assert_problem(slots(as_role(ONCALL), unknown), 403)
    assert_problem(slots(app.test_client(), unknown), 401)
