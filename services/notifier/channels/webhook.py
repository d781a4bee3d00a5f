"""A generic webhook, signed with HMAC-SHA256 over the timestamp and the body.

Headers of every request (documented in the README, with a snippet that verifies them):

- ``Accord-Timestamp``: seconds since the epoch when the request was signed;
- ``Accord-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the webhook secret,
  of ``<timestamp>.<body>`` (the raw body bytes);
- ``Idempotency-Key``: the message's dedup key, the same on every retry.

A receiver checks the signature and refuses timestamps older than a few minutes, so a
captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import requests

from services.notifier.channels.interfaces import (
    Message,
    http_error,
    redacted_url,
    request_error,
)
from shared.clock import Clock

TIMESTAMP_HEADER = "Accord-Timestamp"
SIGNATURE_HEADER = "Accord-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        secret: str,
        clock: Clock,
        session: requests.Session | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._secret = secret
        self._clock = clock
        self._session = session or requests.Session()
        self._timeout = timeout
        self.target = redacted_url(url)

    def attempt(self, message: Message) -> None:
        body = json.dumps(message.body(), separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = str(int(self._clock.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "accord-notifier",
            "Idempotency-Key": message.dedup_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._secret, timestamp, body),
        }
        try:
            # No redirects: requests would turn the POST into a GET and call it done.
            response = self._session.post(
                self._url,
                data=body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise request_error(exc) from None
        if not 200 <= response.status_code < 300:
            raise http_error(response)
