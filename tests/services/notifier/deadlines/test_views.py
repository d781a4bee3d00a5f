"""The deadlines API: looked up by incident and by open, read only by those who may read
the incident (TLP), a tier set and reports filed by a risk owner; every bad input a
precise problem; filing lands on the bus."""

from __future__ import annotations

from datetime import timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar
from identities import client_for
from notifier_support import notifier_events, registered
from problems import assert_problem

from shared.access import ONCALL, REPORTER, RISK_OWNER

AMBER_A = "01JD0000000000000000000081"
RED_A = "01JD0000000000000000000082"
CLEAR_B = "01JD0000000000000000000083"
TITLE = "Chatbot gave dosage advice that exceeded safe limits"  # the golden example's


@pytest.fixture
def seeded(escalations, ids, clock):
    lab_a, lab_b = ids.organization("Lab A"), ids.organization("Lab B")
    rosa = ids.person("Lab A", "rosa@lab-a.example", roles=(REPORTER,), password=None)
    common = {"severity": None, "jurisdictions": ["EU-AI-ACT-ART73"]}
    escalations(
        [
            registered(
                AMBER_A, tlp="AMBER", organization_id=lab_a,
                detected_at=clock.now().isoformat(), **common,
            ),
            registered(
                RED_A, tlp="RED", organization_id=lab_a, recipients=[rosa],
                detected_at=clock.now().isoformat(), quantities={"lives_lost": 1}, **common,
            ),
            registered(
                CLEAR_B, tlp="CLEAR", organization_id=lab_b,
                detected_at=(clock.now() - timedelta(days=20)).isoformat(), **common,
            ),
        ]
    )  # fmt: skip
    return {"lab_a": lab_a, "lab_b": lab_b, "rosa": rosa}


def assert_pointers(response, status: int, pointer: str) -> None:
    body = assert_problem(response, status)
    assert [e["pointer"] for e in body["errors"]] == [pointer]


