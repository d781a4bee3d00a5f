"""The notifier's work: open and close escalations from registry events, decide with the
engine what falls due, hand it to the dispatcher, record the outcome, acknowledge.

Every change is an event on ``notifier-events``, published (and flushed) before it is
applied to the state, so what the state holds is what a restart rebuilds. The consumer
only opens and closes escalations: it never sends, so a slow channel cannot stall it.
``tick`` asks the engine what is due at the clock's now and submits it; the timers call
it again at the engine's ``wake_at``.

At least once: a registry event delivered twice finds the escalation its first delivery
opened; a page is known by its key, so it is sent once even if ``tick`` runs twice;
a crash between a delivery and its record sends that one page again after the restart,
with the same ``Idempotency-Key`` for the receiver to drop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.notifier.channels.configured import expand
from services.notifier.channels.interfaces import (
    Channel,
    Delivery,
    Message,
    Recipient,
    RetryPolicy,
    brief,
    deliver,
)
from services.notifier.deadlines.service import Deadlines
from services.notifier.exercises.service import Exercises
from services.notifier.links import Links
from services.notifier.policies.engine import Digest, Page, next_actions, targets_at
from services.notifier.policies.models import Policy, Target
from services.notifier.roster import Roster
from services.notifier.state import EscalationRecord, NotifierState
from shared.bus.interfaces import BusError, Producer
from shared.clock import Clock
from shared.directory.projection import DirectoryProjection
from shared.envelope import Envelope, encode, new_id
from shared.errors import Unavailable
from shared.metrics import ACKNOWLEDGED

log = logging.getLogger(__name__)

# An incident moved to one of these closes its escalation (the contracts file).
CLOSING_STATUSES = frozenset({"resolved", "closed", "duplicate", "rejected"})
# Incidents whose title only some members may read: the notifier (its events, messages
# and pages reach every on-call contact and external channels) never holds their title.
WITHHELD_TLP = frozenset({"RED", "AMBER+STRICT"})
# Channels told that an alert was acknowledged or resolved: those that keep alerts.
FOLLOW_UP_CHANNELS = ("pagerduty", "webhook", "slack")


class NotFound(LookupError):
    pass


class AlreadyClosed(Exception):
    """An escalation that is closed cannot be acknowledged."""


def is_historical_import(payload: dict[str, Any]) -> bool:
    """A report from a bulk import whose severity a rule derived from a dataset's facts
    (an AIID row's "Loss of life"): history, not something happening now."""
    return payload.get("channel") == "bulk" and bool(payload.get("severity_derived"))


class Escalations:
    def __init__(
        self,
        *,
        state: NotifierState,
        policy: Policy,
        directory: DirectoryProjection,
        channels: dict[str, Channel],
        producer: Producer,
        events_topic: str,
        links: Links,
        clock: Clock,
        retry: RetryPolicy | None = None,
        jurisdictions: list[dict[str, Any]] | None = None,
    ) -> None:
        """``jurisdictions``: the deadline rules; by default ``jurisdictions.json``'s."""
        self.state = state
        self.policy = policy
        self.roster = Roster(directory, state)
        self._directory = directory
        self.channels = channels
        self._producer = producer
        self._topic = events_topic
        self.links = links
        self.clock = clock
        self._retry = retry or RetryPolicy()
        self._publish_lock = threading.Lock()
        # Woken after anything that may change what is due, now or at a given time (set
        # by the timers).
        self.on_change: Callable[..., None] = lambda at=None: None
        # Runs the sends: the dispatcher's submit; inline until one is attached.
        self.submit: Callable[[str, Callable[[], None]], None] = lambda key, job: job()
        self.deadlines = Deadlines(self, rules=jurisdictions)
        self.exercises = Exercises(self)

    # --- events ----------------------------------------------------------------------

    def publish(self, *events: Envelope) -> None:
        """Write ``events`` to the notifier's topic, then apply them; ``Unavailable``
        when the bus is away (nothing applied)."""
        with self._publish_lock:
            try:
                for event in events:
                    self._producer.send(self._topic, key=event.key, value=encode(event))
                self._producer.flush()
            except BusError as exc:
                raise Unavailable(f"the notifier's events cannot be written: {exc}") from exc
            for event in events:
                self.state.apply(event)

    def _event(self, type_: str, key: str, payload: dict[str, Any]) -> Envelope:
        return Envelope(type=type_, key=key, producer="notifier", payload=payload)

    def _now(self) -> str:
        return self.clock.now().isoformat()

    # --- the registry's events (the consumer's handler) --------------------------------

    def __call__(self, envelopes: list[Envelope]) -> None:
        events = []
        for event in envelopes:
            self.state.apply(event)  # what it follows: risk reviews, incident owners
            if event.type == "incident.registered":
                events += self._opened(event.payload)
                events += self.deadlines.opened(event.payload, _title(event.payload))
            elif event.type == "incident.transitioned" and event.payload["to"] in CLOSING_STATUSES:
                if event.payload["to"] == "resolved":
                    events += self.exercises.on_resolved(event.payload["incident_id"])
                events += self._closed(
                    event.payload["incident_id"], f"incident {event.payload['to']}"
                )
        if events:
            self.publish(*events)
            for event in events:
                if event.type == "escalation.closed":
                    self._follow_up(event.payload["escalation_id"], "resolve")
            self.on_change()
        elif any(e.type == "incident.registered" for e in envelopes):
            self.on_change()  # a cluster may be due

    def _opened(self, p: dict[str, Any]) -> list[Envelope]:
        incident = {
            "incident_id": p["incident_id"],
            "title": _title(p),
            "severity": p["severity"],
            "event_type": p["event_type"],
            "tlp": p["tlp"],
            "url": p["url"],
            "harm_domains": list(p.get("harm_domains") or []),
        }
        rule = self.policy.rule_for(incident)
        if rule is None or self.state.escalation_for(p["incident_id"]) is not None:
            return []
        if is_historical_import(p):
            log.info("not escalating %s: a historical import", p["incident_id"])
            return []
        payload = {
            "escalation_id": new_id(),
            "incident_id": p["incident_id"],
            "incident": incident,
            "digest": rule.digest,
            "at": self._now(),
        }
        return [self._event("escalation.opened", p["incident_id"], payload)]

    def _closed(self, incident_id: str, reason: str) -> list[Envelope]:
        record = self.state.escalation_for(incident_id)
        if record is None or record.escalation.closed_at is not None:
            return []
        payload = {
            "escalation_id": record.escalation.id,
            "incident_id": incident_id,
            "reason": reason,
            "at": self._now(),
        }
        return [self._event("escalation.closed", incident_id, payload)]

    # --- acknowledgement ---------------------------------------------------------------

    def acknowledge(self, escalation_id: str, *, person_id: str) -> EscalationRecord:
        """Stop the chain; publish who acknowledged. Acknowledging twice is no change."""
        record = self.state.escalation(escalation_id)
        if record is None:
            raise NotFound(escalation_id)
        if record.escalation.closed_at is not None:
            raise AlreadyClosed(escalation_id)
        if record.escalation.acknowledged_at is None:
            name = self._directory.read(lambda d: getattr(d.principal(person_id), "name", ""))
            incident_id = record.escalation.incident["incident_id"]
            self.publish(
                self._event(
                    "escalation.acknowledged",
                    incident_id,
                    {
                        "escalation_id": escalation_id,
                        "incident_id": incident_id,
                        "by": {"id": person_id, "name": name},
                        "at": self._now(),
                    },
                )
            )
            self._follow_up(escalation_id, "acknowledge")
            self.on_change()
            waited = self.clock.now() - record.escalation.opened_at
            severity = record.escalation.incident.get("severity") or "unknown"
            ACKNOWLEDGED.labels(severity=severity).observe(waited.total_seconds())
        return self.state.escalation(escalation_id)

    # --- what falls due ----------------------------------------------------------------

    def tick(self) -> datetime | None:
        """Submit what is due now (pages, digests, deadlines); returns when to look again."""
        now = self.clock.now()
        decision = next_actions(self.state.engine_state(), now, self.policy, self.roster)
        for action in decision.actions:
            if isinstance(action, Page):
                self.submit(action.key, lambda page=action: self._send_page(page))
            else:
                self.submit(action.period, lambda digest=action: self._send_digest(digest))
        wakes = [
            w
            for w in (decision.wake_at, self.deadlines.tick(now), self.exercises.tick(now))
            if w is not None
        ]
        return min(wakes) if wakes else None

    def directory_people(self) -> dict[str, Any]:
        return self._directory.read(lambda d: dict(d.people))

    def roster_ids(self, targets: tuple[Target, ...], at: datetime) -> tuple[str, ...]:
        """The people ``targets`` name at ``at``, each once."""
        return targets_at(targets, at, self.roster)

    def recipients(self, escalation_id: str | None, ids: tuple[str, ...]) -> tuple[Recipient, ...]:
        people = self._directory.read(lambda d: {i: d.people.get(i) for i in ids})
        return tuple(
            Recipient(
                id=i,
                name=people[i].name if people[i] else i,
                email=people[i].email if people[i] else None,
                ack_url=self.links.ack_url(escalation_id, i) if escalation_id else "",
            )
            for i in ids
        )

    def _send_page(self, page: Page) -> None:
        record = self.state.escalation(page.escalation_id)
        if record is None or not record.escalation.open or page.key in record.escalation.sent:
            return  # acknowledged or sent while this waited in the dispatcher's queue
        incident = dict(record.escalation.incident)
        recipients = self.recipients(page.escalation_id, page.recipients)
        severity = incident.get("severity") or "unrated"
        again = f" (page {page.round + 1}, step {page.step + 1})" if page.round or page.step else ""
        message = Message(
            action="trigger",
            dedup_key=page.key,
            escalation_id=page.escalation_id,
            summary=f"{severity.upper()} incident: {incident['title']}{again}",
            severity=incident.get("severity"),
            incidents=(brief(incident),),
            recipients=recipients,
            ack_url=recipients[0].ack_url
            if recipients
            else self.links.ack_url(page.escalation_id, None),
            step=page.step,
            round=page.round,
        )
        deliveries = self.deliver(
            message, expand(page.channels, self.channels), incident_id=page.incident_id
        )
        # Given up only where a retry could succeed; a receiver that refuses the request
        # itself is recorded, and the page goes on by the other channels.
        failed = any(not d.ok and d.retryable for d in deliveries)
        self.publish(
            self._event(
                "escalation.step",
                page.incident_id,
                {
                    "escalation_id": page.escalation_id,
                    "incident_id": page.incident_id,
                    "key": page.key,
                    "step": page.step,
                    "round": page.round,
                    "recipients": list(page.recipients),
                    "outcome": "failed" if failed else "sent",
                    "at": self._now(),
                },
            )
        )
        self.on_change()

    def _send_digest(self, digest: Digest) -> None:
        state = self.state.engine_state()
        if digest.period in state.digests_sent:
            return
        incidents = {i.incident["incident_id"]: i.incident for i in state.digest_items}
        listed = tuple(brief(incidents[i]) for i in digest.incident_ids if i in incidents)
        message = Message(
            action="digest",
            dedup_key=digest.period,
            escalation_id=None,
            summary=f"{len(listed)} incident{'s' if len(listed) != 1 else ''} in the"
            f" {digest.period.split(':')[0]} digest",
            severity=None,
            incidents=listed,
            recipients=self.recipients(None, digest.recipients),
        )
        deliveries = self.deliver(message, expand(digest.channels, self.channels), incident_id=None)
        if not any(not d.ok and d.retryable for d in deliveries):
            self.publish(
                self._event(
                    "digest.sent",
                    digest.period,
                    {
                        "period": digest.period,
                        "incident_ids": list(digest.incident_ids),
                        "at": self._now(),
                    },
                )
            )
        self.on_change()

    def _follow_up(self, escalation_id: str, action: str) -> None:
        """Tell the channels that keep alerts that this one was acknowledged or resolved."""
        record = self.state.escalation(escalation_id)
        if record is None or not record.escalation.sent:
            return
        incident = dict(record.escalation.incident)
        message = Message(
            action=action,
            dedup_key=f"{escalation_id}/{action}",
            escalation_id=escalation_id,
            summary=f"{action.capitalize()}d: {incident['title']}",
            severity=incident.get("severity"),
            incidents=(brief(incident),),
        )
        names = [n for n in FOLLOW_UP_CHANNELS if n in self.channels]
        self.submit(
            message.dedup_key,
            lambda: self.deliver(message, names, incident_id=incident["incident_id"]),
        )

    def deliver(
        self, message: Message, names: list[str], *, incident_id: str | None
    ) -> list[Delivery]:
        """Send on each channel not yet delivered for this dedup key; record each."""
        deliveries = []
        for name in names:
            if (message.dedup_key, name) in self.state.delivered:
                continue
            delivery = deliver(self.channels[name], message, self.clock, self._retry)
            deliveries.append(delivery)
            common = {
                "dedup_key": message.dedup_key,
                "incident_id": incident_id,
                "escalation_id": message.escalation_id,
                "channel": delivery.channel,
                "target": delivery.target,
                "attempts": delivery.attempts,
                "action": message.action,
            }
            if delivery.ok:
                event = self._event(
                    "notification.sent",
                    incident_id or message.dedup_key,
                    {**common, "sent_at": self._now()},
                )
            else:
                log.error(
                    "%s to %s failed after %d attempts: %s",
                    delivery.channel,
                    delivery.target,
                    delivery.attempts,
                    "; ".join(delivery.errors),
                )
                event = self._event(
                    "notification.failed",
                    incident_id or message.dedup_key,
                    {**common, "error": "; ".join(delivery.errors), "failed_at": self._now()},
                )
            self.publish(event)
        return deliveries


def _title(p: dict[str, Any]) -> str:
    withheld = p["tlp"] in WITHHELD_TLP
    return f"TLP:{p['tlp']} incident (title withheld)" if withheld else p["title"]
