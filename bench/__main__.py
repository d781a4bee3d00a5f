"""`make bench`: measure Accord on this machine and write bench/REPORT.md.

Not part of `make test`: these are measurements, not pass/fail checks.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    bus_throughput,
    codec,
    duplicates,
    elasticsearch_ingest,
    end_to_end,
    escalation_latency,
    intake_cost,
    intake_floor,
    memory,
    normalizer,
    rebuild,
    report_latency,
    store_floor,
    suggestions,
    sustained,
)

REPORT = Path(__file__).parent / "REPORT.md"
REPORT_JSON = Path(__file__).parent / "report.json"


def main() -> int:
    # The goals next to their floors come first, while the machine is as quiet as it gets.
    intake_text, intake_results = intake_floor.run()
    store_text, store_results = store_floor.run()
    elasticsearch_text, elasticsearch_results = elasticsearch_ingest.run()
    rebuild_text, rebuild_results = rebuild.run()
    end_to_end_text, end_to_end_results = end_to_end.run()
    memory_text, memory_results = memory.run()
    escalation_text, escalation_results = escalation_latency.run()
    sustained_text, sustained_results = sustained.run()
    sections = [
        intake_text,
        store_text,
        elasticsearch_text,
        rebuild_text,
        report_latency.run(),
        end_to_end_text,
        memory_text,
        escalation_text,
        sustained_text,
        intake_cost.run(),
        codec.run(),
        normalizer.run(),
        suggestions.run(),
        duplicates.run(),
        bus_throughput.run(),
    ]
    header = (
        "# Accord benchmarks\n\n"
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores.\n"
    )
    REPORT.write_text(header + "\n" + "\n".join(sections))
    REPORT_JSON.write_text(
        json.dumps(
            {
                "written_at": datetime.now(UTC).isoformat(),
                "cores": len(os.sched_getaffinity(0)),
                "intake": intake_results,
                "registry": store_results,
                "registry_elasticsearch": elasticsearch_results,
                "rebuild": rebuild_results,
                "end_to_end": end_to_end_results,
                "memory": memory_results,
                "escalation": escalation_results,
                "sustained": sustained_results,
            },
            indent=2,
        )
        + "\n"
    )
    print(REPORT.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
