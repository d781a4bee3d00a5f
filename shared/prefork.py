"""One service as several processes: forked from a parent that has loaded what they share
(a listening socket, a language model) and watches them.

Each child runs one function and exits with its status. The parent forwards SIGTERM and
SIGINT to every child and waits for them; a child that exits on its own takes the others
down (the parent stops them and exits 1), so a supervisor restarts the whole service, as
it does a single process that dies. A child also gets SIGTERM if the parent is killed
outright, so none is left serving alone.

Fork before opening anything a child must not share (SQLite connections, threads): each
child opens its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.2
_STOP_SECONDS = 25  # under the supervisor's 30 s: a child that hangs is killed here


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` for every child to accept from."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family, backlog=1024)


def run(name: str, children: Sequence[tuple[str, Callable[[], int]]]) -> int:
    """Fork one process per (label, function); return once all have exited: 0 when a
    signal stopped them and each exited 0, else 1."""
    gc.freeze()  # what is loaded now stays shared: the children's collector never touches it
    alive: dict[int, str] = {}
    for label, function in children:
        pid = os.fork()
        if pid == 0:
            os._exit(_child(name, label, function))
        alive[pid] = label
    log.info("%s: %s", name, ", ".join(f"{label} pid {pid}" for pid, label in alive.items()))
    stopping = False
    failed = False

    def stop_all(signum: int = signal.SIGTERM, _frame: object = None) -> None:
        nonlocal stopping
        stopping = True
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):  # exited: waitpid collects it
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    deadline = None
    while alive:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            if deadline is None and stopping:
                deadline = time.monotonic() + _STOP_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                log.error("%s: %s did not stop, killing it", name, ", ".join(alive.values()))
                for child in alive:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(child, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(_POLL_SECONDS)
            continue
        label = alive.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        # A child still starting when asked to stop dies of the SIGTERM itself.
        if not stopping or code not in (0, -signal.SIGTERM):
            failed = True
            log.error("%s: %s (pid %d) exited with %d", name, label, pid, code)
        if not stopping:
            log.error("%s: stopping the others", name)
            stop_all()
    return 1 if failed else 0


def _child(name: str, label: str, function: Callable[[], int]) -> int:
    # Dies with the parent, even one killed with SIGKILL (Linux; elsewhere a child
    # outlives a killed parent).
    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "prctl"):
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    try:
        return function()
    except BaseException:
        log.exception("%s: %s failed", name, label)
        return 1
    finally:
        logging.shutdown()