def incidents(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {d["incident_id"] for d in response.get_json()["items"]}


def test_each_reader_sees_the_deadlines_of_the_incidents_it_may_read(app, ids, seeded, as_role):
    lab_a, lab_b = client_for(app, ids, "Lab A"), client_for(app, ids, "Lab B")
    assert incidents(lab_a.get("/v1/deadlines")) == {AMBER_A, CLEAR_B}
    assert incidents(lab_b.get("/v1/deadlines")) == {CLEAR_B}
    assert incidents(as_role(RISK_OWNER).get("/v1/deadlines")) == {AMBER_A, CLEAR_B}
    # Lab B asks for lab A's AMBER incident by id: nothing, as for no incident at all.
    assert incidents(lab_b.get(f"/v1/deadlines?incident={AMBER_A}")) == set()
    # The RED incident's deadline: its named recipient only.
    rosa = app.test_client()
    rosa.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {ids.key_for(seeded['rosa'])}"
    assert incidents(rosa.get(f"/v1/deadlines?incident={RED_A}")) == {RED_A}
    (red,) = rosa.get(f"/v1/deadlines?incident={RED_A}").get_json()["items"]
    assert red["tier"]["id"] == "death"
    assert red["incident"]["title"] == "TLP:RED incident (title withheld)"
    deadline_id = red["id"]
    assert_problem(as_role(RISK_OWNER).get(f"/v1/deadlines/{deadline_id}"), 404)
    assert_problem(app.test_client().get("/v1/deadlines"), 401)


def test_looked_up_by_incident_and_by_open(app, seeded, as_role, clock):
    reader = as_role(RISK_OWNER)
    (amber,) = reader.get(f"/v1/deadlines?incident={AMBER_A}").get_json()["items"]
    assert amber["regime"] == "EU-AI-ACT-ART73"
    assert amber["tier"] == {
        "id": "general",
        "days": 15,
        "reason": "from the report's facts: the general case",
    }
    assert amber["stages"][0]["due_at"] == (clock.now() + timedelta(days=15)).isoformat()
    assert amber["status"] == "open"
    assert reader.get(f"/v1/deadlines/{amber['id']}").get_json()["id"] == amber["id"]
    filed = reader.post(f"/v1/deadlines/{amber['id']}/filed", json={"stage": "complete"})
    assert filed.status_code == 200, filed.get_json()
    assert filed.get_json()["status"] == "filed"
    assert incidents(reader.get("/v1/deadlines?open=true")) == {CLEAR_B}
    assert incidents(reader.get("/v1/deadlines?open=false")) == {AMBER_A}
    assert_pointers(reader.get("/v1/deadlines?open=perhaps"), 422, "/open")


def test_a_risk_owner_sets_the_tier_and_files_and_the_events_say_so(
    app, bus, seeded, as_role, clock
):
    reader = as_role(RISK_OWNER)
    (amber,) = reader.get(f"/v1/deadlines?incident={AMBER_A}").get_json()["items"]
    url = f"/v1/deadlines/{amber['id']}"
    changed = reader.post(f"{url}/tier", json={"tier": "death", "reason": "a patient died"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["tier"]["reason"] == "set by a risk owner: a patient died"
    assert body["stages"][0]["due_at"] == (clock.now() + timedelta(days=10)).isoformat()
    assert body["tier_history"][-1]["by"]["id"] == as_role.person(RISK_OWNER)
    filed = reader.post(f"{url}/filed", json={"stage": "initial"}).get_json()
    assert filed["stages"][0]["filed"]["by"]["id"] == as_role.person(RISK_OWNER)
    assert filed["status"] == "open"  # the complete report is awaited
    types = [e.type for e in notifier_events(bus)]
    assert types.count("deadline.tier_set") == 1
    assert types.count("deadline.filed") == 1


def test_bad_requests_are_precise_problems_and_change_nothing(app, bus, seeded, as_role, ids):
    reader = as_role(RISK_OWNER)
    (amber,) = reader.get(f"/v1/deadlines?incident={AMBER_A}").get_json()["items"]
    url = f"/v1/deadlines/{amber['id']}"
    before = len(notifier_events(bus))
    assert_pointers(reader.post(f"{url}/filed", json={"stage": "final"}), 422, "/stage")
    assert_pointers(reader.post(f"{url}/filed", json={}), 422, "/stage")
    assert_problem(reader.post(f"{url}/filed", data="[", content_type="application/json"), 400)
    assert_pointers(reader.post(f"{url}/tier", json={"tier": "never", "reason": "x"}), 422, "/tier")
    assert_pointers(reader.post(f"{url}/tier", json={"tier": "death"}), 422, "/reason")
    assert_problem(reader.post("/v1/deadlines/nope/filed", json={"stage": "initial"}), 404)
    # Only risk owners and admins decide; a lab that reads the incident does not.
    lab_a = client_for(app, ids, "Lab A")
    assert_problem(lab_a.post(f"{url}/filed", json={"stage": "initial"}), 403)
    assert_problem(as_role(ONCALL).post(f"{url}/tier", json={"tier": "death", "reason": "x"}), 403)
    assert len(notifier_events(bus)) == before


def test_each_persons_calendar_holds_the_deadlines_they_may_read_in_their_zone(
    app, ids, seeded, as_role, escalations, clock
):
    owner = as_role(RISK_OWNER)  # a person in Europe/London
    lab_b_person = ids.person("Lab B", "ben@lab-b.example", roles=(REPORTER,), password=None)

    def feed(person_id: str):
        url = escalations.links.feed_url("person", person_id)
        response = app.test_client().get(url.removeprefix("http://notifier.test"))
        assert response.status_code == 200
        return Calendar.from_ical(response.data)

    owner_calendar = feed(as_role.person(RISK_OWNER))
    window = recurring_ical_events.of(owner_calendar).between(
        clock.now(), clock.now() + timedelta(days=30)
    )
    due = {str(e["summary"]).split(" due: ")[1]: e for e in window}
    # The AMBER incident (risk owners read AMBER); the CLEAR one's was due 5 days ago; the
    # RED one is not theirs to see.
    assert set(due) == {TITLE}
    (event,) = due.values()
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert event.decoded("dtstart") == clock.now() + timedelta(days=15)
    assert str(owner_calendar["x-wr-timezone"]) == "Europe/London"
    # Lab B reads neither lab A's AMBER incident nor its deadline; its own CLEAR one's,
    # due five days ago, is in the feed's past week.
    lab_b = [str(e["summary"]) for e in feed(lab_b_person).walk("VEVENT")]
    assert lab_b == [f"EU-AI-ACT-ART73 initial report due: {TITLE}"]
    lab_b_due = feed(lab_b_person).walk("VEVENT")[0].decoded("dtstart")
    assert lab_b_due == clock.now() - timedelta(days=5)
    # Filed: gone from the calendar.
    deadline_id = owner.get(f"/v1/deadlines?incident={AMBER_A}").get_json()["items"][0]["id"]
    owner.post(f"/v1/deadlines/{deadline_id}/filed", json={"stage": "initial"})
    later = recurring_ical_events.of(feed(as_role.person(RISK_OWNER))).between(
        clock.now(), clock.now() + timedelta(days=30)
    )
    assert later == []
