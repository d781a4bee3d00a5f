"""What the fault tests share, on top of the end-to-end helpers: the three services with a
webhook receiver, clients calling them from threads while the fault happens, and the
checks every fault ends with (each accepted report in the registry exactly once; each
page delivered once, none missing)."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from e2e.helpers import create_api_key, create_oncall_person, eventually, service_env
from servers import Noida

from tools import stack


class Clients:
    """``count`` client threads, each with its own HTTP session, calling ``call`` over and
    over from the start of the ``with`` block to its end."""

    def __init__(self, count: int) -> None:
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(count)]

    def call(self, session: requests.Session, client: int) -> None:
        raise NotImplementedError

    def _run(self, client: int) -> None:
        with requests.Session() as session:
            while not self._stopping.is_set():
                self.call(session, client)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(60)


@dataclass
class Deployment:
    running: stack.Stack
    env: dict[str, str]
    key: str  # a lab's reporter key
    oncall: str  # the on-call person's id
    oncall_key: str

    @property
    def urls(self) -> dict[str, str]:
        return self.running.urls


@contextlib.contextmanager
def deployed(
    tmp_path: Path, httpserver, *, noida: Noida | None = None, **env: str
) -> Iterator[Deployment]:
    """The three services (on noida-db when given, else embedded), paging to ``httpserver``'s
    ``/hook``; every service must exit cleanly at the end."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    settings = service_env(tmp_path / "data", webhook_url=httpserver.url_for("/hook"), noida=noida)
    settings |= env
    key = create_api_key(settings)
    oncall, oncall_key = create_oncall_person(settings)
    running = stack.start(settings, log_dir=tmp_path)
    try:
        running.wait_ready(timeout=90)
        yield Deployment(running, settings, key, oncall, oncall_key)
    finally:
        codes = running.stop()
    logs = "\n".join(f"--- {name}\n{running.log(name)[-3000:]}" for name in stack.SERVICES)
    assert set(codes.values()) == {0}, f"{codes}\n{logs}"


def exported_ids(registry: str, key: str) -> list[str] | None:
    """The id of every incident the owner of ``key`` reads, from the registry's export; None
    while the store is away (503)."""
    answer = requests.get(
        f"{registry}/v1/incidents/export",
        params={"format": "json"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    if answer.status_code == 503:
        return None
    assert answer.status_code == 200, answer.text
    return [incident["id"] for incident in answer.json()]


def registered_count(registry: str, key: str) -> int:
    """How many incidents the owner of ``key`` reads (0 while the store is away)."""
    answer = requests.get(
        f"{registry}/v1/incidents",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    return answer.json()["total"] if answer.status_code == 200 else 0


def assert_each_registered_once(
    registry: str, key: str, accepted: list[str], timeout: float = 90
) -> None:
    """Wait until every accepted id is in the registry; then none may be there twice, and
    nothing else may be there."""
    assert len(set(accepted)) == len(accepted), "intake gave one id twice"

    def arrived() -> list[str] | None:
        ids = exported_ids(registry, key)
        return ids if ids is not None and set(accepted) <= set(ids) else None

    ids = eventually(arrived, timeout=timeout)
    twice = [i for i, n in Counter(ids).items() if n > 1]
    assert not twice, f"registered more than once: {twice}"
    assert sorted(ids) == sorted(accepted)


def pages(httpserver) -> list[dict]:
    """The pages (first triggers and re-pages) the webhook received, in order."""
    return [
        body
        for body in (request.get_json() for request, _ in httpserver.log)
        if body["action"] == "trigger"
    ]


def paged_incidents(httpserver) -> Counter:
    """How many pages of step 0, round 0 each incident got: 1 for every critical one."""
    return Counter(
        incident["incident_id"]
        for body in pages(httpserver)
        if (body["step"], body["round"]) == (0, 0)
        for incident in body["incidents"]
    )


def assert_no_message_twice(httpserver) -> None:
    keys = Counter(request.headers["Idempotency-Key"] for request, _ in httpserver.log)
    assert not [k for k, n in keys.items() if n > 1], f"sent twice: {keys.most_common(3)}"
