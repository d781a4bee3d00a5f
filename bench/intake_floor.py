"""Intake's POST /v1/reports next to its floor, a bare Flask JSON endpoint served the same
way (bench/bare_flask.py: as many HTTP processes, the same server), in the same run:
throughput and latency under closed-loop load (bench/load.py), and each one's memory after
the load (the proportional set size of all its processes: pages they share, such as what
the parent loaded before the fork, counted once)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.load import CONNECTIONS, ROUNDS, SECONDS, THREADS, Load, post
from bench.system import cpu_seconds, resident
from shared.directory import demo
from shared.settings import Settings
from tools.stack import Stack

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-report.json"
INTAKE_PORT, FLOOR_PORT = 18111, 18112


# Intake's HTTP processes, and so the floor's: the default, one per core.
PROCESSES = Settings().intake_processes


def _measure(url: str, pid: int, *, key: str | None = None) -> tuple[Load, float, float]:
    """The load, then the CPU each request cost all the server's processes (in ms: their
    CPU time over the requests, counted as the median rate times the rounds' length), and
    their memory after it."""
    cpu = cpu_seconds(pid)
    load = post(url, EXAMPLE, key=key)
    cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / (load.rps * SECONDS * ROUNDS)
    return load, cpu_ms, resident(pid)[1]


def _wait(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready in 60 s")


def _floor() -> tuple[Load, float, float]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_flask", str(FLOOR_PORT), str(PROCESSES)]
    )
    try:
        _wait(f"http://127.0.0.1:{FLOOR_PORT}/healthz", process)
        return _measure(f"http://127.0.0.1:{FLOOR_PORT}/v1/reports", process.pid)
    finally:
        process.terminate()
        process.wait(30)


def _intake() -> tuple[Load, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        key = demo.lab_key(settings, "Bench Lab")
        url = f"http://127.0.0.1:{INTAKE_PORT}"
        stack = Stack(
            urls={"intake": url},
            env={
                **os.environ,
                "ACCORD_DATA_DIR": str(settings.data_dir),
                "ACCORD_LOG_LEVEL": "ERROR",  # waitress warns of every queued request
                "ACCORD_INTAKE_RATE_LIMIT": "1000000/minute",  # measure intake, not the limiter
                "ACCORD_INTAKE_PORT": str(INTAKE_PORT),
                "ACCORD_INTAKE_PROCESSES": str(PROCESSES),
            },
        )
        stack.launch("intake")
        try:
            stack.wait_ready()
            return _measure(f"{url}/v1/reports", stack.processes["intake"].pid, key=key)
        finally:
            stack.stop()


def _row(name: str, floor: Load, accord: Load) -> str:
    return (
        f"| {name} | {floor.rps:,.0f} req/s, p50 {floor.p50_ms:.1f} ms, p99 {floor.p99_ms:.1f} ms"
        f" (load {floor.load_average:.1f}) | {accord.rps:,.0f} req/s, p50 {accord.p50_ms:.1f}"
        f" ms, p99 {accord.p99_ms:.1f} ms (load {accord.load_average:.1f}) |"
        f" {accord.rps / floor.rps:.2f} |"
    )


def run() -> tuple[str, dict]:
    floor, floor_cpu_ms, floor_mb = _floor()
    intake, intake_cpu_ms, intake_mb = _intake()
    results = {
        "load_generator": f"wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s, median of {ROUNDS}",
        "http_processes": PROCESSES,
        "floor": vars(floor) | {"resident_mb": floor_mb, "cpu_ms_per_request": floor_cpu_ms},
        "intake": vars(intake) | {"resident_mb": intake_mb, "cpu_ms_per_request": intake_cpu_ms},
        "throughput_ratio": intake.rps / floor.rps,
        "cpu_ratio": floor_cpu_ms / intake_cpu_ms,
        "memory_ratio": floor_mb / intake_mb,
    }
    text = (
        "## Intake POST /v1/reports next to the HTTP floor\n\n"
        f"Closed loop: `wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s --latency`, median of"
        f" {ROUNDS} rounds, the same body (docs/example-report.json), both served by"
        f" {PROCESSES} HTTP processes (shared.prefork: one socket bound before the fork) of"
        " shared.serve (waitress, 8 threads each). The floor is a bare Flask JSON endpoint"
        " (bench/bare_flask.py); intake runs alone on the embedded profile, with its relay"
        " process beside the HTTP ones, its rate limit raised out of the way. Load is the"
        " 1-minute load average as each measure began. The machine is shared, so the CPU"
        " each request cost the server (all its processes' CPU time over the requests) is"
        " the steadier measure: throughput on an idle machine follows its ratio."
        f" Answers other than 2xx: floor {floor.non_2xx}, intake {intake.non_2xx}; socket"
        f" errors (wrk's 2 s timeout included): floor {floor.socket_errors}, intake"
        f" {intake.socket_errors}.\n\n"
        "| measure | floor | Accord | ratio |\n|---|---|---|---|\n"
        + _row("intake POST /v1/reports", floor, intake)
        + "\n"
        f"| CPU per request, all processes | {floor_cpu_ms:.2f} ms | {intake_cpu_ms:.2f} ms |"
        f" {floor_cpu_ms / intake_cpu_ms:.2f} |\n"
        f"| memory after the load (PSS, all processes) | {floor_mb:.0f} MB |"
        f" {intake_mb:.0f} MB | {floor_mb / intake_mb:.2f} |\n"
    )
    return text, results
