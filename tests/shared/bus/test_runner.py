"""The consumer runner over a real embedded bus: handle, dead-letter, retry, commit, halt."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable

import pytest
from scrape import counted

from shared.bus.embedded import EmbeddedBus
from shared.bus.interfaces import Consumer, Record
from shared.bus.runner import (
    ConsumerRunner,
    DeadLetterBudget,
    DeadLetterRateExceeded,
    Handler,
)
from shared.clock import TestClock
from shared.envelope import Envelope, decode, encode
from shared.errors import Rejected, Unavailable
from shared.topics import CONTRACTS

TOPIC = "in"
DLQ = "dlq"
GROUP = "g"
PAYLOAD = CONTRACTS["reports"].events["report.accepted"]["examples"][0]["payload"]


def accepted(key: str) -> bytes:
    envelope = Envelope(
        type="report.accepted", key=key, producer="test", payload=copy.deepcopy(PAYLOAD)
    )
    return encode(envelope)


@pytest.fixture
def bus(tmp_path):
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics({TOPIC: 1, DLQ: 1})
    yield bus
    bus.close()


def publish(bus: EmbeddedBus, *values: tuple[str, bytes]) -> None:
    producer = bus.producer()
    for key, value in values:
        producer.send(TOPIC, key=key, value=value)
    producer.close()


class RecordingConsumer:
    """A real consumer that notes each commit in ``events``."""

    def __init__(self, consumer: Consumer, events: list[str]) -> None:
        self._consumer = consumer
        self._events = events

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        return self._consumer.poll(timeout, max_records)

    def commit(self) -> None:
        self._events.append("commit")
        self._consumer.commit()

    def close(self) -> None:
        self._consumer.close()


def runner(
    bus: EmbeddedBus, handler: Handler, consumer: Consumer | None = None, **options
) -> ConsumerRunner:
    options.setdefault("clock", TestClock())
    return ConsumerRunner(
        consumer or bus.consumer(GROUP, [TOPIC]),
        handler,
        producer=bus.producer(),
        dead_letter_topic=DLQ,
        name="test",
        poll_timeout=0.05,
        retry_backoff=(0.1, 0.4),
        **options,
    )


def run_until(runner: ConsumerRunner, done: Callable[[], bool], timeout: float = 5.0):
    """Run ``runner`` in a thread until ``done()`` holds or ``run()`` ends, then stop it;
    return what ``run()`` raised, if anything."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            runner.run()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while thread.is_alive() and not done() and time.monotonic() < deadline:
        time.sleep(0.005)
    runner.stop()
    thread.join(timeout)
    assert not thread.is_alive(), "run() did not return after stop()"
    return raised[0] if raised else None


def uncommitted_keys(bus: EmbeddedBus) -> list[str | None]:
    """What a fresh member of the group would read: everything after the last commit."""
    consumer = bus.consumer(GROUP, [TOPIC])
    try:
        return [r.key for r in consumer.poll(timeout=0.2)]
    finally:
        consumer.close()


def test_envelopes_reach_the_handler_in_order_and_are_committed_after(bus):
    publish(bus, *[(f"r{i}", accepted(f"r{i}")) for i in range(5)])
    seen: list[str] = []

    run = runner(bus, lambda batch: seen.extend(e.key for e in batch))
    assert run_until(run, lambda: len(seen) >= 5) is None

    assert seen == ["r0", "r1", "r2", "r3", "r4"]
    assert uncommitted_keys(bus) == []
    assert list(bus.replay(DLQ)) == []


def test_an_undecodable_record_is_dead_lettered_and_the_others_are_handled(bus):
    publish(bus, ("r0", accepted("r0")), ("bad", b"<html>oops</html>"), ("r2", accepted("r2")))
    seen: list[str] = []

    run = runner(bus, lambda batch: seen.extend(e.key for e in batch))
    assert run_until(run, lambda: len(seen) >= 2) is None

    assert seen == ["r0", "r2"]
    [record] = bus.replay(DLQ)
    assert record.key == "bad"
    dead = decode(record.value)
    assert dead.type == "message.dead_lettered"
    assert dead.producer == "test"
    assert dead.key == "bad"
    assert dead.payload["source_topic"] == TOPIC
    assert dead.payload["partition"] == 0
    assert dead.payload["offset"] == 1
    assert dead.payload["key"] == "bad"
    assert dead.payload["reason"].startswith("not JSON")
    assert dead.payload["value"] == "<html>oops</html>"
    assert uncommitted_keys(bus) == []


def _invalid(key: str, **report: object) -> bytes:
    """A JSON envelope from a producer that skipped the codec's checks."""
    data = json.loads(accepted(key))
    data["payload"]["report"] |= report
    return json.dumps(data).encode()


