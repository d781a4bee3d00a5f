"""The rate limit's decision and headers (the routes' behaviour is in test_auth.py)."""

from __future__ import annotations

import pytest

from services.intake.rate_limit import RateLimiter, parse_rate, verdict
from services.intake.rate_storage import RateCounters


def test_within_the_limit_the_client_learns_what_is_left():
    result = verdict(limit=10, count=4, reset_at=1060.2, now=1000.0)
    assert result.allowed
    assert result.headers == {
        "X-RateLimit-Limit": "10",
        "X-RateLimit-Remaining": "6",
        "X-RateLimit-Reset": "1061",
    }


def test_past_the_limit_it_learns_when_to_retry():
    result = verdict(limit=10, count=11, reset_at=1030.5, now=1000.0)
    assert not result.allowed
    assert result.headers["X-RateLimit-Remaining"] == "0"
    assert result.headers["Retry-After"] == "31"


def test_retry_after_is_never_zero():
    assert verdict(limit=1, count=2, reset_at=1000.0, now=1000.0).headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("rate", "read"),
    [
        ("600/minute", (600, 60)),
        ("10 per second", (10, 1)),
        ("5 per 2 minutes", (5, 120)),
        (" 100/Hour ", (100, 3600)),
        ("1000/day", (1000, 86400)),
        ("3 per month", (3, 30 * 86400)),
        ("2/year", (2, 360 * 86400)),
    ],
)
def test_the_setting_is_read_in_the_limits_packages_notation(tmp_path, rate, read):
    assert parse_rate(rate) == read
    assert RateLimiter(rate, RateCounters(tmp_path / "rate.sqlite3")).limit == read[0]


@pytest.mark.parametrize(
    "rate", ["often", "", "600", "/minute", "600/fortnight", "5 per 0 minutes", "1/minute;2/hour"]
)
def test_a_rate_it_cannot_read_is_refused(tmp_path, rate):
    with pytest.raises(ValueError, match="600/minute or 10 per second"):
        RateLimiter(rate, RateCounters(tmp_path / "rate.sqlite3"))
