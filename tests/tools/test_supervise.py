"""The supervisor behind `make run`: the backoff as pure decisions, and a real stack whose
registry is killed with SIGKILL while intake and the notifier go on answering."""

from __future__ import annotations

import os
import signal
import threading

import pytest
import requests
from e2e.helpers import service_env
from waiting import wait_until

from tools import stack
from tools.supervise import Backoff, Supervisor


def test_the_backoff_doubles_for_exits_in_a_row_up_to_its_ceiling():
    backoff = Backoff(first=1, ceiling=8, stable_after=60)
    assert [backoff.after_exit(ran_for=2) for _ in range(6)] == [1, 2, 4, 8, 8, 8]


def test_a_service_that_stayed_up_starts_from_the_first_wait_again():
    backoff = Backoff(first=1, ceiling=8, stable_after=60)
    backoff.after_exit(ran_for=2)
    backoff.after_exit(ran_for=2)
    assert backoff.after_exit(ran_for=61) == 1


def answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.mark.e2e
def test_a_killed_service_is_started_again_while_the_others_keep_answering(tmp_path):
    running = stack.start(service_env(tmp_path / "data"), log_dir=tmp_path)
    lines: list[str] = []
    supervisor = Supervisor(running, poll_every=0.1, say=lines.append)
    stopping = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stopping,), daemon=True)
    try:
        running.wait_ready()
        thread.start()
        killed = running.processes["registry"]
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(10)

        wait_until(lambda: supervisor.restarts["registry"] == 1, "the registry's restart")
        assert answers(running.urls["intake"]) and answers(running.urls["notifier"])
        wait_until(lambda: answers(running.urls["registry"]), "the new registry to answer")
        assert running.processes["intake"].poll() is None
        assert running.processes["notifier"].poll() is None
        assert lines[0] == "registry exited with code -9; starting it again in 1s"
        assert lines[1] == "registry started again (restart 1)"
    finally:
        stopping.set()
        thread.join(10)
        codes = running.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("registry")
