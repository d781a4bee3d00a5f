"""Payload schemas of every event type, by (type, schema_version).

Topics list which event types they carry (``shared/contracts/*.json``); this module says
what each payload must look like. Payloads stay plain JSON: the codec validates them and
hands them on unchanged.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.directory.events import PAYLOAD_SCHEMAS as DIRECTORY_PAYLOAD_SCHEMAS
from shared.report import EVENT_TYPES, SEVERITIES, TLP_LEVELS, AcceptedReportSchema


class ReportAccepted(Schema):
    report = fields.Nested(AcceptedReportSchema, required=True)


class IncidentRegistered(Schema):
    incident_id = fields.String(required=True)
    title = fields.String(required=True)
    # None: the source gave no severity (bulk imports); triage assesses it.
    severity = fields.String(required=True, allow_none=True, validate=validate.OneOf(SEVERITIES))
    event_type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    tlp = fields.String(required=True, validate=validate.OneOf(TLP_LEVELS))
    status = fields.String(required=True)
    registered_at = fields.AwareDateTime(required=True)
    url = fields.Url(required=True, require_tld=False)
    # How the report came in (api, form, bulk) and whether its severity was derived by a
    # rule rather than given: the notifier does not page about historical imports.
    channel = fields.String(allow_none=True)
    severity_derived = fields.Boolean()
    harm_domains = fields.List(fields.String())
    # For the regulatory clocks (services/notifier/deadlines): optional, so earlier
    # events still validate.
    jurisdictions = fields.List(fields.String())
    detected_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(allow_none=True)
    quantities = fields.Dict()
    critical_infrastructure = fields.Boolean()
    organization_id = fields.String(allow_none=True)
    recipients = fields.List(fields.String())


class Actor(Schema):
    """Who took a decision, by id; the name and organization as they were then."""

    id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    organization = fields.String(required=True, allow_none=True)


_VISIBILITY = validate.OneOf(("public", "confidential"))
_TEXT = validate.Length(min=1, max=10_000)


class _IncidentDecision(Schema):
    """What every decision on an incident carries; ``version`` is the incident's version
    once the decision is applied (its ETag), so a replay applies each decision once."""

    incident_id = fields.String(required=True)
    actor = fields.Nested(Actor, required=True)
    at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=2))


class IncidentTransitioned(_IncidentDecision):
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    rationale = fields.String(required=True, validate=_TEXT)
    visibility = fields.String(required=True, validate=_VISIBILITY)


class Owner(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)


class IncidentAssigned(_IncidentDecision):
    owner = fields.Nested(Owner, required=True)


class IncidentSeverityRerated(_IncidentDecision):
    from_ = fields.String(required=True, allow_none=True, data_key="from")
    to = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    reason = fields.String(required=True, validate=_TEXT)
    visibility = fields.String(required=True, validate=_VISIBILITY)


class IncidentLinked(_IncidentDecision):
    linked_id = fields.String(required=True)
    relation = fields.String(
        required=True, validate=validate.OneOf(("related_to", "duplicate", "risk"))
    )


class IncidentMerged(_IncidentDecision):
    """``incident_id`` is the duplicate; it points at ``original_id`` from now on."""

    original_id = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    rationale = fields.String(required=True, validate=_TEXT)
    visibility = fields.String(required=True, validate=_VISIBILITY)


class IncidentInformationRequested(_IncidentDecision):
    request_id = fields.String(required=True)
    question = fields.String(required=True, validate=_TEXT)
    from_ = fields.String(required=True, data_key="from")


class IncidentInformationProvided(_IncidentDecision):
    request_id = fields.String(required=True)
    answer = fields.String(required=True, validate=_TEXT)
    to = fields.String(required=True)


class ReportInformationProvided(Schema):
    """A lab's answer to a request for information, as intake accepted it."""

    incident_id = fields.String(required=True)
    request_id = fields.String(required=True)
    answer = fields.String(required=True, validate=_TEXT)
    actor = fields.Nested(Actor, required=True)
    at = fields.AwareDateTime(required=True)


class _RiskChange(Schema):
    risk_id = fields.String(required=True)
    risk = fields.Dict(required=True, metadata={"description": "The whole risk afterwards"})
    actor = fields.Nested(Actor, required=True)
    at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class RiskCreated(_RiskChange):
    pass


