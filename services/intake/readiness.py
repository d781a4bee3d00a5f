"""Whether every HTTP process of intake has read the directory from the bus, in memory
the processes share (made before the fork).

Each process answers 401 to keys it has not read yet, and a probe's ``/readyz`` reaches
one process only: with this check, any one answers ready only once all of them are, so
nothing is sent to intake while a process would still refuse a valid key.
"""

from __future__ import annotations

import multiprocessing

from shared.bus.interfaces import Bus
from shared.directory.cache import DirectoryCache
from shared.directory.projection import DirectoryProjection
from shared.errors import Unavailable


class Readiness:
    def __init__(self, processes: int) -> None:
        self._loaded = multiprocessing.RawArray("b", processes)

    def projection(self, index: int, cache: DirectoryCache) -> DirectoryProjection:
        """Process ``index``'s directory projection, which marks it ready once loaded."""
        return _MarkingProjection(cache, lambda: self._loaded.__setitem__(index, 1))

    def check(self) -> None:
        waiting = self._loaded[:].count(0)
        if waiting:
            raise Unavailable(
                f"{waiting} of intake's {len(self._loaded)} processes have not read the"
                " directory yet"
            )


class _MarkingProjection(DirectoryProjection):
    def __init__(self, cache: DirectoryCache, loaded) -> None:
        super().__init__(cache)
        self._on_loaded = loaded

    def load(self, bus: Bus, prefix: str) -> int:
        count = super().load(bus, prefix)
        self._on_loaded()
        return count
