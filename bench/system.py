"""What the whole-system benchmarks share: the three services as processes on the
embedded profile with the demo identities, a webhook receiver for the notifier's pages,
an open-loop sender, a watcher that sees reports become searchable, and the services'
resident memory sampled while they work."""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from shared.directory import demo
from shared.settings import Settings
from tools import stack

# Ports apart from the other benchmarks' (report_latency uses 181xx), so they never meet.
PORTS = {
    "ACCORD_INTAKE_PORT": "18231",
    "ACCORD_REGISTRY_PORT": "18232",
    "ACCORD_NOTIFIER_PORT": "18233",
}
WEBHOOK_PORT = 18234
# Each poll is a search the registry serves (two pages of 20 at 100 reports/s): kept light
# so the watcher does not take the CPU it measures; 50 ms against goals of 1.5 and 2 s.
WATCH_EVERY_S = 0.05
# Open-loop threads, each with its own keep-alive connection: below waitress's limit of
# 100 connections, past which a new connection waits, unanswered, for an idle one to close.
SENDERS = 64


AIID = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "aiid" / "incidents.csv"


@cache
def _aiid() -> list[tuple[str, str]]:
    """The AIID's titles and descriptions: real text, so the normalizer (and the language
    model's pages) meet what they would in service."""
    with AIID.open(newline="") as rows:
        return [(r["title"], r["description"]) for r in csv.DictReader(rows) if r["title"]]


def report(n: int, severity: str = "medium", tlp: str = "GREEN") -> dict:
    title, description = _aiid()[n % len(_aiid())]
    return {
        "title": f"{title[:180]} (benchmark {n})",
        "description": description or title,
        "event_type": "incident",
        "severity": severity,
        "occurred_at": "2026-11-20T10:00:00+01:00",
        "countries": ["FR", "DE"],
        "reporting_organization": "Lab A",
        "tlp": tlp,
    }


