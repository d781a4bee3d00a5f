"""The rate limit's shared counters: a fixed window per key, the same for every process
that opens the file."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from services.intake.rate_storage import RateCounters, rate_path
from shared.settings import Settings


@pytest.fixture
def path(tmp_path):
    return rate_path(Settings(data_dir=tmp_path))


def test_hits_count_within_the_window_which_ends_when_it_began_plus_its_length(path):
    counters = RateCounters(path)
    assert [counters.hit("key", 60, now=1000.0 + n) for n in range(3)] == [
        (1, 1060.0),
        (2, 1060.0),
        (3, 1060.0),
    ]
    assert counters.hit("other", 60, now=1002.0) == (1, 1062.0)


def test_a_counter_past_its_window_starts_again(path):
    counters = RateCounters(path)
    counters.hit("key", 60, now=1000.0)
    counters.hit("key", 60, now=1030.0)
    assert counters.hit("key", 60, now=1060.0) == (1, 1120.0)


def test_two_connections_share_the_counts(path):
    first, second = RateCounters(path), RateCounters(path)
    first.hit("key", 60, now=1000.0)
    assert second.hit("key", 60, now=1001.0) == (2, 1060.0)


def _hit(path, times: int) -> list[int]:
    counters = RateCounters(path)
    return [counters.hit("key", 3600, now=1000.0)[0] for _ in range(times)]


def test_processes_hitting_at_once_lose_no_count(path):
    with multiprocessing.get_context("fork").Pool(2) as pool:
        counts = pool.starmap(_hit, [(path, 200), (path, 200)])
    # Every hit got its own number: no two processes read the same count.
    assert sorted(counts[0] + counts[1]) == list(range(1, 401))


def test_a_due_sweep_drops_expired_counters(path):
    counters = RateCounters(path)
    counters.hit("gone", 60, now=1000.0)
    counters._next_sweep = 0.0  # due now
    counters.hit("kept", 60, now=2000.0)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT key FROM counters").fetchall() == [("kept",)]
