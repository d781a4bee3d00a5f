"""The rate limit's shared counters: a fixed window per key, the same for every process
that opens the file."""

from __future__ import annotations

import multiprocessing

import pytest
from limits.storage import storage_from_string

from services.intake.rate_storage import SCHEME, SQLiteStorage, rate_uri
from shared.settings import Settings


@pytest.fixture
def uri(tmp_path):
    return rate_uri(Settings(data_dir=tmp_path))


def test_the_scheme_names_the_storage(uri):
    assert uri.startswith(f"{SCHEME}://")
    assert isinstance(storage_from_string(uri), SQLiteStorage)


def test_hits_count_within_the_window(uri):
    storage = SQLiteStorage(uri)
    assert [storage.incr("key", expiry=60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("key") == 3
    assert storage.get("other") == 0


def test_a_counter_past_its_window_starts_again(uri):
    storage = SQLiteStorage(uri)
    storage.incr("key", expiry=0)  # its window is over at once
    assert storage.get("key") == 0
    assert storage.incr("key", expiry=60, amount=2) == 2
    assert storage.get_expiry("key") > storage.get_expiry("gone")


def test_two_connections_share_the_counts(uri):
    first, second = SQLiteStorage(uri), SQLiteStorage(uri)
    first.incr("key", expiry=60)
    assert second.incr("key", expiry=60) == 2
    second.clear("key")
    assert first.get("key") == 0


def _hit(uri: str, times: int) -> list[int]:
    storage = SQLiteStorage(uri)
    return [storage.incr("key", expiry=60) for _ in range(times)]


def test_processes_hitting_at_once_lose_no_count(uri):
    with multiprocessing.get_context("fork").Pool(2) as pool:
        counts = pool.starmap(_hit, [(uri, 200), (uri, 200)])
    # Every hit got its own number: no two processes read the same count.
    assert sorted(counts[0] + counts[1]) == list(range(1, 401))


def test_a_due_sweep_drops_expired_counters(uri):
    storage = SQLiteStorage(uri)
    storage.incr("gone", expiry=0)
    storage._next_sweep = 0.0  # due now
    storage.incr("kept", expiry=60)
    assert storage.reset() == 1  # only "kept" was left
