"""The channels a deployment has, from its settings.

``inbox`` (the notifier's own "open for me" page) is always there. ``default`` in a policy
means every configured channel that reaches people: the webhook, Slack, PagerDuty and
e-mail when set, and the inbox, so without any of them a page still reaches its
recipients' page and nobody is silently unpaged.
"""

from __future__ import annotations

import requests

from services.notifier.channels.email import EmailChannel
from services.notifier.channels.interfaces import Channel
from services.notifier.channels.null import InboxChannel
from services.notifier.channels.pagerduty import PagerDutyChannel
from services.notifier.channels.slack import SlackChannel
from services.notifier.channels.webhook import WebhookChannel
from shared.clock import Clock
from shared.settings import Settings


def configured_channels(
    settings: Settings, *, webhook_secret: str, clock: Clock, session: requests.Session
) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.webhook_url:
        channels["webhook"] = WebhookChannel(
            settings.webhook_url, secret=webhook_secret, clock=clock, session=session
        )
    if settings.slack_webhook_url:
        channels["slack"] = SlackChannel(settings.slack_webhook_url, session=session)
    if settings.pagerduty_routing_key:
        channels["pagerduty"] = PagerDutyChannel(
            settings.pagerduty_routing_key, url=settings.pagerduty_url, session=session
        )
    if settings.smtp_host:
        channels["email"] = EmailChannel(
            settings.smtp_host, settings.smtp_port, sender=settings.smtp_sender
        )
    channels["inbox"] = InboxChannel()
    return channels


def expand(names: tuple[str, ...], channels: dict[str, Channel]) -> list[str]:
    """A step's channel names with ``default`` spelled out, those not configured left
    out (the inbox always stays)."""
    wanted: dict[str, None] = {}
    for name in names:
        for each in channels if name == "default" else (name,):
            if each in channels:
                wanted.setdefault(each)
    wanted.setdefault("inbox")
    return list(wanted)
