"""The broker goes away while labs file reports concurrently: intake keeps answering 202
(the outbox takes them), and once the broker is back every accepted report reaches the
registry exactly once.

"Away" is the broker frozen (SIGSTOP, then SIGCONT) on Kafka (noida-db): requests in
flight hang until their timeouts rather than fail at once, and a produce the client gave
up on may still land after the thaw, beside its retry. A clean stop is
tests/e2e/test_durability.py's. On the embedded bus it is the bus database's write lock
held by the test, as a stuck process would."""

from __future__ import annotations

import itertools
import signal
import sqlite3

import pytest
import requests
from e2e.helpers import accord, report
from resilience.support import (
    Clients,
    assert_each_registered_once,
    deployed,
    registered_count,
)
from servers import start_noida
from waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.resilience, pytest.mark.timeout(400)]

FILERS = 4
DURING = 60  # reports accepted while the broker is away


class Filers(Clients):
    """Lab clients filing reports from threads until stopped; each 202's id, and any other
    answer."""

    def __init__(self, intake: str, key: str) -> None:
        super().__init__(FILERS)
        self._url = f"{intake}/v1/reports"
        self._headers = {"Authorization": f"Bearer {key}"}
        self._numbers = itertools.count()  # next() is atomic under the GIL
        self.accepted: list[str] = []
        self.refused: list[tuple[int, str]] = []

    def call(self, session: requests.Session, client: int) -> None:
        body = report(f"Filed under load {client}-{next(self._numbers)}")
        answer = session.post(self._url, json=body, headers=self._headers, timeout=30)
        if answer.status_code == 202:
            self.accepted.append(answer.json()["id"])
        else:
            self.refused.append((answer.status_code, answer.text))

    def accepted_more(self, than: int) -> bool:
        return len(self.accepted) >= than


def outbox_depth(env: dict[str, str]) -> int:
    """What waits in intake's outbox, as ``accord outbox`` tells an operator."""
    return int(accord(env, "outbox").split()[0])


@pytest.mark.parametrize("profile", ["embedded", pytest.param("cluster", marks=pytest.mark.kafka)])
def test_reports_filed_while_the_broker_is_away_all_reach_the_registry_once(
    tmp_path, httpserver, profile
):
    noida = start_noida(tmp_path / "noida") if profile == "cluster" else None
    try:
        with deployed(
            tmp_path, httpserver, noida=noida, ACCORD_INTAKE_RATE_LIMIT="100000/minute"
        ) as d:
            registry = d.urls["registry"]
            with Filers(d.urls["intake"], d.key) as filers:
                wait_until(lambda: registered_count(registry, d.key) >= 20, "reports flowing", 60)
                if noida is not None:
                    noida.server.process.send_signal(signal.SIGSTOP)
                else:
                    lock = sqlite3.connect(tmp_path / "data" / "bus.sqlite3", isolation_level=None)
                    lock.execute("BEGIN EXCLUSIVE")
                try:
                    during = len(filers.accepted) + DURING
                    wait_until(lambda: filers.accepted_more(during), "filing while away", 120)
                    # Nothing left the outbox meanwhile: the broker was away indeed.
                    assert outbox_depth(d.env) >= DURING
                finally:
                    if noida is not None:
                        noida.server.process.send_signal(signal.SIGCONT)
                    else:
                        lock.rollback()
                        lock.close()
                after = len(filers.accepted) + DURING
                wait_until(lambda: filers.accepted_more(after), "filing after", 120)
            assert filers.refused == []
            assert_each_registered_once(registry, d.key, filers.accepted, timeout=240)
    finally:
        if noida is not None:
            noida.stop()
