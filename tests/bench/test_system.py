"""The whole-system benchmarks' helpers: the open-loop sender, the webhook receiver, the
demo keys and the memory of a process tree."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import requests
from servers import free_port

from bench import system


class _Answer:
    def __init__(self, status: int, body: bytes = b"{}") -> None:
        self.status_code, self.content = status, body

    def json(self) -> dict:
        return {"id": "x"} if self.content else {}


def test_the_open_loop_sends_each_request_once_and_keeps_every_outcome():
    seen, lock = [], threading.Lock()

    def send(n: int):
        with lock:
            seen.append(n)
        if n == 3:
            raise requests.ConnectionError("refused")
        return None if n == 5 else _Answer(202 if n % 2 else 500)

    sent = system.open_loop(rate=200, seconds=0.05, send=send, workers=4)
    assert sorted(seen) == [s.n for s in sent] == list(range(10))
    by_n = {s.n: s for s in sent}
    assert (by_n[3].status, by_n[5].status, by_n[1].status, by_n[2].status) == (0, None, 202, 500)
    assert by_n[1].body == {"id": "x"} and by_n[2].body == {}  # a 5xx body is not read


def test_the_receiver_knows_each_incidents_first_trigger_and_nothing_else():
    pages = system.Pages(free_port())
    try:

        def page(action: str, incident: str) -> None:
            body = {"action": action, "incidents": [{"incident_id": incident}]}
            assert requests.post(pages.url, json=body, timeout=5).status_code == 204

        page("acknowledge", "a")
        page("trigger", "b")
        first = pages.first_page("b")
        page("trigger", "b")
        assert pages.first_page("b") == first
        assert pages.first_page("a") is None
    finally:
        pages.close()


def test_the_demo_keys_are_read_by_role():
    lines = [
        "# Demo identities",
        "export ACCORD_KEY_LAB_A=acc_1_s",
        "export ACCORD_KEY=acc_1_s",
        "export ACCORD_KEY_RISK_OWNER=acc_2_t",
        "  ada@lab-a.example  pw  (Lab A)",
    ]
    assert system._demo_keys(lines) == {"LAB_A": "acc_1_s", "RISK_OWNER": "acc_2_t"}


def test_a_process_trees_memory_counts_its_children():
    alone = system.resident(os.getpid())[0]
    ready = "import sys; print('up', flush=True); sys.stdin.read()"
    child = subprocess.Popen([sys.executable, "-c", ready], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert child.stdout.readline() == b"up\n"
        own = system.resident(child.pid)[0]
        assert own > 5  # an interpreter's worth of megabytes
        assert system.resident(os.getpid())[0] > alone + own / 2  # allows for noise
    finally:
        child.communicate(b"")
