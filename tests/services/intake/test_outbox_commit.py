"""The outbox's group commit, on real SQLite: concurrent adds share one transaction (one
fsync), each returns only once its row is durable, and a failed commit fails every add in
it and leaves none of them behind."""

from __future__ import annotations

import sqlite3
import threading

from problems import assert_problem
from waiting import wait_until

from services.intake.outbox import Outbox
from shared.errors import Unavailable

ADDS = 8


def _add(outbox: Outbox, n: int, *, envelope: bytes = b"{}") -> str:
    return outbox.add(
        report_id=f"r{n}",
        organization_id="org",
        title=f"report {n}",
        envelope=envelope,
        accepted_at="2026-12-03T10:00:00+00:00",
        request_sha256=f"sha{n}",
    )


def _concurrently(outbox: Outbox, add) -> dict[int, object]:
    """``add(n)`` in ``ADDS`` threads that all queue while the connection is busy, then go
    through together; each thread's result or exception."""
    results: dict[int, object] = {}

    def run(n: int) -> None:
        try:
            results[n] = add(n)
        except Exception as exc:  # the test looks at it
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(ADDS)]
    with outbox._lock:  # the connection is busy with an earlier commit
        for thread in threads:
            thread.start()
        wait_until(lambda: len(outbox._queue) == ADDS, "every add to queue")
    for thread in threads:
        thread.join()
    return results


def _stored(path) -> int:
    """Rows another connection (another process) sees."""
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM reports").fetchone()[0]


def test_concurrent_adds_commit_in_one_transaction_and_are_durable_on_return(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    outbox = Outbox(path)
    statements: list[str] = []
    outbox._conn.set_trace_callback(statements.append)
    results = _concurrently(outbox, lambda n: _add(outbox, n))
    assert results == {n: f"r{n}" for n in range(ADDS)}
    assert statements.count("COMMIT") == 1
    assert sum(s.startswith("INSERT INTO reports") for s in statements) == ADDS
    assert _stored(path) == ADDS
    outbox.close()


def test_a_failed_commit_fails_every_add_in_it_and_keeps_none(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    outbox = Outbox(path)
    _add(outbox, 100)
    # The disk is full: the database may not grow past what it holds now, and each report
    # of the batch needs pages of its own.
    (pages,) = outbox._conn.execute("PRAGMA page_count").fetchone()
    outbox._conn.execute(f"PRAGMA max_page_count = {pages}")
    results = _concurrently(outbox, lambda n: _add(outbox, n, envelope=b"x" * 20_000))
    assert all(isinstance(result, Unavailable) for result in results.values()), results
    assert all("full" in str(result) for result in results.values())
    assert _stored(path) == 1  # the batch's first rows were rolled back with the rest
    # Once there is room again, the next add goes through.
    outbox._conn.execute("PRAGMA max_page_count = 1000000")
    assert _add(outbox, 101) == "r101"
    assert _stored(path) == 2
    outbox.close()


def test_an_idempotent_retry_in_the_same_batch_gets_the_first_id(tmp_path):
    outbox = Outbox(tmp_path / "outbox.sqlite3")

    def add(n: int) -> str:
        return outbox.add(
            report_id=f"r{n}",
            organization_id="org",
            title="the same report",
            envelope=b"{}",
            accepted_at="2026-12-03T10:00:00+00:00",
            request_sha256="sha",
            idempotency_key="once",
        )

    results = _concurrently(outbox, add)
    assert len(set(results.values())) == 1
    assert _stored(tmp_path / "outbox.sqlite3") == 1
    outbox.close()


def test_the_api_answers_503_when_the_outbox_cannot_store(client, outbox, valid_report):
    outbox._conn.close()  # the database connection is gone from under the process
    body = assert_problem(client.post("/v1/reports", json=valid_report()), 503)
    assert "outbox could not store the report" in body["detail"]
