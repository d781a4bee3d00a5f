"""Intake's API keys from before the directory, and their migration onto it.

Intake used to keep lab keys in its own SQLite table (``intake-keys.sqlite3``), each
belonging to an organization *name*. ``migrate`` turns every live one into a directory key
with the same id and hash, so the plain key a lab holds keeps working, owned by its
organization's "intake keys" service account (reporter). Each organization is found by
name or created once; already migrated keys are skipped, so running it again is harmless.
Revoked keys stay dead: they are not migrated.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shared.access import REPORTER
from shared.directory import service
from shared.directory.projection import Directory
from shared.envelope import Envelope
from shared.settings import Settings

PRODUCER = "intake-migration"
ACCOUNT_NAME = "{organization} intake keys"


@dataclass(frozen=True)
class LegacyKey:
    key_id: str
    sha256: str
    organization: str
    created_at: str


def keys_path(settings: Settings) -> Path:
    return settings.data_dir / "intake-keys.sqlite3"


def legacy_keys(path: Path) -> list[LegacyKey]:
    """The live keys of intake's old table; none if it does not exist."""
    if not path.is_file():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT key_id, sha256, organization, created_at FROM api_keys"
            " WHERE revoked_at IS NULL ORDER BY created_at"
        ).fetchall()
    finally:
        conn.close()
    return [LegacyKey(*row) for row in rows]


def migrate(directory: Directory, keys: list[LegacyKey]) -> list[Envelope]:
    """The events that put ``keys`` in the directory, applied to ``directory`` as they are
    made (so an organization is created once, however many keys it has)."""
    made: list[Envelope] = []

    def add(event: Envelope) -> Envelope:
        directory.apply(event)
        made.append(event)
        return event

    for key in keys:
        if key.key_id in directory.keys:
            continue
        org = directory.organization_named(key.organization)
        org_id = (
            org.id
            if org
            else add(
                service.add_organization(
                    directory, name=key.organization, member=True, producer=PRODUCER
                )
            ).payload["organization_id"]
        )
        account_name = ACCOUNT_NAME.format(organization=key.organization)
        account = next(
            (
                a
                for a in directory.accounts.values()
                if a.organization_id == org_id and a.name == account_name
            ),
            None,
        )
        account_id = (
            account.id
            if account
            else add(
                service.add_service_account(
                    directory,
                    name=account_name,
                    organization_id=org_id,
                    roles=[REPORTER],
                    producer=PRODUCER,
                )
            ).payload["account_id"]
        )
        add(
            service.register_key(
                directory,
                key_id=key.key_id,
                sha256=key.sha256,
                owner_id=account_id,
                label="migrated from intake",
                created_at=datetime.fromisoformat(key.created_at),
                producer=PRODUCER,
            )
        )
    return made
