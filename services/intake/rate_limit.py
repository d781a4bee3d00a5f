"""Intake's rate limit on filing: one budget per API key across the single-report and
bulk routes (so bulk cannot bypass it), ``ACCORD_INTAKE_RATE_LIMIT`` in the limits
package's notation ("600/minute", "10 per second", "5 per 2 minutes"), counted in a fixed
window every intake process shares (rate_storage.py).

One statement per request. flask-limiter, which did this before, took 15% of the accept
path in its own machinery: three storage calls per request, and resolving limits and
exemption scopes for every one.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g

from services.intake.rate_storage import RateCounters
from shared.http import problem

SCOPE = "filing"


# Read here rather than by the limits package, whose import (asyncio, wrapt and its
# storages) cost every intake process more memory than the rest of the rate limit. Its
# month and year are 30 and 360 days.
_RATE = re.compile(
    r"\s*(\d+)\s*(?:/|per)\s*(?:([1-9]\d*)\s*)?(second|minute|hour|day|month|year)s?\s*",
    re.IGNORECASE,
)
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_SECONDS |= {"month": 30 * _SECONDS["day"], "year": 360 * _SECONDS["day"]}


def parse_rate(rate: str) -> tuple[int, int]:
    """``rate``'s number of hits and its window in seconds; ``ValueError`` if it is not one
    rate in that notation."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise ValueError(f"not a rate: {rate!r}; write one such as 600/minute or 10 per second")
    return int(match[1]), int(match[2] or 1) * _SECONDS[match[3].lower()]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


def verdict(*, limit: int, count: int, reset_at: float, now: float) -> Verdict:
    """Whether the ``count``-th hit of a window allowing ``limit`` is let through, and the
    headers that tell the client where it stands."""
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(limit - count, 0)),
        "X-RateLimit-Reset": str(math.ceil(reset_at)),
    }
    if count > limit:
        headers["Retry-After"] = str(max(math.ceil(reset_at - now), 1))
    return Verdict(count <= limit, headers)


class RateLimiter:
    def __init__(self, rate: str, counters: RateCounters) -> None:
        """Raises ``ValueError`` for a rate ``parse_rate`` cannot read."""
        self.limit, self._window = parse_rate(rate)
        self._counters = counters

    def hit(self, key: str) -> Verdict:
        now = time.time()  # epoch seconds, as every process reads them alike
        count, reset_at = self._counters.hit(f"{SCOPE}/{key}", self._window, now)
        return verdict(limit=self.limit, count=count, reset_at=reset_at, now=now)


def rate_limited(view):
    """After ``require_api_key``: count this request against its key's filing budget."""

    @wraps(view)
    def limited(*args, **kwargs):
        result = current_app.extensions["accord.rate_limiter"].hit(g.api_key_id)
        if not result.allowed:
            response = problem(
                429,
                "Too Many Requests",
                f"This key has used its {current_app.config['ACCORD'].intake_rate_limit} of"
                " filing; retry after the time in Retry-After.",
            )
        else:
            response = current_app.make_response(view(*args, **kwargs))
        response.headers.update(result.headers)
        return response

    return limited
