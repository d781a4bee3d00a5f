"""Signed, expiring links: acknowledgement links carried in every message, and the
secret tokens of the calendar feeds.

An ack link names the escalation and the person it was sent to, signed with itsdangerous
and valid for ``ACK_LINK_MAX_AGE``; opening it shows a page whose button acknowledges
(a GET never changes anything, so a mail scanner that follows links acknowledges
nothing). Feed tokens are HMACs of the schedule's or person's id: stable, unguessable.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

from shared.clock import Clock

ACK_LINK_MAX_AGE = timedelta(hours=24)


class InvalidLink(Exception):
    """A link that was tampered with, or has expired; the message says which."""


class Links:
    def __init__(self, secret: str, base_url: str, clock: Clock) -> None:
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._serializer = URLSafeTimedSerializer(secret, salt="accord-ack")

    def ack_token(self, escalation_id: str, person_id: str | None) -> str:
        # itsdangerous stamps with time.time(); our clock decides, so tests can expire it.
        signer = self._serializer
        payload = {"e": escalation_id, "p": person_id, "t": int(self._clock.time())}
        return signer.dumps(payload)

    def ack_url(self, escalation_id: str, person_id: str | None) -> str:
        return f"{self._base_url}/ack/{self.ack_token(escalation_id, person_id)}"

    def read_ack(self, token: str) -> tuple[str, str | None]:
        """The escalation and person a token names; ``InvalidLink`` if it is not ours or
        older than ``ACK_LINK_MAX_AGE``."""
        try:
            payload = self._serializer.loads(token)
        except BadSignature:
            raise InvalidLink("This link is not valid.") from None
        if not isinstance(payload, dict) or not {"e", "p", "t"} <= set(payload):
            raise InvalidLink("This link is not valid.")
        if self._clock.time() - payload["t"] > ACK_LINK_MAX_AGE.total_seconds():
            raise InvalidLink("This link has expired.")
        return payload["e"], payload["p"]

    def feed_token(self, kind: str, subject_id: str) -> str:
        mac = hmac.new(self._secret.encode(), f"feed:{kind}:{subject_id}".encode(), hashlib.sha256)
        return mac.hexdigest()[:40]

    def feed_token_valid(self, kind: str, subject_id: str, token: str) -> bool:
        return hmac.compare_digest(self.feed_token(kind, subject_id), token)

    def feed_url(self, kind: str, subject_id: str) -> str:
        return f"{self._base_url}/v1/calendars/{kind}/{subject_id}.ics?token=" + self.feed_token(
            kind, subject_id
        )
