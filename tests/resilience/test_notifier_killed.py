"""The notifier killed (SIGKILL) while two escalations wait for their re-pages and a
regulatory deadline's reminder is pending, then started again: each escalation is
re-paged, the reminder comes once, nothing already sent is sent again (embedded profile).

Builds on tests/e2e/test_escalation.py (one escalation, one kill): here the policy also
reminds the on-call people of an EU AI Act Art. 73 deadline, whose clock runs from the
report's ``detected_at``, set so the reminder falls due 40 seconds after the report (time
enough, even on a busy machine, to kill the notifier before it). The run is in real time:
the test waits for deliveries, never sleeps to order them.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from e2e.helpers import eventually, post, report
from resilience.support import assert_no_message_twice, deployed, pages

pytestmark = [pytest.mark.e2e, pytest.mark.resilience, pytest.mark.timeout(240)]

REPAGE_MINUTES = 0.2  # 12 seconds
REMIND_BEFORE_MINUTES = 3
CRITICAL_INFRASTRUCTURE_DAYS = 2  # Art. 73(3)'s deadline


def _policy(tmp_path) -> str:
    step = {"notify": [{"oncall": "primary"}], "channels": ["default"], "after_minutes": 0,
            "repeat_every_minutes": REPAGE_MINUTES}  # fmt: skip
    deadlines = {"remind_before_hours": [REMIND_BEFORE_MINUTES / 60],
                 "notify": [{"role": "oncall"}], "channels": ["default"],
                 "escalate_within_hours": 0.001}  # fmt: skip
    path = tmp_path / "policy.json"
    rules = [{"match": {"severity": "critical"}, "steps": [step]}]
    path.write_text(json.dumps({"name": "fast", "deadlines": deadlines, "rules": rules}))
    return str(path)


def test_killed_with_repages_and_a_reminder_pending_each_comes_once_after_the_restart(
    tmp_path, httpserver
):
    with deployed(tmp_path, httpserver, ACCORD_NOTIFIER_POLICY=_policy(tmp_path)) as d:
        notifier = d.urls["notifier"]
        # The deadline falls REMIND_BEFORE_MINUTES and 40 s from now: its reminder in 40 s.
        due = datetime.now(UTC) + timedelta(minutes=REMIND_BEFORE_MINUTES, seconds=40)
        bound = report("Grid controller model went rogue", "critical") | {
            "critical_infrastructure": True,
            "jurisdictions": ["EU-AI-ACT-ART73"],
            "detected_at": (due - timedelta(days=CRITICAL_INFRASTRUCTURE_DAYS)).isoformat(),
        }
        first = post(d.urls["intake"], d.key, bound)
        second = post(d.urls["intake"], d.key, report("Agent escaped its sandbox", "critical"))
        oncall = {"Authorization": f"Bearer {d.oncall_key}"}

        def rounds(incident: str) -> list[int]:
            return [
                body["round"]
                for body in pages(httpserver)
                if body["incidents"][0]["incident_id"] == incident
            ]

        def recorded(incident: str) -> bool:
            answer = requests.get(f"{notifier}/v1/escalations", params={"incident": incident},
                                  headers=oncall, timeout=5)  # fmt: skip
            items = answer.json()["items"] if answer.ok else []
            return bool(items and items[0]["steps"])

        def deadline_open() -> bool:
            answer = requests.get(f"{notifier}/v1/deadlines", headers=oncall, timeout=5)
            return answer.ok and len(answer.json()["items"]) == 1

        # Both first pages sent and recorded, the deadline tracked; nothing reminded yet.
        eventually(lambda: recorded(first) and recorded(second) and deadline_open())
        assert rounds(first) == rounds(second) == [0]
        assert reminders(httpserver) == Counter()
        d.running.processes["notifier"].send_signal(signal.SIGKILL)
        d.running.processes["notifier"].wait(10)
        d.running.launch("notifier")
        d.running.wait_ready(timeout=90)

        # The reminder comes; then two more rounds of each escalation, by which time a
        # repeat of anything sent before the kill would have come too.
        eventually(lambda: len(rounds(first)) >= 3 and len(rounds(second)) >= 3, timeout=120)
        eventually(lambda: reminders(httpserver), timeout=120)
        for incident in (first, second):
            sent = rounds(incident)
            assert sent[0] == 0 and sent == sorted(set(sent)), sent  # each round once, in order
        assert reminders(httpserver) == Counter({first: 1})
        assert_no_message_twice(httpserver)


def reminders(httpserver) -> Counter:
    return Counter(
        incident["incident_id"]
        for request, _ in httpserver.log
        if (body := request.get_json())["action"] == "reminder"
        for incident in body["incidents"]
    )
