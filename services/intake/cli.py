"""``accord intake migrate-keys``: move intake's old API keys onto the directory."""

from __future__ import annotations

import argparse

from services.intake.keys import keys_path, legacy_keys, migrate
from services.intake.outbox import Outbox, outbox_path
from shared.directory.cli import opened
from shared.directory.events import API_KEY_CREATED
from shared.settings import Settings


def migrate_keys(_: argparse.Namespace) -> int:
    settings = Settings.from_env()
    keys = legacy_keys(keys_path(settings))
    with opened(settings) as context:
        events = migrate(context.directory, keys)
        context.publish(*events)
        # Reports filed before kept their organization's name: give them its id.
        names = {key.organization for key in keys}
        outbox = Outbox(outbox_path(settings))
        try:
            for name in names:
                org = context.directory.organization_named(name)
                outbox.adopt(name, org.id)
        finally:
            outbox.close()
    created = sum(1 for e in events if e.type == API_KEY_CREATED)
    print(f"migrated {created} of {len(keys)} live intake keys ({len(keys) - created} already)")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    intake = commands.add_parser("intake", help="intake's own maintenance").add_subparsers(
        required=True
    )
    p = intake.add_parser(
        "migrate-keys", help="move intake's old API keys onto the directory (safe to rerun)"
    )
    p.set_defaults(func=migrate_keys)
