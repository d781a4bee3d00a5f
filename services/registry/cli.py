"""The registry's commands.

``accord export``: incidents as JSON Lines, one incident a line. Through the registry's
API with a key (``--url``, default ``ACCORD_REGISTRY_URL``; ``--key`` or ``ACCORD_KEY``),
it exports what that key may read, with the search language's ``--query``; with
``--store`` it reads the store the settings name directly: every incident, unfiltered
(whoever holds the store's files or credentials holds all of it anyway).

``accord registry rebuild``: replay the topics the registry consumes into a new version of
its store and swap it in while the registry serves (``services/registry/rebuild.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

import requests

from services.registry import store as stores
from services.registry.consumer import replay_handlers
from services.registry.rebuild import rebuild
from shared import bus as buses
from shared.envelope import utcnow
from shared.errors import Rejected, Unavailable
from shared.settings import Settings
from shared.topics import all_topics

EXPORT_TIMEOUT_S = 300.0
SHOWN = 10  # skipped records listed


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export", help="incidents as JSON Lines, through the registry's API or from its store"
    )
    source = export.add_mutually_exclusive_group()
    source.add_argument("--url", help="the registry's base URL (default: $ACCORD_REGISTRY_URL)")
    source.add_argument(
        "--store", action="store_true", help="read the store directly: every incident"
    )
    export.add_argument(
        "--key",
        default=os.environ.get("ACCORD_KEY"),
        help="the API key to export as (default: $ACCORD_KEY)",
    )
    export.add_argument("--query", default="", help="the search language (API only)")
    export.add_argument("--out", type=Path, help="write here instead of standard output")
    export.set_defaults(func=export_incidents)
    registry = commands.add_parser("registry", help="the registry's maintenance")
    registry.add_subparsers(required=True, metavar="ACTION").add_parser(
        "rebuild", help="replay the topics into a new store version and swap it in"
    ).set_defaults(func=rebuild_store)


def export_incidents(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    with ExitStack() as stack:
        if args.store:
            store = stores.connect(settings)
            stack.callback(store.close)
            incidents: Iterable[dict[str, Any]] = store.documents()
        elif not args.key:
            print("accord export: give an API key with --key or ACCORD_KEY", file=sys.stderr)
            return 2
        else:
            fetched = _from_api(args.url or settings.registry_url, args.key, args.query)
            if isinstance(fetched, str):
                print(f"accord export: {fetched}", file=sys.stderr)
                return 1
            incidents = fetched
        out: TextIO = stack.enter_context(args.out.open("w")) if args.out else sys.stdout
        try:
            count = _write(incidents, out)
        except Unavailable as exc:
            print(f"accord export: the store does not answer: {exc}", file=sys.stderr)
            return 1
    print(f"exported {count} incidents", file=sys.stderr)
    return 0


def _from_api(url: str, key: str, query: str) -> list[dict[str, Any]] | str:
    """The export's incidents, or what went wrong."""
    try:
        response = requests.get(
            f"{url.rstrip('/')}/v1/incidents/export",
            params={"format": "json", "q": query},
            headers={"Authorization": f"Bearer {key}"},
            timeout=EXPORT_TIMEOUT_S,
        )
    except requests.RequestException as exc:
        return f"the registry at {url} does not answer: {exc}"
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.reason)
        except ValueError:
            detail = response.reason
        return f"the registry answered {response.status_code}: {detail}"
    return response.json()


def _write(incidents: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for incident in incidents:
        out.write(json.dumps(incident, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def rebuild_store(_: argparse.Namespace) -> int:
    settings = Settings.from_env()
    prefix = settings.topic_prefix
    bus = buses.connect(settings)
    store = stores.connect(settings)
    try:
        bus.create_topics(all_topics(prefix))
        done = rebuild(
            bus,
            store,
            lambda version: replay_handlers(
                version, prefix=prefix, registry_url=settings.registry_url
            ),
            prefix=prefix,
            stamp=f"{utcnow():%Y%m%dt%H%M%S}-{secrets.token_hex(2)}",
        )
    except (Unavailable, Rejected) as exc:
        # Before the promotion the live version is untouched; after it, a rerun replays all.
        print(f"accord registry rebuild: stopped ({exc}); run it again", file=sys.stderr)
        return 1
    finally:
        store.close()
        bus.close()
    skipped = done.replayed.skipped + done.caught_up.skipped
    print(
        f"rebuilt {done.version} from {done.replayed.applied} records"
        f" (+{done.caught_up.applied} that arrived meanwhile), {len(skipped)} skipped;"
        " it is served now"
    )
    for reason in skipped[:SHOWN]:
        print(f"  skipped {reason}")
    for removed in done.removed:
        print(f"  removed the old version {removed}")
    return 0
