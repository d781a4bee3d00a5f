"""A lab answers the registry's request for information, by API or on its status page.

The answer is kept in the outbox with its ``report.information_provided`` envelope, and
the relay publishes it on the reports topic, keyed by the report (so it follows the
report); the registry puts it in the incident's timeline. Only the reporting
organization answers, once per question.
"""

from __future__ import annotations

from services.intake.outbox import Outbox
from shared.access import Viewer
from shared.envelope import Envelope, encode


class NoSuchQuestion(LookupError):
    """The lab has no such report, or the report no such question (a 404)."""


def answer(
    outbox: Outbox, viewer: Viewer, report_id: str, request_id: str, text: str, at: str
) -> None:
    """Raises ``NoSuchQuestion``, or ``outbox.AlreadyAnswered``."""
    entry = outbox.get(report_id)
    if entry is None or entry.organization_id != viewer.organization_id:
        raise NoSuchQuestion(f"Your lab has no report with id {report_id}.")
    envelope = Envelope(
        type="report.information_provided",
        key=report_id,
        producer="intake",
        payload={
            "incident_id": report_id,
            "request_id": request_id,
            "answer": text,
            "actor": {
                "id": viewer.person_id,
                "name": viewer.name,
                "organization": viewer.organization_id,
            },
            "at": at,
        },
    )
    if not outbox.answer(report_id, request_id, text, at, encode(envelope)):
        raise NoSuchQuestion(f"Report {report_id} was asked no question {request_id}.")
