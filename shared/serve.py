"""Run one service process: its HTTP app (waitress) and its background workers.

SIGTERM or SIGINT stops the HTTP server, asks each worker to finish its batch and commit,
and waits for them. A worker that dies takes the process down with it (exit status 1),
so a supervisor restarts it instead of leaving an HTTP front on a dead consumer.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Sequence
from typing import Protocol

from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger(__name__)

_REQUEST_DRAIN_SECONDS = 10
_WORKER_JOIN_SECONDS = 30


class Worker(Protocol):
    def run(self) -> None: ...

    def stop(self) -> None: ...


class _Stop(Exception):
    """Raised in the main thread by the signal handler to leave the server loop."""


def serve(app: Flask, *, name: str, host: str, port: int, workers: Sequence[Worker] = ()) -> int:
    """Serve until a signal or a worker failure; return the process exit status."""
    failed = threading.Event()

    def guard(worker: Worker) -> None:
        try:
            worker.run()
        except BaseException:
            log.exception("%s: worker %s died", name, type(worker).__name__)
            failed.set()
            os.kill(os.getpid(), signal.SIGTERM)

    def on_signal(signum: int, _frame: object) -> None:
        # Once is enough: a second signal (Ctrl-C reaches the whole process group, then a
        # supervisor's SIGTERM follows) must not interrupt the shutdown it started.
        # (A no-op handler, not SIG_IGN: a signal already on its way would then raise.)
        for each in (signal.SIGTERM, signal.SIGINT):
            signal.signal(each, lambda *_: None)
        raise _Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = create_server(app, host=host, port=port, threads=8, ident=f"accord-{name}")
    threads = [
        threading.Thread(target=guard, args=(w,), name=type(w).__name__, daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    log.info("%s listening on http://%s:%d", name, host, port)
    try:
        server.run()
    except _Stop as stop:
        log.info("%s: %s received, shutting down", name, stop)
    finally:
        # In-flight requests finish first; only then do the sockets close and the workers
        # stop, so nothing touches a connection the entrypoint is about to close.
        server.task_dispatcher.shutdown(timeout=_REQUEST_DRAIN_SECONDS)
        wasyncore.close_all(server._map)
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(_WORKER_JOIN_SECONDS)
    return 1 if failed.is_set() else 0
