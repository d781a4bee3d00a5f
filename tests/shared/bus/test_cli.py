"""``accord dead-letters`` and ``accord lag`` against a real embedded bus, in-process."""

from __future__ import annotations

import threading

import pytest
from servers import free_port
from waiting import wait_until

from services.cli import main
from shared import bus as buses
from shared.bus.runner import ConsumerRunner
from shared.envelope import Envelope, decode, encode
from shared.errors import Rejected
from shared.settings import Settings
from shared.topics import CONTRACTS, DEAD_LETTERS, REPORTS, all_topics, topic_name

PREFIX = "ops"
DLQ, SOURCE = topic_name(PREFIX, DEAD_LETTERS), topic_name(PREFIX, REPORTS)
GOLDEN = CONTRACTS[REPORTS].events["report.accepted"]["examples"][0]


@pytest.fixture
def bus(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACCORD_TOPIC_PREFIX", PREFIX)
    bus = buses.connect(Settings.from_env())
    bus.create_topics(all_topics(PREFIX))
    yield bus
    bus.close()


def accord(capsys, *args: str, status: int = 0) -> str:
    assert main(list(args)) == status
    captured = capsys.readouterr()
    return captured.out + captured.err


def dead_letter(bus, key: str, value: bytes, reason: str) -> str:
    """A dead letter as the consumer runner writes it; its id."""
    envelope = Envelope(
        type="message.dead_lettered",
        key=key,
        producer="registry",
        payload={
            "source_topic": SOURCE,
            "partition": 1,
            "offset": 7,
            "key": key,
            "reason": reason,
            "value": value.decode(),
        },
    )
    producer = bus.producer()
    producer.send(DLQ, key=key, value=encode(envelope))
    producer.close()
    return envelope.id


def on_source(bus) -> list[tuple[str | None, bytes]]:
    return [(record.key, record.value) for record in bus.replay(SOURCE)]


def test_dead_letters_are_listed_with_their_origin_and_reason(bus, capsys):
    first = dead_letter(bus, "r1", b"<html>oops</html>", "not JSON: Expecting value")
    second = dead_letter(bus, "r2", b"{}", "rejected by the handler: 400 Bad Request")

    out = accord(capsys, "dead-letters", "list")

    assert f"{first}  " in out and f"{second}  " in out
    assert f"{SOURCE}[1]@7  key r1  by registry" in out
    assert "reason: not JSON: Expecting value" in out
    assert "reason: rejected by the handler: 400 Bad Request" in out
    assert out.strip().endswith("2 dead letters, 0 replayed")


def test_a_replay_sends_the_original_back_and_is_remembered(bus, capsys):
    good = encode(Envelope(**GOLDEN))
    chosen = dead_letter(bus, "r1", good, "the store was refusing it")
    dead_letter(bus, "r2", b"<html>oops</html>", "not JSON")

    out = accord(capsys, "dead-letters", "replay", "--id", chosen)

    assert f"{chosen} -> {SOURCE}" in out and "replayed 1 dead letters" in out
    assert on_source(bus) == [("r1", good)]
    assert decode(on_source(bus)[0][1]).type == "report.accepted"
    listed = accord(capsys, "dead-letters", "list")
    assert "replayed 20" in listed and listed.strip().endswith("2 dead letters, 1 replayed")
    # --all: only the one not replayed yet
    accord(capsys, "dead-letters", "replay", "--all")
    assert on_source(bus) == [("r1", good), ("r2", b"<html>oops</html>")]
    assert "replayed 0 dead letters" in accord(capsys, "dead-letters", "replay", "--all")


def test_an_unknown_id_sends_nothing(bus, capsys):
    known = dead_letter(bus, "r1", b"{}", "bad")

    out = accord(capsys, "dead-letters", "replay", "--id", known, "--id", "01NOPE", status=1)

    assert "no dead letter 01NOPE: nothing sent" in out
    assert on_source(bus) == []


def test_replay_wants_ids_or_all(bus, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["dead-letters", "replay"])
    assert exit_.value.code == 2
    assert "one of the arguments --id --all is required" in capsys.readouterr().err


def test_a_dead_letter_from_the_runner_is_replayed_onto_its_topic(bus, capsys):
    """The whole loop: a handler rejects a report, the runner dead-letters it, the operator
    replays it once the cause is fixed, and the consumer handles it."""
    report = encode(Envelope(**GOLDEN))
    producer = bus.producer()
    producer.send(SOURCE, key="r1", value=report)
    producer.close()
    handled: list[str] = []
    refusing = [True]

    def handler(batch: list[Envelope]) -> None:
        if refusing[0]:
            raise Rejected("the store refused it")
        handled.extend(envelope.key for envelope in batch)

    runner = ConsumerRunner(bus.consumer("ops.registry", [SOURCE]), handler,
                            producer=bus.producer(), dead_letter_topic=DLQ, name="registry",
                            poll_timeout=0.05)  # fmt: skip
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: list(bus.replay(DLQ)), "the report is dead-lettered")
        [letter] = [line for line in accord(capsys, "dead-letters", "list").splitlines()
                    if "by registry" in line]  # fmt: skip
        refusing[0] = False  # the cause is fixed

        accord(capsys, "dead-letters", "replay", "--id", letter.split()[0])

        wait_until(lambda: handled == [GOLDEN["key"]], "the replayed report is handled")
    finally:
        runner.stop()
        thread.join(10)


def test_lag_per_group_and_partition(bus, capsys):
    producer = bus.producer()
    for key in ("a", "b", "c"):
        producer.send(SOURCE, key=key, value=b"{}")
    producer.close()

    out = accord(capsys, "lag", "--service", "registry")

    lines = out.splitlines()
    assert lines[0].split() == ["GROUP", "TOPIC", "PARTITION", "LAG"]
    rows = [line.split() for line in lines[1:]]
    reports = [row for row in rows if row[0] == "ops.registry"]
    partitions = CONTRACTS[REPORTS].partitions
    assert [row[2] for row in reports] == [*map(str, range(partitions)), "total"]
    assert {row[0] for row in rows} == {"ops.registry", "ops.registry-acknowledgements"}
    assert sum(int(row[3]) for row in reports[:-1]) == 3 == int(reports[-1][3])
    everyone = accord(capsys, "lag")
    assert {"ops.intake", "ops.registry", "ops.notifier"} <= {
        line.split()[0] for line in everyone.splitlines()[1:]
    }


def test_lag_of_a_bus_that_is_away_is_one_line_and_exit_1(monkeypatch, capsys):
    monkeypatch.setenv("ACCORD_BUS", "kafka")
    monkeypatch.setenv("ACCORD_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("ACCORD_KAFKA_CONNECT_TIMEOUT_MS", "300")

    out = accord(capsys, "lag", status=1)

    assert out.startswith("accord: the bus does not answer")
