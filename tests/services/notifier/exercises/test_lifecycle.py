"""An exercise through the API on the test clock: proposed by a coordinator, scheduled
into the earliest common slot, rescheduled (SEQUENCE + 1), cancelled (METHOD:CANCEL);
each invitation sent by webhook as valid iCalendar, kept across a restart."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar
from notifier_support import notifier_events, registered, transitioned
from problems import assert_problem

from services.notifier.channels.email import email_message
from services.notifier.channels.interfaces import Message, Recipient
from shared.access import COORDINATOR, ONCALL, RISK_OWNER

INCIDENT = "01JD0000000000000000000091"


@pytest.fixture
def receiver(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


def invitations(httpserver) -> list[dict]:
    return [r.get_json() for r, _ in httpserver.log if r.get_json().get("action") == "invitation"]


def test_propose_schedule_reschedule_cancel(
    app, bus, receiver, as_role, escalations, oncall_person, clock, make_escalations
):
    coordinator = as_role(COORDINATOR)
    owner = as_role(RISK_OWNER)  # creates the risk owner
    escalations([registered(INCIDENT, severity=None, harm_domains=["7.3"],
                            jurisdictions=["EU-AI-ACT-ART73"],
                            detected_at=clock.now().isoformat())])  # fmt: skip
    body = {
        "title": "Dosage advice beyond safe limits",
        "participants": [oncall_person, as_role.person(RISK_OWNER)],
        "duration_minutes": 120,
        "incident_ids": [INCIDENT],
    }
    created = coordinator.post("/v1/exercises", json=body)
    assert created.status_code == 201, created.get_json()
    exercise = created.get_json()
    assert exercise["status"] == "proposed"
    assert exercise["scenario"]["incidents"][0]["incident_id"] == INCIDENT
    assert any("safeguard" in q for q in exercise["scenario"]["questions"])
    url = f"/v1/exercises/{exercise['id']}"
    assert_problem(coordinator.get(f"{url}/invitation.ics"), 404)  # not scheduled yet

    # Everyone works 09:00-17:00 in London; the clock reads Thursday 14:00 and the lead
    # time is 72 hours: Monday 7 December, 09:00.
    scheduled = coordinator.post(f"{url}/schedule", json={})
    assert scheduled.status_code == 200, scheduled.get_json()
    assert scheduled.get_json()["start"] == "2026-12-07T09:00:00+00:00"
    (sent,) = invitations(receiver)
    event = Calendar.from_ical(sent["calendar"]).walk("VEVENT")[0]
    assert int(event["sequence"]) == 0
    assert str(Calendar.from_ical(sent["calendar"])["method"]) == "REQUEST"
    assert sorted(str(a) for a in event["attendee"]) == [
        "mailto:oki@accord.example",
        "mailto:risk_owner@accord.example",
    ]
    assert event["dtstart"].params["TZID"] == "Europe/London"

    # A second exercise with the same people avoids the first one's time
    # (Monday 09:00-11:00).
    other = coordinator.post("/v1/exercises", json={**body, "title": "Another"}).get_json()
    coordinator.post(f"/v1/exercises/{other['id']}/schedule", json={})
    assert coordinator.get(f"/v1/exercises/{other['id']}").get_json()["start"] == (
        "2026-12-07T11:00:00+00:00"
    )

    moved = coordinator.post(f"{url}/schedule", json={"start": "2026-12-08T10:00:00+00:00"})
    assert moved.get_json()["sequence"] == 1
    ics = coordinator.get(f"{url}/invitation.ics")
    event = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert (int(event["sequence"]), str(event["uid"])) == (1, f"{exercise['id']}@accord-notifier")

    cancelled = coordinator.post(f"{url}/cancel", json={})
    assert cancelled.get_json()["status"] == "cancelled"
    last = invitations(receiver)[-1]
    assert str(Calendar.from_ical(last["calendar"])["method"]) == "CANCEL"
    assert int(Calendar.from_ical(last["calendar"]).walk("VEVENT")[0]["sequence"]) == 2
    assert_problem(coordinator.post(f"{url}/schedule", json={}), 409)
    assert len(invitations(receiver)) == 4  # two for the first, then one, then the cancel

    # Rebuilt from the events after a restart.
    restarted = make_escalations(restore=True)
    assert restarted.state.exercise(exercise["id"]).to_json() == cancelled.get_json()
    types = [e.type for e in notifier_events(bus) if e.type.startswith("exercise.")]
    assert types.count("exercise.scheduled") == 3

    # Who may: coordinators and admins.
    assert_problem(owner.post("/v1/exercises", json=body), 403)
    assert_problem(as_role(ONCALL).get("/v1/exercises"), 403)
    assert_problem(app.test_client().get("/v1/exercises"), 401)


def test_bad_requests(as_role, oncall_person):
    coordinator = as_role(COORDINATOR)

    def pointers(response):
        return sorted(e["pointer"] for e in assert_problem(response, 422)["errors"])

    assert pointers(coordinator.post("/v1/exercises", json={"participants": []})) == [
        "/duration_minutes",
        "/participants",
        "/title",
    ]
    unknown = {"title": "x", "participants": ["nobody"], "duration_minutes": 60}
    assert pointers(coordinator.post("/v1/exercises", json=unknown)) == ["/participants/0"]
    assert_problem(coordinator.post("/v1/exercises/nope/schedule", json={}), 404)
    good = {"title": "x", "participants": [oncall_person], "duration_minutes": 60}
    exercise = coordinator.post("/v1/exercises", json=good).get_json()
    bad_start = {"start": "tomorrow"}
    assert pointers(
        coordinator.post(f"/v1/exercises/{exercise['id']}/schedule", json=bad_start)
    ) == ["/start"]
    assert coordinator.get(f"/v1/exercises/{exercise['id']}").get_json()["status"] == "proposed"


def test_an_email_invitation_carries_a_text_calendar_part():
    message = Message(
        action="invitation",
        dedup_key="E1/invitation/0",
        escalation_id=None,
        summary="Invitation: tabletop exercise",
        severity=None,
        incidents=(),
        calendar="BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
        calendar_method="REQUEST",
    )
    mail = email_message(message, Recipient("p", "Oki", "oki@accord.example", ""), "n@x")
    parts = {p.get_content_type(): p for p in mail.walk()}
    assert "text/calendar" in parts
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in parts["text/calendar"].get_content()
    assert "Acknowledge" not in parts["text/plain"].get_content()


def test_reminders_before_and_the_follow_up_after_each_once_across_a_restart(
    app, receiver, as_role, escalations, oncall_person, clock, make_escalations
):
    coordinator = as_role(COORDINATOR)
    body = {"title": "Drill", "participants": [oncall_person], "duration_minutes": 60}
    exercise = coordinator.post("/v1/exercises", json=body).get_json()
    start = "2026-12-07T09:00:00+00:00"
    coordinator.post(f"/v1/exercises/{exercise['id']}/schedule", json={"start": start})
    begins = datetime.fromisoformat(start)

    def reminders() -> list[str]:
        return [
            r.get_json()["summary"]
            for r, _ in receiver.log
            if r.get_json().get("action") == "reminder"
        ]

    assert escalations.tick() == begins - timedelta(hours=24)
    clock.advance((begins - timedelta(hours=24) - clock.now()).total_seconds())
    escalations.tick()
    escalations.tick()
    assert reminders() == ["Tabletop exercise Drill starts 2026-12-07T09:00:00+00:00"]
    restarted = make_escalations(restore=True)
    assert restarted.tick() == begins - timedelta(hours=1)
    clock.advance(23 * 3600)
    restarted.tick()
    clock.advance(2 * 3600)  # past the end
    restarted.tick()
    restarted.tick()
    assert len(reminders()) == 3
    assert "after-action report" in reminders()[-1]


def test_the_after_action_report_is_filed_once_as_an_event(app, bus, as_role, oncall_person):
    coordinator = as_role(COORDINATOR)
    body = {"title": "Drill", "participants": [oncall_person], "duration_minutes": 60}
    url = "/v1/exercises/" + coordinator.post("/v1/exercises", json=body).get_json()["id"]
    report = {
        "went_well": ["Paged within a minute"],
        "gaps": ["Nobody knew who files the Art. 73 report"],
        "actions": [{"title": "Name a reporting owner", "risk_id": "01JDRISK"}],
    }
    assert_problem(coordinator.post(f"{url}/after-action", json={"actions": [{}]}), 422)
    filed = coordinator.post(f"{url}/after-action", json=report)
    assert filed.status_code == 200, filed.get_json()
    assert filed.get_json()["after_action"]["actions"] == report["actions"]
    assert_problem(coordinator.post(f"{url}/after-action", json=report), 409)
    (event,) = [e for e in notifier_events(bus) if e.type == "exercise.after_action_filed"]
    assert event.payload["actions"] == report["actions"]
    assert event.payload["by"]["id"] == as_role.person(COORDINATOR)


def test_a_critical_incident_resolved_proposes_an_exercise_once(
    bus, receiver, escalations, oncall_person, coordinator
):
    escalations([registered(INCIDENT)])  # critical: an escalation
    escalations([transitioned(INCIDENT, "resolved")])
    escalations([transitioned(INCIDENT, "resolved")])  # redelivered
    (exercise,) = escalations.state.exercise_list()
    assert exercise.trigger == {
        "key": f"resolved:{INCIDENT}",
        "reason": "a critical incident was resolved",
    }
    assert exercise.incident_ids == [INCIDENT]
    assert set(exercise.participants) == {coordinator, oncall_person}
    assert exercise.organizer["id"] == coordinator
    assert exercise.scenario["incidents"][0]["incident_id"] == INCIDENT
    assert exercise.status == "proposed"
    # A high incident resolved: no exercise.
    escalations([registered(INCIDENT[:-1] + "2", severity="high")])
    escalations([transitioned(INCIDENT[:-1] + "2", "resolved")])
    assert len(escalations.state.exercise_list()) == 1


def test_a_scheduled_exercise_is_in_each_participants_calendar(
    app, receiver, as_role, escalations, oncall_person, coordinator, clock
):
    planner = as_role(COORDINATOR)
    body = {"title": "Drill", "participants": [oncall_person], "duration_minutes": 60}
    exercise = planner.post("/v1/exercises", json=body).get_json()
    planner.post(f"/v1/exercises/{exercise['id']}/schedule", json={})

    def feed(person_id: str) -> list:
        url = escalations.links.feed_url("person", person_id).removeprefix("http://notifier.test")
        calendar = Calendar.from_ical(app.test_client().get(url).data)
        return recurring_ical_events.of(calendar).between(
            clock.now(), clock.now() + timedelta(days=30)
        )

    (event,) = feed(oncall_person)
    assert str(event["summary"]) == "Tabletop exercise: Drill"
    assert str(event["uid"]) == f"{exercise['id']}@accord-notifier"
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert feed(coordinator) == []  # not a participant
    planner.post(f"/v1/exercises/{exercise['id']}/cancel", json={})
    assert feed(oncall_person) == []
