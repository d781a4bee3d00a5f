"""The notifier's handler for registry events: page on critical incidents, once each.

Delivery is at least once; the dedup key (event type and incident id) makes it at most
one page per incident: the keys already sent are rebuilt at start-up from the notifier's
own events, and each send is recorded there before the offset is committed. A page that
failed is not committed past: the runner retries it (``Unavailable``), unless the receiver
refused the request itself, which is dead-lettered with the reason (``Rejected``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from services.notifier.channels import WebhookChannel
from shared.bus.interfaces import Producer, Record
from shared.envelope import Envelope, InvalidMessage, decode, encode, utcnow
from shared.errors import Rejected, Unavailable

log = logging.getLogger(__name__)

PAGED_SEVERITIES = frozenset({"critical"})


def sent_keys(records: Iterable[Record]) -> set[str]:
    """The dedup keys of every notification already sent, from the notifier's events."""
    keys = set()
    for record in records:
        try:
            event = decode(record.value)
        except InvalidMessage as exc:
            log.warning("skipping unreadable notifier event at offset %d: %s", record.offset, exc)
            continue
        if event.type == "notification.sent":
            keys.add(event.payload["dedup_key"])
    return keys


class CriticalIncidentNotifier:
    def __init__(
        self,
        channel: WebhookChannel,
        producer: Producer,
        *,
        events_topic: str,
        already_sent: set[str] | None = None,
    ) -> None:
        self._channel = channel
        self._producer = producer
        self._events_topic = events_topic
        self._sent = set(already_sent or ())

    def restore(self, already_sent: set[str]) -> None:
        """Remember the dedup keys sent before this process started (from its events)."""
        self._sent |= already_sent

    def __call__(self, envelopes: list[Envelope]) -> None:
        for event in envelopes:
            if (
                event.type == "incident.registered"
                and event.payload["severity"] in PAGED_SEVERITIES
            ):
                self._notify(event)

    def _notify(self, event: Envelope) -> None:
        incident_id = event.payload["incident_id"]
        dedup_key = f"{event.type}:{incident_id}"
        if dedup_key in self._sent:
            return
        delivery = self._channel.send(
            {"event": event.type, "dedup_key": dedup_key, "incident": event.payload},
            dedup_key=dedup_key,
        )
        common = {
            "dedup_key": dedup_key,
            "incident_id": incident_id,
            "channel": self._channel.name,
            "target": self._channel.url,
            "attempts": delivery.attempts,
        }
        now = utcnow().isoformat()
        if delivery.ok:
            record = Envelope(
                type="notification.sent",
                key=incident_id,
                producer="notifier",
                payload={**common, "sent_at": now},
            )
        else:
            log.error(
                "could not notify %s about %s: %s", self._channel.url, incident_id, delivery.error
            )
            record = Envelope(
                type="notification.failed",
                key=incident_id,
                producer="notifier",
                payload={**common, "error": delivery.error, "failed_at": now},
            )
        self._producer.send(self._events_topic, key=incident_id, value=encode(record))
        self._producer.flush()
        if delivery.ok:
            self._sent.add(dedup_key)
        elif delivery.retryable:
            # Not committed: the runner hands the batch over again after a backoff, and
            # the pages already sent are skipped by their dedup keys.
            raise Unavailable(f"paging about {incident_id} failed: {delivery.error}")
        else:
            raise Rejected(f"the receiver refused the page about {incident_id}: {delivery.error}")
