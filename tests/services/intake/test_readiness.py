"""Intake is ready only once every HTTP process has read the directory from the bus."""

from __future__ import annotations

import multiprocessing

import pytest

from services.intake.readiness import Readiness
from shared.bus.embedded import EmbeddedBus
from shared.errors import Unavailable


def _load(readiness: Readiness, index: int, path) -> None:
    bus = EmbeddedBus(path)  # its own connection: none crosses a fork
    readiness.projection(index, None).load(bus, "test")
    bus.close()


def test_ready_once_every_process_has_loaded_the_directory_even_in_another_process(tmp_path, bus):
    readiness = Readiness(2)
    with pytest.raises(Unavailable, match="2 of intake's 2 processes"):
        readiness.check()
    readiness.projection(0, None).load(bus, "test")
    with pytest.raises(Unavailable, match="1 of intake's 2 processes"):
        readiness.check()
    child = multiprocessing.get_context("fork").Process(
        target=_load, args=(readiness, 1, tmp_path / "bus.sqlite3")
    )
    child.start()
    child.join(30)
    assert child.exitcode == 0
    readiness.check()  # the child's mark is seen here
