"""The channels that send nothing over the wire.

``InboxChannel``: the notifier's own "open for me" page is a channel that always works:
a page recorded as delivered there shows on the recipients' page, so nobody is silently
unpaged when no webhook, Slack, PagerDuty or SMTP is configured. ``NullChannel``: the
Null sibling, which records what it was given (for tests and dry runs).
"""

from __future__ import annotations

from services.notifier.channels.interfaces import Message


class InboxChannel:
    name = "inbox"
    target = "inbox"

    def attempt(self, message: Message) -> None:
        return None


class NullChannel:
    def __init__(self, name: str = "null") -> None:
        self.name = name
        self.target = name
        self.sent: list[Message] = []

    def attempt(self, message: Message) -> None:
        self.sent.append(message)