def test_an_invalid_payload_is_dead_lettered_naming_the_field_and_the_problem(bus):
    publish(
        bus,
        ("r0", accepted("r0")),
        ("typed", _invalid("typed", likelihood="3")),  # checked by the compiled types
        ("tagged", _invalid("tagged", language="!!")),  # by the schema's own callable
        ("r3", accepted("r3")),
    )
    seen: list[str] = []

    run = runner(bus, lambda batch: seen.extend(e.key for e in batch))
    assert run_until(run, lambda: len(seen) >= 2) is None

    assert seen == ["r0", "r3"]
    reasons = {r.key: decode(r.value).payload["reason"] for r in bus.replay(DLQ)}
    assert reasons == {
        "typed": 'invalid report.accepted payload: "report.likelihood": Expected `int`, got `str`',
        "tagged": 'invalid report.accepted payload: "report.language": Not a BCP 47 language tag.',
    }


def test_consumed_and_dead_lettered_records_are_counted(bus):
    def count(name: str) -> float:
        return counted(f"accord_messages_{name}_total", consumer="test", topic=TOPIC)

    consumed, dead = count("consumed"), count("dead_lettered")
    publish(bus, ("r0", accepted("r0")), ("bad", b"<html>oops</html>"), ("r2", accepted("r2")))
    seen: list[str] = []

    run = runner(bus, lambda batch: seen.extend(e.key for e in batch))
    assert run_until(run, lambda: count("consumed") >= consumed + 3) is None

    assert count("consumed") == consumed + 3
    assert count("dead_lettered") == dead + 1


def test_a_handler_that_finds_a_dependency_down_gets_the_same_batch_again(bus):
    publish(bus, ("r0", accepted("r0")), ("r1", accepted("r1")))
    calls: list[list[str]] = []
    events: list[str] = []

    def handler(batch: list[Envelope]) -> None:
        calls.append([e.key for e in batch])
        if len(calls) < 3:
            events.append("failed")
            raise Unavailable("store down")
        events.append("handled")

    clock = TestClock()
    consumer = RecordingConsumer(bus.consumer(GROUP, [TOPIC]), events)
    run = runner(bus, handler, consumer=consumer, clock=clock)
    assert run_until(run, lambda: "commit" in events) is None

    assert calls == [["r0", "r1"]] * 3
    assert events == ["failed", "failed", "handled", "commit"]
    assert clock.waits == [0.1, 0.2]  # exponential backoff between the tries
    assert uncommitted_keys(bus) == []


def test_the_backoff_doubles_up_to_its_ceiling(bus):
    publish(bus, ("r0", accepted("r0")))
    clock = TestClock()
    calls: list[int] = []

    def handler(batch: list[Envelope]) -> None:
        calls.append(len(batch))
        if len(calls) <= 5:
            raise Unavailable("store down")

    assert run_until(runner(bus, handler, clock=clock), lambda: len(calls) > 5) is None

    assert clock.waits[:5] == [0.1, 0.2, 0.4, 0.4, 0.4]


def test_a_rejected_message_is_dead_lettered_alone_and_its_batch_goes_on(bus):
    publish(bus, *[(f"r{i}", accepted(f"r{i}")) for i in range(4)])
    handled: list[str] = []
    batches: list[list[str]] = []

    def handler(batch: list[Envelope]) -> None:
        batches.append([e.key for e in batch])
        if any(e.key == "r2" for e in batch):
            raise Rejected("the store refuses r2's document")
        handled.extend(e.key for e in batch)

    run = runner(bus, handler)
    assert run_until(run, lambda: {"r0", "r1", "r3"} <= set(handled)) is None

    # The whole batch first; once rejected, one message at a time.
    assert batches == [["r0", "r1", "r2", "r3"], ["r0"], ["r1"], ["r2"], ["r3"]]
    [record] = bus.replay(DLQ)
    dead = decode(record.value)
    assert dead.key == "r2"
    assert dead.payload["reason"] == "rejected by the handler: the store refuses r2's document"
    assert dead.payload["offset"] == 2
    assert uncommitted_keys(bus) == []


def test_rejections_count_against_the_dead_letter_budget(bus):
    publish(bus, *[(f"r{i}", accepted(f"r{i}")) for i in range(3)])
    budget = DeadLetterBudget(window=10, max_ratio=0.5, min_count=2)

    def handler(batch: list[Envelope]) -> None:
        raise Rejected("nothing fits")

    raised = run_until(runner(bus, handler, budget=budget), lambda: False)

    assert isinstance(raised, DeadLetterRateExceeded)
    assert uncommitted_keys(bus) == ["r0", "r1", "r2"]


