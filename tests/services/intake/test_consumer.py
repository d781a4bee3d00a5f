"""Intake's projection of registry events onto its reports' status history."""

from __future__ import annotations

import pytest

from services.intake.consumer import RegistryStatusProjection
from services.intake.outbox import StatusChange
from services.intake.reports import accept
from shared.access import REPORTER, Viewer
from shared.envelope import Envelope, decode, encode

LAB = Viewer(
    person_id="01JD00000000000000000000B1",
    organization_id="01JD00000000000000000000A1",
    member=True,
    roles=frozenset({REPORTER}),
)


@pytest.fixture
def report_ids(outbox, valid_report) -> list[str]:
    return [
        accept(
            valid_report(title=f"report {n}"),
            channel="api",
            source_format="json",
            viewer=LAB,
            is_person=lambda _: True,
            outbox=outbox,
            payload=f"report {n}".encode(),
        ).id
        for n in range(2)
    ]


def event(type_: str, key: str, payload: dict, producer: str = "registry") -> Envelope:
    """An envelope as a consumer receives it: through the codec, so it is a valid event."""
    return decode(encode(Envelope(type=type_, key=key, producer=producer, payload=payload)))


def registered(report_id: str, at: str) -> Envelope:
    return event(
        "incident.registered",
        report_id,
        {
            "incident_id": report_id,
            "title": "Model exfiltrated its weights during evaluation",
            "severity": None,
            "event_type": "incident",
            "tlp": "AMBER",
            "status": "new",
            "registered_at": at,
            "url": f"http://127.0.0.1:8002/v1/incidents/{report_id}",
        },
    )


def history(outbox, report_id: str) -> tuple[StatusChange, ...]:
    return outbox.get(report_id).history


def test_other_event_types_are_ignored(outbox, report_ids):
    first = report_ids[0]
    [(_, accepted)] = [row for row in outbox.unpublished(10) if row[0] == first]
    others = [
        decode(accepted),  # report.accepted, on the same key
        event(
            "notification.sent",
            first,
            {
                "dedup_key": f"{first}:webhook",
                "incident_id": first,
                "channel": "webhook",
                "target": "https://hooks.example.org/accord",
                "attempts": 1,
                "sent_at": "2026-03-02T09:00:05+00:00",
            },
            producer="notifier",
        ),
    ]

    RegistryStatusProjection(outbox)(others)

    assert history(outbox, first) == ()
    assert outbox.get(first).status == "accepted"


def test_registered_at_comes_from_the_event_and_only_named_reports_change(outbox, report_ids):
    first, second = report_ids
    project = RegistryStatusProjection(outbox)

    project([registered(first, "2026-03-02T09:00:00+00:00")])

    assert history(outbox, first) == (StatusChange("registered", "2026-03-02T09:00:00+00:00"),)
    assert outbox.get(first).status == "registered"
    assert history(outbox, second) == ()


def test_a_mixed_batch_records_only_its_registrations(outbox, report_ids):
    first, second = report_ids
    noise = event(
        "notification.failed",
        first,
        {
            "dedup_key": f"{first}:email",
            "incident_id": first,
            "channel": "email",
            "target": "duty@example.org",
            "attempts": 3,
            "error": "connection refused",
            "failed_at": "2026-03-02T09:01:00+00:00",
        },
        producer="notifier",
    )

    RegistryStatusProjection(outbox)(
        [
            registered(first, "2026-03-02T09:00:00+00:00"),
            noise,
            registered(second, "2026-03-02T10:30:00+00:00"),
        ]
    )

    assert history(outbox, first) == (StatusChange("registered", "2026-03-02T09:00:00+00:00"),)
    assert history(outbox, second) == (StatusChange("registered", "2026-03-02T10:30:00+00:00"),)


def test_a_redelivered_registration_keeps_the_first_time(outbox, report_ids):
    first = report_ids[0]
    project = RegistryStatusProjection(outbox)

    project([registered(first, "2026-03-02T09:00:00+00:00")])
    project([registered(first, "2026-03-02T09:00:00+00:00")])
    project([registered(first, "2026-03-03T12:00:00+00:00")])

    assert history(outbox, first) == (StatusChange("registered", "2026-03-02T09:00:00+00:00"),)


def test_an_empty_batch_changes_nothing(outbox, report_ids):
    RegistryStatusProjection(outbox)([])
    assert all(history(outbox, report_id) == () for report_id in report_ids)
