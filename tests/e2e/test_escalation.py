"""The notifier as a real process, killed while a re-page is pending: after the restart
it re-pages once, on time, and never repeats a page already sent (embedded profile).

The policy re-pages a critical incident every 12 seconds, so the test runs in real time
without sleeping: it waits for pages to arrive.
"""

from __future__ import annotations

import json
import signal

import pytest
import requests
from e2e.helpers import (
    create_api_key,
    create_oncall_person,
    eventually,
    post,
    report,
    service_env,
    signature_ok,
)

from tools import stack

pytestmark = pytest.mark.e2e

REPAGE_MINUTES = 0.2  # 12 seconds


def _policy(tmp_path) -> str:
    path = tmp_path / "policy.json"
    step = {
        "notify": [{"oncall": "primary"}],
        "channels": ["default"],
        "after_minutes": 0,
        "repeat_every_minutes": REPAGE_MINUTES,
    }
    path.write_text(
        json.dumps(
            {"name": "fast", "rules": [{"match": {"severity": "critical"}, "steps": [step]}]}
        )
    )
    return str(path)


def test_killed_while_a_repage_is_pending_it_repages_once_after_the_restart(tmp_path, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    env = service_env(tmp_path / "data", webhook_url=httpserver.url_for("/hook"))
    env["ACCORD_NOTIFIER_POLICY"] = _policy(tmp_path)
    key = create_api_key(env)
    oncall, oncall_key = create_oncall_person(env)
    running = stack.start(env, log_dir=tmp_path)
    try:
        running.wait_ready()
        critical = post(
            running.urls["intake"], key, report("Agent escaped its sandbox", "critical")
        )

        def rounds() -> list[int]:
            return [r.get_json()["round"] for r, _ in httpserver.log]

        eventually(lambda: rounds() == [0])
        first = httpserver.log[0][0]
        assert signature_ok(first)
        assert first.get_json()["incidents"][0]["incident_id"] == critical
        assert [r["id"] for r in first.get_json()["recipients"]] == [oncall]

        def recorded_steps() -> list:
            answer = requests.get(
                f"{running.urls['notifier']}/v1/escalations",
                params={"incident": critical},
                headers={"Authorization": f"Bearer {oncall_key}"},
                timeout=5,
            )
            items = answer.json()["items"] if answer.ok else []
            return items[0]["steps"] if items else []

        # kill -9 once round 0 is recorded and the re-page is pending (a kill between a
        # send and its record would resend it, under the same Idempotency-Key), and start
        # it again
        eventually(recorded_steps)
        running.processes["notifier"].send_signal(signal.SIGKILL)
        running.processes["notifier"].wait(10)
        assert rounds() == [0]
        running.launch("notifier")
        running.wait_ready()

        # The re-page comes once; the one after it proves the first was not repeated.
        eventually(lambda: len(rounds()) >= 3, timeout=60)
        assert rounds()[:3] == [0, 1, 2]
        keys = [r.headers["Idempotency-Key"] for r, _ in httpserver.log]
        assert len(set(keys)) == len(keys)
    finally:
        codes = running.stop()
    assert codes["intake"] == codes["registry"] == 0
    assert codes["notifier"] == 0, running.log("notifier")
