"""Closed-loop HTTP load with wrk (Debian's wrk 4.1, installed by `make bench`): N
connections each send the next request as soon as the last one answered."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
CONNECTIONS = 8
ROUNDS = 3
SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))

_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{auth}
local f = io.open("{body}", "rb"); wrk.body = f:read("*a"); f:close()
"""
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Load:
    """The median of ``ROUNDS`` rounds: requests per second, latency percentiles (ms); over
    all rounds, answers other than 2xx/3xx and socket errors (wrk's 2 s timeout counts);
    the 1-minute load average when the rounds began."""

    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    load_average: float


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * _UNIT_MS[unit]


def parse(output: str) -> tuple[float, float, float, int, int]:
    """wrk --latency's output: requests/s, p50, p99 (ms), non-2xx/3xx answers, socket
    errors."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return (
        rps,
        p50,
        p99,
        int(bad.group(1)) if bad else 0,
        sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def post(url: str, body: Path, *, key: str | None = None) -> Load:
    """POST ``body`` to ``url`` under closed-loop load; medians of ``ROUNDS`` rounds."""
    auth = f'wrk.headers["Authorization"] = "Bearer {key}"' if key else ""
    load_average = os.getloadavg()[0]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_SCRIPT.format(auth=auth, body=body))
        script.flush()
        rounds = [
            parse(
                subprocess.run(
                    [
                        "wrk",
                        f"-t{THREADS}",
                        f"-c{CONNECTIONS}",
                        f"-d{SECONDS}s",
                        "--latency",
                        "-s",
                        script.name,
                        url,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            for _ in range(ROUNDS)
        ]
    rps, p50, p99 = (statistics.median(column) for column in list(zip(*rounds, strict=True))[:3])
    return Load(rps, p50, p99, sum(r[3] for r in rounds), sum(r[4] for r in rounds), load_average)
