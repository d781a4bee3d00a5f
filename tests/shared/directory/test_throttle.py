"""The sign-in throttle's decision, on a clock the test moves; in memory and in the file
several processes share."""

import pytest

from shared.clock import TestClock
from shared.directory.throttle import SignInThrottle


@pytest.fixture(params=["memory", "file"])
def make(request, tmp_path):
    path = tmp_path / "sign-in.sqlite3" if request.param == "file" else None
    return lambda clock, **limits: SignInThrottle(clock, path=path, **limits)


def test_the_window_slides_and_the_wait_is_until_enough_failures_leave_it(make):
    clock = TestClock()
    throttle = make(clock, limit=3, window=100)
    for _ in range(3):  # at 0, 10 and 20
        assert throttle.attempt("ada@x.example") is None
        clock.advance(10)

    assert throttle.attempt(" ADA@x.example ") == 70  # the first failure leaves at 100
    assert throttle.attempt(" ADA@x.example ") == 70  # a refused attempt is not counted
    assert throttle.attempt("bo@x.example") is None
    clock.advance(70)
    assert throttle.attempt("ada@x.example") is None
    assert throttle.attempt("ada@x.example") == 10  # now the second leaves first


def test_a_success_forgets_the_failures(make):
    throttle = make(TestClock(), limit=2, window=100)
    assert throttle.attempt("ada@x.example") is None
    throttle.succeeded("ada@x.example")
    assert throttle.attempt("ada@x.example") is None
    assert throttle.attempt("ada@x.example") is None
    assert throttle.attempt("ada@x.example") == 100


def test_emails_that_never_come_back_are_forgotten(make):
    clock = TestClock()
    throttle = make(clock, limit=2, window=100)
    for n in range(50):
        throttle.attempt(f"guess{n}@x.example")
    clock.advance(100)
    throttle.attempt("ada@x.example")
    assert len(throttle) == 1


def test_processes_sharing_the_file_count_the_failures_together(tmp_path):
    clock = TestClock()
    path = tmp_path / "sign-in.sqlite3"
    first, second = (SignInThrottle(clock, path=path, limit=3, window=100) for _ in range(2))
    assert first.attempt("ada@x.example") is None
    assert second.attempt("ada@x.example") is None
    assert first.attempt("ada@x.example") is None
    assert second.attempt("ada@x.example") == 100  # not a fourth try because it asked elsewhere
    first.succeeded("ada@x.example")
    assert second.attempt("ada@x.example") is None
