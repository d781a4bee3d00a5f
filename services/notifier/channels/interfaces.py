"""What every channel shares: the message, the delivery, and the retry loop.

An adapter makes one ``attempt`` at a message and raises ``DeliveryError`` when it fails
(``retryable`` False when the receiver says the request itself is wrong). ``deliver``
wraps it with bounded retries and backoff on the injected clock. Every adapter has a
``target``: a redacted description of where it sends, the only form that goes into
events and logs (never a URL's path, a key or a routing key).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from shared.clock import Clock
from shared.metrics import NOTIFICATIONS

log = logging.getLogger(__name__)

# HTTP statuses worth another try; any other 4xx means the request itself is wrong.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Recipient:
    id: str
    name: str
    email: str | None
    ack_url: str


@dataclass(frozen=True)
class Message:
    """One thing to tell people: a page (``trigger``), that it was acknowledged or
    resolved, or a digest. ``dedup_key`` is the same on every retry and every channel's
    receiver may drop a repeat by it."""

    # trigger, acknowledge, resolve, digest, reminder (of a deadline), invitation (to an
    # exercise: ``calendar`` holds it as iCalendar, its ``method`` REQUEST or CANCEL)
    action: str
    dedup_key: str
    escalation_id: str | None
    summary: str
    severity: str | None
    incidents: tuple[dict[str, Any], ...]  # id, title, severity, url
    recipients: tuple[Recipient, ...] = ()
    ack_url: str | None = None
    step: int | None = None
    round: int | None = None
    calendar: str | None = None
    calendar_method: str | None = None

    def body(self) -> dict[str, Any]:
        """The JSON a webhook receives."""
        body: dict[str, Any] = {
            "action": self.action,
            "dedup_key": self.dedup_key,
            "escalation_id": self.escalation_id,
            "summary": self.summary,
            "severity": self.severity,
            "incidents": list(self.incidents),
            "recipients": [
                {"id": r.id, "name": r.name, "ack_url": r.ack_url} for r in self.recipients
            ],
        }
        if self.ack_url:
            body["ack_url"] = self.ack_url
        if self.step is not None:
            body["step"], body["round"] = self.step, self.round
        if self.calendar is not None:
            body["calendar"] = self.calendar
        return body


def brief(incident: Mapping[str, Any]) -> dict[str, Any]:
    """An incident as a message lists it."""
    return {k: incident.get(k) for k in ("incident_id", "title", "severity", "tlp", "url")}


class DeliveryError(Exception):
    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.retryable = retryable


@dataclass(frozen=True)
class Delivery:
    channel: str
    target: str
    ok: bool
    attempts: int
    errors: tuple[str, ...] = field(default=())
    retryable: bool = True


class Channel(Protocol):
    name: str
    target: str  # redacted

    def attempt(self, message: Message) -> None:
        """Send once; raise ``DeliveryError`` on failure."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff: float = 1.0  # seconds before the second attempt, doubling after


def deliver(channel: Channel, message: Message, clock: Clock, retry: RetryPolicy) -> Delivery:
    """Send ``message`` on ``channel``, at most ``retry.attempts`` times, and count it."""
    delivery = _retried(channel, message, clock, retry)
    outcome = "sent" if delivery.ok else "failed"
    NOTIFICATIONS.labels(channel=channel.name, outcome=outcome).inc()
    return delivery


def _retried(channel: Channel, message: Message, clock: Clock, retry: RetryPolicy) -> Delivery:
    errors: list[str] = []
    for attempt in range(1, retry.attempts + 1):
        try:
            channel.attempt(message)
        except DeliveryError as exc:
            errors.append(str(exc))
            if not exc.retryable:
                return Delivery(channel.name, channel.target, False, attempt, tuple(errors), False)
        else:
            return Delivery(channel.name, channel.target, True, attempt, tuple(errors))
        if attempt < retry.attempts:
            log.warning(
                "%s to %s: attempt %d failed (%s), retrying",
                channel.name,
                channel.target,
                attempt,
                errors[-1],
            )
            clock.wait(retry.backoff * 2 ** (attempt - 1))
    return Delivery(channel.name, channel.target, False, retry.attempts, tuple(errors))


def redacted_url(url: str) -> str:
    """A URL as events and logs may show it: scheme and host, never the path or query
    (a Slack or webhook URL's path is its secret) nor any user info."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…"


def http_error(response: Any) -> DeliveryError:
    """The failure a non-2xx answer means; the reason never echoes the URL."""
    return DeliveryError(
        f"{response.status_code} {response.reason}",
        retryable=response.status_code in RETRYABLE_STATUSES,
    )


def request_error(exc: Exception) -> DeliveryError:
    """A transport failure, named by its type only: requests' messages carry the URL."""
    return DeliveryError(type(exc).__name__)
