"""The notifier's own secrets: the webhook signing secret and the link-signing key.

``ACCORD_WEBHOOK_SECRET`` and ``ACCORD_SECRET_KEY`` set them; without them the notifier
keeps generated ones in ``<data dir>/notifier-secrets.json`` (mode 600), so links in
messages sent before a restart still work after it and a receiver keeps one secret.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from shared.settings import Settings

FILE = "notifier-secrets.json"


@dataclass(frozen=True)
class NotifierSecrets:
    webhook: str
    links: str


def load_secrets(settings: Settings) -> NotifierSecrets:
    path = settings.data_dir / FILE
    if path.exists():
        kept = json.loads(path.read_text())
    else:
        kept = {"webhook": secrets.token_hex(32), "links": secrets.token_hex(32)}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(kept))
    return NotifierSecrets(
        webhook=settings.webhook_secret or kept["webhook"],
        links=settings.secret_key or kept["links"],
    )
