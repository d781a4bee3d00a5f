"""Several processes as one service: a signal stops them all, and one that exits on its
own takes the others down. Each case runs ``prefork.run`` in a process of its own, whose
signal handlers it may replace."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from functools import partial
from pathlib import Path

from waiting import wait_until

from shared import prefork


def _serve_until_signalled(started: Path) -> int:
    started.joinpath(str(os.getpid())).touch()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    while not stop:
        time.sleep(0.01)
    return 0


def _exit_once_the_other_serves(started: Path) -> int:
    wait_until(lambda: list(started.iterdir()), "the other child to start")
    return 0


def _run(children) -> None:
    os._exit(prefork.run("test", children))


def _start(children) -> multiprocessing.Process:
    parent = multiprocessing.get_context("fork").Process(target=_run, args=(children,))
    parent.start()
    return parent


def test_a_signal_stops_every_child_and_the_parent_exits_0(tmp_path):
    serve = partial(_serve_until_signalled, tmp_path)
    parent = _start([("a", serve), ("b", serve)])
    wait_until(lambda: len(list(tmp_path.iterdir())) == 2, "both children to start")
    os.kill(parent.pid, signal.SIGTERM)
    parent.join(30)
    assert parent.exitcode == 0
    for child in tmp_path.iterdir():
        assert not Path(f"/proc/{child.name}").exists()


def test_a_child_that_exits_on_its_own_takes_the_others_down(tmp_path):
    parent = _start(
        [
            ("serving", partial(_serve_until_signalled, tmp_path)),
            ("gone", partial(_exit_once_the_other_serves, tmp_path)),
        ]
    )
    parent.join(30)
    assert parent.exitcode == 1
    (serving,) = tmp_path.iterdir()
    assert not Path(f"/proc/{serving.name}").exists()