class RiskUpdated(_RiskChange):
    changes = fields.Dict(required=True, metadata={"description": "The fields changed"})


class RiskReviewDue(Schema):
    """A risk's review date has come; the notifier may remind its owner."""

    risk_id = fields.String(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True)
    next_review = fields.Date(required=True)
    at = fields.AwareDateTime(required=True)


class _Notification(Schema):
    dedup_key = fields.String(required=True)
    # None for a digest, which is about several incidents.
    incident_id = fields.String(required=True, allow_none=True)
    escalation_id = fields.String(allow_none=True)
    channel = fields.String(required=True)
    # Redacted: a scheme and host, never a URL's path, a key or a routing key.
    target = fields.String(required=True)
    attempts = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    action = fields.String()  # trigger, acknowledge, resolve, digest


class NotificationSent(_Notification):
    sent_at = fields.AwareDateTime(required=True)


class NotificationFailed(_Notification):
    error = fields.String(required=True)
    failed_at = fields.AwareDateTime(required=True)


class _Actor(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class ScheduleCreated(Schema):
    schedule_id = fields.String(required=True)
    # As POST /v1/schedules took it (services/notifier/oncall/schemas.py checked it).
    schedule = fields.Dict(required=True)
    created_by = fields.Nested(_Actor, required=True)
    at = fields.AwareDateTime(required=True)


class EscalationOpened(Schema):
    escalation_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    # What the policy matches on and the messages show: title, severity, event_type, tlp,
    # url, harm_domains.
    incident = fields.Dict(required=True)
    digest = fields.String(allow_none=True, validate=validate.OneOf(("daily", "weekly")))
    # An escalation of a regulatory deadline not filed in time (beside the incident's own).
    deadline_id = fields.String()
    at = fields.AwareDateTime(required=True)


class EscalationStep(Schema):
    escalation_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    key = fields.String(required=True)  # <escalation>/<step>/<round>
    step = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    round = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    recipients = fields.List(fields.String(), required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(("sent", "failed")))
    at = fields.AwareDateTime(required=True)


class EscalationAcknowledged(Schema):
    escalation_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    by = fields.Nested(_Actor, required=True)
    at = fields.AwareDateTime(required=True)


class EscalationClosed(Schema):
    escalation_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    reason = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class _Tier(Schema):
    id = fields.String(required=True)
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    reason = fields.String(required=True)


class _DeadlineStage(Schema):
    id = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True, allow_none=True)


class DeadlineOpened(Schema):
    deadline_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    # title (withheld for RED and AMBER+STRICT), severity, tlp, organization_id,
    # recipients, url, harm_domains: who may read the deadline is who may read these.
    incident = fields.Dict(required=True)
    regime = fields.String(required=True)  # a jurisdictions.json id
    tier = fields.Nested(_Tier, required=True)
    starts_at = fields.AwareDateTime(required=True)
    stages = fields.List(fields.Nested(_DeadlineStage), required=True)
    at = fields.AwareDateTime(required=True)


class DeadlineTierSet(Schema):
    deadline_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    tier = fields.Nested(_Tier, required=True)
    stages = fields.List(fields.Nested(_DeadlineStage), required=True)
    by = fields.Nested(_Actor, required=True)
    at = fields.AwareDateTime(required=True)


class DeadlineReminded(Schema):
    deadline_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    stage = fields.String(required=True)
    key = fields.String(required=True)  # <deadline>/<stage>/<minutes before>
    recipients = fields.List(fields.String(), required=True)
    at = fields.AwareDateTime(required=True)


class DeadlineFiled(Schema):
    deadline_id = fields.String(required=True)
    incident_id = fields.String(required=True)
    regime = fields.String(required=True)
    stage = fields.String(required=True)
    by = fields.Nested(_Actor, required=True)
    at = fields.AwareDateTime(required=True)


class ExerciseProposed(Schema):
    exercise_id = fields.String(required=True)
    title = fields.String(required=True)
    trigger = fields.Dict(required=True)  # key (once per key), reason
    incident_ids = fields.List(fields.String(), required=True)
    participants = fields.List(fields.String(), required=True)  # person ids
    organizer = fields.Nested(_Actor, required=True)
    duration_minutes = fields.Integer(required=True, strict=True)
    scenario = fields.Dict(required=True)  # incidents, injects, questions, harm_domains
    at = fields.AwareDateTime(required=True)


