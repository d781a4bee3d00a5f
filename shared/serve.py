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
_LOOP_TIMEOUT_SECONDS = 0.2
_WORKER_JOIN_SECONDS = 30


class Worker(Protocol):
    def run(self) -> None: ...

    def stop(self) -> None: ...


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

    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        # Only a flag: an exception raised from here lands in whatever the main thread is
        # running, and waitress catches and logs those inside its handlers, so the server
        # would go on serving and be killed at the supervisor's timeout. A second signal
        # (Ctrl-C reaches the whole process group, then a supervisor's SIGTERM) changes
        # nothing.
        if not stopping.is_set():
            log.info("%s: %s received, shutting down", name, signal.Signals(signum).name)
            stopping.set()

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
        # waitress's own run() loops until its socket map is empty; one poll at a time
        # lets the loop see the flag within _LOOP_TIMEOUT_SECONDS.
        while not stopping.is_set():
            wasyncore.loop(
                timeout=_LOOP_TIMEOUT_SECONDS,
                map=server._map,
                use_poll=server.adj.asyncore_use_poll,
                count=1,
            )
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
