"""The dispatcher: sends apart from consumption.

Jobs (a page, a digest, a follow-up) run on a small thread pool, one at a time per key,
so a slow or dead channel holds a worker, never the consumer or the timers. A job that
meets an away bus (its record cannot be written) is left for the timers to submit again
after ``retry_after``: the engine still sees the page as due.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from shared.errors import Unavailable

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        *,
        workers: int = 4,
        on_unavailable: Callable[[timedelta], None] = lambda delay: None,
        retry_after: timedelta = timedelta(seconds=5),
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch")
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._on_unavailable = on_unavailable
        self._retry_after = retry_after

    def submit(self, key: str, job: Callable[[], object]) -> bool:
        """Run ``job`` unless one for ``key`` is queued or running; returns whether."""
        with self._lock:
            if key in self._in_flight:
                return False
            self._in_flight.add(key)
        self._pool.submit(self._run, key, job)
        return True

    def in_flight(self) -> set[str]:
        with self._lock:
            return set(self._in_flight)

    def _run(self, key: str, job: Callable[[], object]) -> None:
        try:
            job()
        except Unavailable as exc:
            log.warning("dispatching %s: %s; trying again later", key, exc)
            self._on_unavailable(self._retry_after)
        except Exception:
            log.exception("dispatching %s failed", key)
            self._on_unavailable(self._retry_after)
        finally:
            with self._lock:
                self._in_flight.discard(key)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
