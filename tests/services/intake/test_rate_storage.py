"""The rate limit's memory storage: counts like limits' own, sweeps without threads."""

from __future__ import annotations

from limits.storage import storage_from_string

from services.intake.rate_storage import SCHEME, SweptMemoryStorage


def test_the_scheme_names_the_storage():
    assert isinstance(storage_from_string(f"{SCHEME}://"), SweptMemoryStorage)


def test_hits_count_within_the_window():
    storage = SweptMemoryStorage()
    assert [storage.incr("key", expiry=60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("key") == 3


def test_a_due_sweep_drops_expired_counters_in_the_request_without_a_thread():
    storage = SweptMemoryStorage()
    timer = storage.timer
    storage.incr("gone", expiry=0)  # expires at once: no one reads it again
    storage.incr("kept", expiry=60)
    assert "gone" in storage.storage  # the sweep is not due yet
    storage._next_sweep = 0.0  # due now
    storage.incr("kept", expiry=60)
    assert "gone" not in storage.storage
    assert storage.get("kept") == 2
    assert storage.timer is timer  # no new timer thread was started
