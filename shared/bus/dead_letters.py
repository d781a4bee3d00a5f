"""The dead-letter topic as an operator reads it: each dead letter with its reason, and
whether it was replayed; and the replay, which sends the original back to its topic.

A replay appends ``message.replayed`` to the dead-letter topic in the same flush as the
original, so the topic itself remembers what was replayed (the consumers are idempotent,
so replaying one twice does no harm either).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from shared.bus.interfaces import Producer, Record
from shared.envelope import Envelope, InvalidMessage, decode, encode, utcnow

DEAD_LETTERED = "message.dead_lettered"
REPLAYED = "message.replayed"


@dataclass(frozen=True)
class DeadLetter:
    id: str
    at: str
    consumer: str  # the producer of the dead letter: the consumer that gave up
    source_topic: str
    partition: int
    offset: int
    key: str | None
    reason: str
    value: str
    replayed_at: str | None = None


def read(records: Iterable[Record]) -> list[DeadLetter]:
    """The dead letters in the topic's order, each with the time of its last replay."""
    letters: dict[str, DeadLetter] = {}
    replays: dict[str, str] = {}
    for record in records:
        try:
            event = decode(record.value)
        except InvalidMessage:
            continue  # nothing on this topic is ours to judge; the consumers wrote it
        p = event.payload
        if event.type == DEAD_LETTERED:
            letters[event.id] = DeadLetter(
                id=event.id,
                at=event.occurred_at,
                consumer=event.producer,
                source_topic=p["source_topic"],
                partition=p["partition"],
                offset=p["offset"],
                key=p["key"],
                reason=p["reason"],
                value=p["value"],
            )
        elif event.type == REPLAYED:
            replays[p["dead_letter_id"]] = p["replayed_at"]
    return [replace(letter, replayed_at=replays.get(letter.id)) for letter in letters.values()]


def replay(producer: Producer, letters: Iterable[DeadLetter], *, dead_letter_topic: str) -> int:
    """Send each letter's original value back to its topic under its key, and record the
    replay; return how many were sent. The value is the one the dead letter kept (text: an
    original that was not UTF-8 comes back with its bad bytes replaced)."""
    count = 0
    for letter in letters:
        producer.send(letter.source_topic, key=letter.key or "", value=letter.value.encode())
        now = utcnow().isoformat()
        marker = Envelope(
            type=REPLAYED,
            key=letter.key or letter.id,
            producer="accord-cli",
            payload={
                "dead_letter_id": letter.id,
                "source_topic": letter.source_topic,
                "replayed_at": now,
            },
        )
        producer.send(dead_letter_topic, key=marker.key, value=encode(marker))
        count += 1
    producer.flush()
    return count
