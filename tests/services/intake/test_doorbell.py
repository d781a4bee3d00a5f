"""The relay's wake-up across processes: a ring in one process ends a wait in another."""

from __future__ import annotations

import multiprocessing

from services.intake.doorbell import Doorbell


def test_a_ring_from_another_process_wakes_a_wait_until_cleared():
    bell = Doorbell()
    assert not bell.wait(timeout=0)
    ringer = multiprocessing.get_context("fork").Process(target=bell.set)
    ringer.start()
    ringer.join(30)
    assert bell.wait(timeout=30)
    assert bell.wait(timeout=0)  # rung until cleared, like an Event that is set
    bell.clear()
    assert not bell.wait(timeout=0)


def test_rings_never_block_even_when_the_pipe_is_full():
    bell = Doorbell()
    for _ in range(100_000):  # far past a pipe's 64 KiB
        bell.set()
    bell.clear()
    assert not bell.wait(timeout=0)
