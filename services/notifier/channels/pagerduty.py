"""PagerDuty Events API v2: trigger on a page, acknowledge and resolve after.

The ``dedup_key`` is the escalation's id, so every re-page updates one PagerDuty alert
and the acknowledge and resolve close that alert. The routing key is a secret: it never
appears in events or logs.
"""

from __future__ import annotations

import requests

from services.notifier.channels.interfaces import Message, http_error, request_error

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_SEVERITY = {"critical": "critical", "high": "error", "medium": "warning", "low": "info"}


def pagerduty_event(message: Message, routing_key: str) -> dict:
    event: dict = {
        "routing_key": routing_key,
        "event_action": message.action,
        "dedup_key": message.escalation_id or message.dedup_key,
    }
    if message.action == "trigger":
        event["payload"] = {
            "summary": message.summary[:1024],
            "source": "accord-notifier",
            "severity": _SEVERITY.get(message.severity or "", "info"),
            "custom_details": {"incidents": list(message.incidents)},
        }
        event["links"] = [{"href": i["url"], "text": i["title"]} for i in message.incidents]
        if message.ack_url:
            event["links"].append({"href": message.ack_url, "text": "Acknowledge in Accord"})
    return event


class PagerDutyChannel:
    name = "pagerduty"
    target = "pagerduty:events-v2"

    def __init__(
        self,
        routing_key: str,
        *,
        url: str = EVENTS_URL,
        session: requests.Session | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._routing_key = routing_key
        self._url = url
        self._session = session or requests.Session()
        self._timeout = timeout

    def attempt(self, message: Message) -> None:
        if message.action in ("digest", "reminder", "invitation"):
            return  # PagerDuty alerts are for pages; the rest goes to the other channels
        try:
            response = self._session.post(
                self._url,
                json=pagerduty_event(message, self._routing_key),
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise request_error(exc) from None
        if not 200 <= response.status_code < 300:
            raise http_error(response)
