"""The bus's commands, for an operator.

``accord dead-letters list``: every dead letter with the consumer that gave up on it, where
it came from and why, and whether it was replayed. ``accord dead-letters replay --id ID``
(or ``--all``: every one not replayed yet) sends the originals back to their topics.
``accord lag``: what each service's consumer group has not committed, per partition.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from shared import bus as buses
from shared.bus import dead_letters
from shared.bus.interfaces import Bus
from shared.errors import Unavailable
from shared.settings import Settings
from shared.topics import CONSUMER_GROUPS, DEAD_LETTERS, consumer_groups, topic_name


def register(commands: argparse._SubParsersAction) -> None:
    letters = commands.add_parser(
        "dead-letters", help="read and replay the dead-letter topic"
    ).add_subparsers(required=True, metavar="ACTION")
    letters.add_parser(
        "list", help="every dead letter: its origin, the reason, whether it was replayed"
    ).set_defaults(func=_on_bus(list_letters))
    replay = letters.add_parser("replay", help="send dead letters back to their topics")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", dest="ids", metavar="ID", help="repeatable")
    which.add_argument("--all", action="store_true", help="every one not replayed yet")
    replay.set_defaults(func=_on_bus(replay_letters))
    lag = commands.add_parser("lag", help="each service's consumer lag, per partition")
    lag.add_argument(
        "--service",
        action="append",
        dest="services",
        default=[],
        choices=list(CONSUMER_GROUPS),
        help="only this service's group (repeatable; default: every service)",
    )
    lag.set_defaults(func=_on_bus(show_lag))


@contextmanager
def connected() -> Iterator[tuple[Settings, Bus]]:
    settings = Settings.from_env()
    bus = buses.connect(settings)
    try:
        yield settings, bus
    finally:
        bus.close()


def _on_bus(run: Callable[[Settings, Bus, argparse.Namespace], int]):
    """Run ``run`` on the settings' bus; a bus that is away is one line and exit 1."""

    def func(args: argparse.Namespace) -> int:
        try:
            with connected() as (settings, bus):
                return run(settings, bus, args)
        except Unavailable as exc:
            print(f"accord: the bus does not answer: {exc}", file=sys.stderr)
            return 1

    return func


def _read(settings: Settings, bus: Bus) -> list[dead_letters.DeadLetter]:
    return dead_letters.read(bus.replay(topic_name(settings.topic_prefix, DEAD_LETTERS)))


def list_letters(settings: Settings, bus: Bus, _: argparse.Namespace) -> int:
    letters = _read(settings, bus)
    for letter in letters:
        where = f"{letter.source_topic}[{letter.partition}]@{letter.offset}"
        print(f"{letter.id}  {letter.at}  {where}  key {letter.key}  by {letter.consumer}")
        print(f"    reason: {letter.reason}")
        if letter.replayed_at:
            print(f"    replayed {letter.replayed_at}")
    replayed = sum(1 for letter in letters if letter.replayed_at)
    print(f"{len(letters)} dead letters, {replayed} replayed")
    return 0


def replay_letters(settings: Settings, bus: Bus, args: argparse.Namespace) -> int:
    letters = _read(settings, bus)
    if args.all:
        chosen = [letter for letter in letters if not letter.replayed_at]
    else:
        by_id = {letter.id: letter for letter in letters}
        unknown = [i for i in args.ids if i not in by_id]
        if unknown:
            print(f"accord: no dead letter {', '.join(unknown)}: nothing sent", file=sys.stderr)
            return 1
        chosen = [by_id[i] for i in dict.fromkeys(args.ids)]
    producer = bus.producer()
    try:
        sent = dead_letters.replay(
            producer, chosen, dead_letter_topic=topic_name(settings.topic_prefix, DEAD_LETTERS)
        )
    finally:
        producer.close()
    for letter in chosen:
        print(f"{letter.id} -> {letter.source_topic}")
    print(f"replayed {sent} dead letters")
    return 0


def show_lag(settings: Settings, bus: Bus, args: argparse.Namespace) -> int:
    rows = [("GROUP", "TOPIC", "PARTITION", "LAG")]
    for group, topic in consumer_groups(settings.topic_prefix, *args.services):
        lags = bus.partition_lag(group, topic)
        rows += [(group, topic, str(p), str(lag)) for p, lag in sorted(lags.items())]
        rows.append((group, topic, "total", str(sum(lags.values()))))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0