class ExerciseScheduled(Schema):
    """Scheduled (sequence 0) or rescheduled (each time one more)."""

    exercise_id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    time_zone = fields.String(required=True)  # the organizer's: the invitation's TZID
    sequence = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    by = fields.Nested(_Actor, required=True)
    at = fields.AwareDateTime(required=True)


class ExerciseNotified(Schema):
    """A reminder (24 h, 1 h before) or the after-action follow-up was sent."""

    exercise_id = fields.String(required=True)
    kind = fields.String(
        required=True, validate=validate.OneOf(("reminder-24h", "reminder-1h", "follow-up"))
    )
    key = fields.String(required=True)  # <exercise>/<sequence>/<kind>
    at = fields.AwareDateTime(required=True)


class _AfterActionItem(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    # The risk the action mitigates: the registry adds it to that risk's mitigations.
    risk_id = fields.String(allow_none=True)


class ExerciseAfterActionFiled(Schema):
    exercise_id = fields.String(required=True)
    went_well = fields.List(fields.String(), required=True)
    gaps = fields.List(fields.String(), required=True)
    actions = fields.List(fields.Nested(_AfterActionItem), required=True)
    by = fields.Nested(_Actor, required=True)
    at = fields.AwareDateTime(required=True)


class ExerciseCancelled(Schema):
    exercise_id = fields.String(required=True)
    sequence = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    by = fields.Nested(_Actor, required=True)
    at = fields.AwareDateTime(required=True)


class DigestSent(Schema):
    period = fields.String(required=True)
    incident_ids = fields.List(fields.String(), required=True)
    at = fields.AwareDateTime(required=True)


class MessageDeadLettered(Schema):
    source_topic = fields.String(required=True)
    partition = fields.Integer(required=True, strict=True)
    offset = fields.Integer(required=True, strict=True)
    key = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True)
    value = fields.String(required=True)


class MessageReplayed(Schema):
    """An operator sent a dead letter's original back to its topic (``accord dead-letters
    replay``)."""

    dead_letter_id = fields.String(required=True)
    source_topic = fields.String(required=True)
    replayed_at = fields.AwareDateTime(required=True)


PAYLOAD_SCHEMAS: dict[tuple[str, int], Schema] = {
    ("report.accepted", 1): ReportAccepted(),
    ("incident.registered", 1): IncidentRegistered(),
    ("incident.transitioned", 1): IncidentTransitioned(),
    ("incident.assigned", 1): IncidentAssigned(),
    ("incident.severity_rerated", 1): IncidentSeverityRerated(),
    ("incident.linked", 1): IncidentLinked(),
    ("incident.merged", 1): IncidentMerged(),
    ("incident.information_requested", 1): IncidentInformationRequested(),
    ("incident.information_provided", 1): IncidentInformationProvided(),
    ("report.information_provided", 1): ReportInformationProvided(),
    ("risk.created", 1): RiskCreated(),
    ("risk.updated", 1): RiskUpdated(),
    ("risk.review_due", 1): RiskReviewDue(),
    ("notification.sent", 1): NotificationSent(),
    ("notification.failed", 1): NotificationFailed(),
    ("escalation.acknowledged", 1): EscalationAcknowledged(),
    ("schedule.created", 1): ScheduleCreated(),
    ("escalation.opened", 1): EscalationOpened(),
    ("escalation.step", 1): EscalationStep(),
    ("escalation.closed", 1): EscalationClosed(),
    ("digest.sent", 1): DigestSent(),
    ("deadline.opened", 1): DeadlineOpened(),
    ("deadline.tier_set", 1): DeadlineTierSet(),
    ("deadline.reminded", 1): DeadlineReminded(),
    ("deadline.filed", 1): DeadlineFiled(),
    ("exercise.proposed", 1): ExerciseProposed(),
    ("exercise.scheduled", 1): ExerciseScheduled(),
    ("exercise.cancelled", 1): ExerciseCancelled(),
    ("exercise.notified", 1): ExerciseNotified(),
    ("exercise.after_action_filed", 1): ExerciseAfterActionFiled(),
    ("message.dead_lettered", 1): MessageDeadLettered(),
    ("message.replayed", 1): MessageReplayed(),
    **DIRECTORY_PAYLOAD_SCHEMAS,
}
