"""The directory with the three services as real processes: a key the ``accord`` command
creates while they run works on all three, and once revoked stops working on all three
within 5 seconds. On both profiles: the embedded bus, and Kafka (noida-db)."""

from __future__ import annotations

import pytest
import requests
from e2e.helpers import accord, create_api_key, eventually, service_env

from tools import stack

pytestmark = pytest.mark.e2e

PROFILES = [
    "embedded",
    pytest.param("cluster", marks=[pytest.mark.kafka, pytest.mark.elasticsearch]),
]
REVOKED_WITHIN = 5.0  # seconds, the bound


@pytest.fixture(params=PROFILES)
def services(request, tmp_path):
    noida = request.getfixturevalue("noida") if request.param == "cluster" else None
    env = service_env(tmp_path / "data", noida=noida)
    running = stack.start(env, log_dir=tmp_path)
    try:
        running.wait_ready()
        yield env, running.urls
    finally:
        codes = running.stop()
    assert codes == {"intake": 0, "registry": 0, "notifier": 0}, running.log("intake")


def whoami(urls: dict[str, str], key: str) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {key}"}
    return {
        name: requests.get(f"{url}/v1/whoami", headers=headers, timeout=5).status_code
        for name, url in urls.items()
    }


def test_a_key_made_while_running_works_everywhere_until_revoked(services):
    env, urls = services
    key = create_api_key(env)  # after start-up: it arrives through each live follower
    eventually(lambda: set(whoami(urls, key).values()) == {200}, timeout=60)

    accord(env, "key", "revoke", key.split("_")[1])

    eventually(lambda: set(whoami(urls, key).values()) == {401}, timeout=REVOKED_WITHIN)