class Pages:
    """A local HTTP receiver standing in for the notifier's webhook: each page's arrival
    time (perf_counter) and body."""

    def __init__(self, port: int) -> None:
        self.received: list[tuple[float, dict]] = []
        self._lock = threading.Lock()
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrived = time.perf_counter()
                with pages._lock:
                    pages.received.append((arrived, json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def first_page(self, incident_id: str) -> float | None:
        """When the first page naming ``incident_id`` arrived."""
        with self._lock:
            for arrived, body in self.received:
                if body.get("action") == "trigger" and any(
                    i.get("incident_id") == incident_id for i in body.get("incidents", [])
                ):
                    return arrived
        return None

    def wait_for(self, incident_ids, timeout: float) -> None:
        """Wait until every incident has had its first page, or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(self.first_page(i) is None for i in incident_ids):
            time.sleep(0.2)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class System:
    urls: dict[str, str]
    keys: dict[str, str]  # demo role variable (LAB_A, RISK_OWNER, ONCALL, ...) -> key
    running: stack.Stack
    pages: Pages

    def session(self, role: str) -> requests.Session:
        """A session with ``role``'s key, its connection pool as big as the sender's."""
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=SENDERS)
        session.mount("http://", adapter)
        session.headers["Authorization"] = f"Bearer {self.keys[role]}"
        return session


def _demo_keys(lines: list[str]) -> dict[str, str]:
    return {
        m.group(1): m.group(2)
        for line in lines
        if (m := re.fullmatch(r"export ACCORD_KEY_(\w+)=(\S+)", line))
    }


@contextmanager
def started(extra_env: dict[str, str] | None = None) -> Iterator[System]:
    """The three services on the embedded profile (``extra_env`` may change that), the
    demo identities seeded, the notifier paging the local receiver."""
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        pages = Pages(WEBHOOK_PORT)
        env = {
            "ACCORD_DATA_DIR": str(Path(tmp) / "data"),
            "ACCORD_LOG_LEVEL": "WARNING",
            "ACCORD_INTAKE_RATE_LIMIT": "1000000/minute",  # measure the system, not the limiter
            "ACCORD_WEBHOOK_URL": pages.url,
            **PORTS,
            **(extra_env or {}),
        }
        keys = _demo_keys(demo.seed(Settings.from_env(env)))
        running = stack.start(env, log_dir=Path(tmp))
        try:
            running.wait_ready()
            yield System(running.urls, keys, running, pages)
        finally:
            codes = running.stop()
            pages.close()
            if any(codes.values()):
                print({name: running.log(name)[-2000:] for name in codes if codes[name]})


def _servers():
    """tests/servers.py: the test servers, started as the tests start them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import servers

    return servers


@contextmanager
def elasticsearch_server() -> Iterator[str]:
    """noida-db, the Elasticsearch test server the tests use: its URL."""
    with tempfile.TemporaryDirectory(prefix="accord-bench-noida-") as tmp:
        noida = _servers().start_noida(Path(tmp))
        try:
            yield noida.elasticsearch_url
        finally:
            noida.stop()


@contextmanager
def kafka_broker() -> Iterator[dict[str, str]]:
    """The Tansu Kafka broker the tests use (tests/servers.py): the environment that puts
    the services' bus on it, the store staying embedded."""
    with tempfile.TemporaryDirectory(prefix="accord-bench-tansu-") as tmp:
        tansu = _servers().start_tansu(Path(tmp))
        try:
            yield {
                "ACCORD_BUS": "kafka",
                "ACCORD_KAFKA_BOOTSTRAP_SERVERS": tansu.kafka_bootstrap,
                # Tansu joins a group in about half the session timeout (TOOLING.md).
                "ACCORD_KAFKA_SESSION_TIMEOUT_MS": "2000",
                "ACCORD_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            }
        finally:
            tansu.stop()


# --- memory ---------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a service may serve with worker processes)."""
    pids, i = [pid], 0
    while i < len(pids):
        for task in Path(f"/proc/{pids[i]}/task").glob("*/children"):
            pids.extend(int(c) for c in task.read_text().split())
        i += 1
    return pids


def _kib(path: Path, label: str) -> int:
    match = re.search(rf"^{label}:\s+(\d+) kB", path.read_text(), re.M)
    return int(match.group(1)) if match else 0


def resident(pid: int) -> tuple[float, float]:
    """RSS and PSS (shared pages divided among their sharers) of ``pid``'s process tree, MB."""
    rss = pss = 0
    for p in tree(pid):
        try:
            rss += _kib(Path(f"/proc/{p}/status"), "VmRSS")
            pss += _kib(Path(f"/proc/{p}/smaps_rollup"), "Pss")
        except (FileNotFoundError, ProcessLookupError):
            pass  # a worker ended between listing and reading
    return rss / 1024, pss / 1024


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` and its descendants so far."""
    ticks = 0
    for process in tree(pid):
        # After the command, which is in parentheses: utime and stime, fields 14 and 15.
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class MemorySampler:
    """Peak RSS and PSS of each service, sampled every second while the benchmark runs."""

    running: stack.Stack
    peak: dict[str, tuple[float, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        for name, process in self.running.processes.items():
            rss, pss = resident(process.pid)
            old = self.peak.get(name, (0.0, 0.0))
            self.peak[name] = (max(old[0], rss), max(old[1], pss))

    def __enter__(self) -> MemorySampler:
        def loop() -> None:
            while not self._stop.wait(1.0):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# --- load -----------------------------------------------------------------------------


@dataclass
class Sent:
    """What one scheduled request came back with."""

    n: int
    status: int | None  # 0: no answer (connection error or timeout); None: nothing to do
    answered: float  # perf_counter when the answer arrived
    latency: float  # seconds from sending to the answer
    late: float  # how far behind its schedule it was sent
    body: dict = field(default_factory=dict)


def open_loop(
    rate: float,
    seconds: float,
    send: Callable[[int], requests.Response | None],
    workers: int = SENDERS,
) -> list[Sent]:
    """Call ``send(n)`` at ``rate`` per second for ``seconds`` on a fixed schedule, each
    call on a pool thread, whether or not earlier calls have answered (open loop: a slow
    server meets the same arrivals, it does not slow the client down). ``send`` returns
    None when it found nothing to do."""
    results: list[Sent] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.1

    def one(n: int, due: float) -> None:
        began = time.perf_counter()
        try:
            response = send(n)
            status = None if response is None else response.status_code
            body = response.json() if status and status < 500 and response.content else {}
        except requests.RequestException:
            status, body = 0, {}
        answered = time.perf_counter()
        with lock:
            results.append(Sent(n, status, answered, answered - began, began - due, body))

    with ThreadPoolExecutor(workers) as pool:
        for n in range(int(rate * seconds)):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n, due)
    return sorted(results, key=lambda s: s.n)


class Watcher:
    """Polls the registry's newest incidents and records when each id was first seen:
    searchable, at the latest, when the answer naming it arrived.

    The order is intake's ``received_at``, which the registry's arrival order follows only
    roughly (intake's threads commit in their own order), so a new incident may sit just
    below ones already seen: the watcher pages back until a whole page holds nothing new."""

    def __init__(self, registry_url: str, session: requests.Session) -> None:
        self.seen: dict[str, float] = {}
        self._url = f"{registry_url}/v1/incidents"
        self._session = session
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _poll(self) -> None:
        params = {"sort": "received", "order": "desc", "limit": 20}
        while True:
            answer = self._session.get(self._url, params=params, timeout=10)
            arrived = time.perf_counter()
            page = answer.json()
            new = [i["id"] for i in page["items"] if i["id"] not in self.seen]
            for incident_id in new:
                self.seen[incident_id] = arrived
            if not new or not page["next_cursor"]:
                return
            params["cursor"] = page["next_cursor"]

    def _loop(self) -> None:
        while not self._stop.wait(WATCH_EVERY_S):
            # A slow answer under load: what it would have named, the next poll finds.
            with suppress(requests.RequestException):
                self._poll()

    def __enter__(self) -> Watcher:
        self._poll()  # what is there already is not new
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def wait_for(self, ids: set[str], timeout: float) -> set[str]:
        """Wait until every id is seen or ``timeout`` passes; the ids the registry does not
        answer for, asked one by one (so the watcher's own misses never count as lost)."""
        deadline = time.monotonic() + timeout
        while (missing := ids - self.seen.keys()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return {
            i
            for i in missing
            if self._session.get(f"{self._url}/{i}", timeout=10).status_code != 200
        }


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"
