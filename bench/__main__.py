"""`make bench`: measure Accord on this machine and write bench/REPORT.md.

Not part of `make test`: these are measurements, not pass/fail checks.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    bus_throughput,
    duplicates,
    intake_cost,
    normalizer,
    report_latency,
    suggestions,
)

REPORT = Path(__file__).parent / "REPORT.md"


def main() -> int:
    sections = [
        report_latency.run(),
        intake_cost.run(),
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
    print(REPORT.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
