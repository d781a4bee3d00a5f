"""Embedded bus throughput: produce in batches, then consume with commits."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from shared.bus.embedded import EmbeddedBus

RECORDS = 50_000
BATCH = 500
VALUE = b"x" * 1024


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        bus = EmbeddedBus(Path(tmp) / "bus.sqlite3")
        bus.create_topics({"bench": 6})
        producer = bus.producer()
        started = time.perf_counter()
        for n in range(RECORDS):
            producer.send("bench", key=f"k{n % 1000}", value=VALUE)
            if n % BATCH == BATCH - 1:
                producer.flush()
        producer.flush()
        produce_rate = RECORDS / (time.perf_counter() - started)

        consumer = bus.consumer("bench", ["bench"])
        started, seen = time.perf_counter(), 0
        while seen < RECORDS:
            seen += len(consumer.poll(timeout=1.0, max_records=BATCH))
            consumer.commit()
        consume_rate = RECORDS / (time.perf_counter() - started)
        consumer.close()
        producer.close()
        bus.close()
    return (
        "## Embedded bus throughput\n\n"
        f"{RECORDS} records of 1 KiB, 6 partitions, flushed and committed every {BATCH}.\n\n"
        f"- produce: {produce_rate:,.0f} records/s\n"
        f"- consume + commit: {consume_rate:,.0f} records/s\n"
    )
