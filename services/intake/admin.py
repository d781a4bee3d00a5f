"""Intake administration: ``python -m services.intake.admin keys create|list|revoke``.

Reads the same settings as the service (ACCORD_DATA_DIR says where the keys live).
"""

from __future__ import annotations

import argparse
import sys

from services.intake.keys import ApiKeys, keys_path
from shared.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.intake.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    keys = commands.add_parser("keys", help="manage lab API keys").add_subparsers(
        dest="action", required=True
    )
    create = keys.add_parser("create", help="create a key and print it (shown once)")
    create.add_argument("--organization", required=True, help="the lab the key belongs to")
    keys.add_parser("list", help="list keys (never their secrets)")
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)

    store = ApiKeys(keys_path(Settings.from_env()))
    try:
        if args.action == "create":
            try:
                key, plain = store.create(args.organization)
            except ValueError as exc:
                parser.error(str(exc))
            print(plain)
            print(
                f"key id {key.key_id} for {key.organization}; store it now, it is not kept",
                file=sys.stderr,
            )
        elif args.action == "list":
            for key in store.all():
                state = f"revoked {key.revoked_at}" if key.revoked_at else "active"
                print(f"{key.key_id}\t{key.organization}\tcreated {key.created_at}\t{state}")
        elif not store.revoke(args.key_id):
            print(f"no active key with id {args.key_id}", file=sys.stderr)
            return 1
        else:
            print(f"revoked {args.key_id}")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