def test_prepare_is_retried_until_the_dependency_answers_then_records_flow(bus):
    publish(bus, ("r0", accepted("r0")))
    clock = TestClock()
    tries: list[int] = []
    seen: list[str] = []

    def prepare() -> None:
        tries.append(1)
        if len(tries) < 3:
            raise Unavailable("index not reachable yet")

    run = runner(bus, lambda b: seen.extend(e.key for e in b), prepare=prepare, clock=clock)
    assert run_until(run, lambda: seen == ["r0"]) is None

    assert len(tries) == 3
    assert clock.waits == [0.1, 0.2]


class FlakyConsumer(RecordingConsumer):
    """Polls fail ``failures`` times (the broker is away), then the real consumer answers."""

    def __init__(self, consumer: Consumer, failures: int) -> None:
        super().__init__(consumer, [])
        self.failures = failures

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        if self.failures:
            self.failures -= 1
            raise Unavailable("broker away")
        return super().poll(timeout, max_records)


def test_a_poll_that_finds_the_bus_away_is_retried_with_backoff(bus):
    publish(bus, ("r0", accepted("r0")))
    clock = TestClock()
    seen: list[str] = []
    consumer = FlakyConsumer(bus.consumer(GROUP, [TOPIC]), failures=3)

    run = runner(bus, lambda b: seen.extend(e.key for e in b), consumer=consumer, clock=clock)
    assert run_until(run, lambda: seen == ["r0"]) is None

    assert clock.waits == [0.1, 0.2, 0.4]


def test_stop_during_retries_returns_without_committing(bus):
    publish(bus, ("r0", accepted("r0")))
    calls: list[int] = []

    def handler(batch: list[Envelope]) -> None:
        calls.append(len(batch))
        raise Unavailable("store down")

    assert run_until(runner(bus, handler), lambda: len(calls) >= 2) is None

    assert uncommitted_keys(bus) == ["r0"]


def test_a_bug_in_the_handler_stops_the_runner_without_committing(bus):
    publish(bus, ("r0", accepted("r0")), ("r1", accepted("r1")))

    def handler(batch: list[Envelope]) -> None:
        raise KeyError("severity")

    raised = run_until(runner(bus, handler), lambda: False)

    assert isinstance(raised, KeyError)
    assert uncommitted_keys(bus) == ["r0", "r1"]


def test_too_many_dead_letters_halt_the_runner_without_committing(bus):
    publish(bus, ("r0", accepted("r0")), *[(f"bad{i}", b"{") for i in range(3)])
    seen: list[Envelope] = []
    budget = DeadLetterBudget(window=10, max_ratio=0.5, min_count=3)

    raised = run_until(runner(bus, seen.extend, budget=budget), lambda: False)

    assert isinstance(raised, DeadLetterRateExceeded)
    assert seen == []
    assert uncommitted_keys(bus) == ["r0", "bad0", "bad1", "bad2"]


class PollCounter(RecordingConsumer):
    def __init__(self, consumer: Consumer) -> None:
        super().__init__(consumer, [])
        self.polled = threading.Event()

    def poll(self, timeout: float = 1.0, max_records: int = 500) -> list[Record]:
        self.polled.set()
        return super().poll(timeout, max_records)


def test_stop_from_another_thread_makes_an_idle_run_return(bus):
    consumer = PollCounter(bus.consumer(GROUP, [TOPIC]))
    run = runner(bus, lambda batch: None, consumer=consumer)
    thread = threading.Thread(target=run.run, daemon=True)
    thread.start()
    assert consumer.polled.wait(5.0)  # it is in its idle loop
    assert thread.is_alive()

    run.stop()
    thread.join(5.0)

    assert not thread.is_alive()


T, F = True, False


@pytest.mark.parametrize(
    ("window", "deads"),
    [
        (10, [T, T]),  # under the minimum count
        (10, [F, F, F, T, T, T]),  # exactly the ratio
    ],
)
def test_dead_letter_budget_allows(window, deads):
    budget = DeadLetterBudget(window=window, max_ratio=0.5, min_count=3)
    for dead in deads:
        budget.record(dead)


@pytest.mark.parametrize(
    ("window", "deads"),
    [
        (10, [T, T, T]),
        (10, [F, F, F, T, T, T, T]),
        (4, [F] * 10 + [T, T, T]),  # a long good history does not hide a recent burst
    ],
)
def test_dead_letter_budget_halts_at_the_record_past_its_ratio(window, deads):
    budget = DeadLetterBudget(window=window, max_ratio=0.5, min_count=3)
    for dead in deads[:-1]:
        budget.record(dead)
    with pytest.raises(
        DeadLetterRateExceeded, match=r"^\d+ of the last \d+ records were dead-lettered$"
    ):
        budget.record(deads[-1])
