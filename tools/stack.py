"""Start and stop the three services as processes: for `make run`, the end-to-end tests
and the benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import requests

SERVICES = ("intake", "registry", "notifier")
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


class StackError(RuntimeError):
    pass


@dataclass
class Stack:
    urls: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def launch(self, name: str) -> None:
        """Start service ``name`` (again, after it exited), its output appended to its log."""
        output = self.logs[name].open("ab") if name in self.logs else None
        try:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "start", name],  # `accord start`
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
        finally:
            if output is not None:
                output.close()  # the child has its own copy

    def wait_ready(self, timeout: float = READY_TIMEOUT_S, *, probe: str = "/readyz") -> None:
        """Wait until every service answers 200 on ``probe`` (``/healthz``: the process
        serves, whether or not its bus and store answer)."""
        deadline = time.monotonic() + timeout
        for name, url in self.urls.items():
            while True:
                process = self.processes[name]
                if process.poll() is not None:
                    raise StackError(f"{name} exited with {process.returncode}:\n{self.log(name)}")
                try:
                    if requests.get(f"{url}{probe}", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise StackError(f"{name} not ready after {timeout:.0f}s:\n{self.log(name)}")
                time.sleep(0.1)

    def log(self, name: str) -> str:
        path = self.logs.get(name)
        return path.read_text(errors="replace") if path and path.exists() else ""

    def stop(self) -> dict[str, int]:
        """SIGTERM every service, wait for a clean exit (SIGKILL past the timeout)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes


def start(env: Mapping[str, str], *, log_dir: Path | None = None) -> Stack:
    """Start every service with ``env`` added to this process's environment.

    Output goes to ``log_dir/<service>.log`` when given, else to this terminal.
    """
    full_env = {**os.environ, **env}
    host = full_env.get("ACCORD_HOST", "127.0.0.1")
    defaults = {"intake": 8001, "registry": 8002, "notifier": 8003}
    stack = Stack(
        urls={
            name: f"http://{host}:{full_env.get(f'ACCORD_{name.upper()}_PORT', defaults[name])}"
            for name in SERVICES
        },
        env=full_env,
    )
    for name in SERVICES:
        if log_dir is not None:
            stack.logs[name] = log_dir / f"{name}.log"
            stack.logs[name].write_bytes(b"")
        stack.launch(name)
    return stack
