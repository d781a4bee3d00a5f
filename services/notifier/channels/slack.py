"""A Slack incoming webhook: one text message with the incident and the ack links.
Its URL is a secret; only its host appears in events and logs."""

from __future__ import annotations

import requests

from services.notifier.channels.interfaces import (
    Message,
    http_error,
    redacted_url,
    request_error,
)


def slack_payload(message: Message) -> dict:
    lines = [f"*{message.summary}*"]
    lines += [
        f"• <{i['url']}|{i['title']}> ({i.get('severity') or 'unrated'})" for i in message.incidents
    ]
    lines += [f"{r.name}: <{r.ack_url}|acknowledge>" for r in message.recipients]
    if message.ack_url and not message.recipients:
        lines.append(f"<{message.ack_url}|Acknowledge>")
    return {"text": "\n".join(lines)}


class SlackChannel:
    name = "slack"

    def __init__(
        self, url: str, *, session: requests.Session | None = None, timeout: float = 5.0
    ) -> None:
        self._url = url
        self._session = session or requests.Session()
        self._timeout = timeout
        self.target = redacted_url(url)

    def attempt(self, message: Message) -> None:
        try:
            response = self._session.post(
                self._url,
                json=slack_payload(message),
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise request_error(exc) from None
        if not 200 <= response.status_code < 300:
            raise http_error(response)
