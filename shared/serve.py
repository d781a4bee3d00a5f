"""Run one service process: its HTTP app (waitress) and its background workers, or the
workers alone (``run_workers``, for a process of a service that serves from several).

SIGTERM or SIGINT stops the HTTP server, asks each worker to finish its batch and commit,
and waits for them. A worker that dies takes the process down with it (exit status 1),
so a supervisor restarts it instead of leaving an HTTP front on a dead consumer.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
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


def serve(
    app: Flask,
    *,
    name: str,
    host: str,
    port: int,
    workers: Sequence[Worker] = (),
    sock: socket.socket | None = None,
) -> int:
    """Serve until a signal or a worker failure; return the process exit status.

    ``sock``: a listening socket bound before (shared by several processes), instead of
    binding ``host``:``port`` here."""
    with _Running(name, workers) as running:
        if sock is None:
            server = create_server(app, host=host, port=port, threads=8, ident=f"accord-{name}")
        else:
            server = create_server(app, sockets=[sock], threads=8, ident=f"accord-{name}")
        log.info("%s listening on http://%s:%d", name, host, port)
        try:
            # waitress's own run() loops until its socket map is empty; one poll at a time
            # lets the loop see the flag within _LOOP_TIMEOUT_SECONDS.
            while not running.stopping.is_set():
                wasyncore.loop(
                    timeout=_LOOP_TIMEOUT_SECONDS,
                    map=server._map,
                    use_poll=server.adj.asyncore_use_poll,
                    count=1,
                )
        finally:
            # In-flight requests finish first; only then do the sockets close and the
            # workers stop, so nothing touches a connection the entrypoint is about to close.
            server.task_dispatcher.shutdown(timeout=_REQUEST_DRAIN_SECONDS)
            wasyncore.close_all(server._map)
    return running.exit_status


def run_workers(*, name: str, workers: Sequence[Worker]) -> int:
    """Run background workers without HTTP, until a signal or a worker failure; return
    the process exit status."""
    with _Running(name, workers) as running:
        while not running.stopping.wait(_LOOP_TIMEOUT_SECONDS):
            pass
    return running.exit_status


class _Running:
    """The workers' threads and the signals that stop them: on leaving, each worker is
    asked to stop and joined."""

    def __init__(self, name: str, workers: Sequence[Worker]) -> None:
        self._name = name
        self._workers = workers
        self.failed = threading.Event()
        self.stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._guard, args=(w,), name=type(w).__name__, daemon=True)
            for w in workers
        ]

    @property
    def exit_status(self) -> int:
        return 1 if self.failed.is_set() else 0

    def _guard(self, worker: Worker) -> None:
        try:
            worker.run()
        except BaseException:
            log.exception("%s: worker %s died", self._name, type(worker).__name__)
            self.failed.set()
            os.kill(os.getpid(), signal.SIGTERM)

    def _on_signal(self, signum: int, _frame: object) -> None:
        # Only a flag: an exception raised from here lands in whatever the main thread is
        # running, and waitress catches and logs those inside its handlers, so the server
        # would go on serving and be killed at the supervisor's timeout. A second signal
        # (Ctrl-C reaches the whole process group, then a supervisor's SIGTERM) changes
        # nothing.
        if not self.stopping.is_set():
            log.info("%s: %s received, shutting down", self._name, signal.Signals(signum).name)
            self.stopping.set()

    def __enter__(self) -> _Running:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        for worker in self._workers:
            worker.stop()
        for thread in self._threads:
            thread.join(_WORKER_JOIN_SECONDS)
