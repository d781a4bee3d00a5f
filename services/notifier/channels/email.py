"""E-mail over SMTP: one message per recipient with a text and an HTML part, each with
the recipient's own acknowledgement link, and an exercise's invitation as a text/calendar
part (with its iTIP method) that mail clients offer to add to the calendar. The
``Message-ID`` comes from the dedup key, so a mail client can tell a retry from a new
page."""

from __future__ import annotations

import hashlib
import smtplib
from email.message import EmailMessage
from html import escape

from services.notifier.channels.interfaces import DeliveryError, Message, Recipient


def email_message(message: Message, recipient: Recipient, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient.email
    mail["Subject"] = f"[Accord] {message.summary}"
    digest = hashlib.sha256(f"{message.dedup_key}/{recipient.id}".encode()).hexdigest()[:32]
    mail["Message-ID"] = f"<{digest}@accord-notifier>"
    lines = [message.summary, ""]
    lines += [
        f"- {i['title']} ({i.get('severity') or 'unrated'}): {i['url']}" for i in message.incidents
    ]
    if message.action in ("trigger", "digest"):
        lines += ["", f"Acknowledge: {recipient.ack_url}"]
    mail.set_content("\n".join(lines) + "\n")
    items = "".join(
        f'<li><a href="{escape(i["url"])}">{escape(i["title"])}</a>'
        f" ({escape(i.get('severity') or 'unrated')})</li>"
        for i in message.incidents
    )
    ack = (
        f'<p><a href="{escape(recipient.ack_url)}">Acknowledge</a></p>'
        if message.action in ("trigger", "digest")
        else ""
    )
    mail.add_alternative(
        f"<!doctype html><html><body><p>{escape(message.summary)}</p><ul>{items}</ul>{ack}"
        "</body></html>",
        subtype="html",
    )
    if message.calendar is not None:
        mail.add_alternative(
            message.calendar, subtype="calendar", params={"method": message.calendar_method}
        )
    return mail


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, *, sender: str, timeout: float = 10.0) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout
        self.target = f"smtp://{host}:{port}"

    def attempt(self, message: Message) -> None:
        recipients = [r for r in message.recipients if r.email]
        if not recipients:
            return
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                for recipient in recipients:
                    smtp.send_message(email_message(message, recipient, self._sender))
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}", retryable=exc.smtp_code < 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(type(exc).__name__) from None
