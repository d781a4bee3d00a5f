"""Delivery channels. Every send has a timeout, bounded retries with backoff, and carries
its dedup key so a receiver can drop a repeat."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests

from shared.clock import SYSTEM_CLOCK, Clock
from shared.metrics import NOTIFICATIONS

log = logging.getLogger(__name__)

# Statuses worth another try; any other 4xx means the request itself is wrong.
_RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    error: str = ""
    # False when the receiver answered that this request itself is wrong (a 4xx other
    # than the throttling ones): sending it again can never succeed.
    retryable: bool = True


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 5.0,
        attempts: int = 4,
        backoff: float = 0.5,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.url = url
        self._session = session or requests.Session()
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff
        self._clock = clock

    def send(self, body: dict[str, Any], *, dedup_key: str) -> Delivery:
        headers = {"Idempotency-Key": dedup_key, "User-Agent": "accord-notifier"}
        error = ""
        for attempt in range(1, self._attempts + 1):
            try:
                # No redirects: requests would turn the POST into a GET and call it done.
                response = self._session.post(
                    self.url,
                    json=body,
                    headers=headers,
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if 200 <= response.status_code < 300:
                    NOTIFICATIONS.labels(channel=self.name, outcome="sent").inc()
                    return Delivery(ok=True, attempts=attempt)
                error = f"{response.status_code} {response.reason}"
                if response.status_code not in _RETRYABLE:
                    NOTIFICATIONS.labels(channel=self.name, outcome="failed").inc()
                    return Delivery(ok=False, attempts=attempt, error=error, retryable=False)
            if attempt < self._attempts:
                log.warning("webhook attempt %d failed (%s), retrying", attempt, error)
                self._clock.wait(self._backoff * 2 ** (attempt - 1))
        NOTIFICATIONS.labels(channel=self.name, outcome="failed").inc()
        return Delivery(ok=False, attempts=self._attempts, error=error)
