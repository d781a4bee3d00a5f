"""Intake's commands.

``accord import FORMAT PATH``: a public dataset's dump into the intake outbox, by the same
path as the bulk endpoint (the format's adapter, the normalizer, the outbox, the record ids
as idempotency keys, so a second import adds nothing); the running intake's relay publishes
what it adds. ``ACCORD_DATA_DIR`` says where the outbox is. The reports are filed as the
owner of the API key given (``--key``, or ``ACCORD_KEY``), exactly as through the API.

    accord import aiid ../shared/datasets/aiid      # with the classification files there

``accord intake migrate-keys``: move intake's old API keys onto the directory.

``accord outbox``: how many accepted reports wait in the outbox for the relay to publish
them (the bus is away, or the relay is behind), and since when.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from services.intake.bulk import UploadError, import_rows, read_rows, summarize
from services.intake.bulk.aiid_classifications import READERS as CLASSIFICATIONS
from services.intake.bulk.formats import PARTS, REQUIRED, read_parts
from services.intake.keys import keys_path, legacy_keys, migrate
from services.intake.outbox import Outbox, outbox_path
from services.intake.reports import accept
from shared.access import REPORTER
from shared.directory.authenticator import viewer_of
from shared.directory.cli import opened
from shared.directory.events import API_KEY_CREATED
from shared.report import SOURCE_FORMATS
from shared.settings import Settings

# The file of records in a dump folder, by format.
RECORDS = {"aiid": "incidents.csv", "aiaaic": "incidents.csv", "avid": "reports.jsonl"}
SHOWN = 10  # rejected rows listed


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import",
        help="import a public dataset's dump (AIID, AIAAIC, AVID) into intake",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("format", choices=SOURCE_FORMATS)
    parser.add_argument(
        "path",
        type=Path,
        help=f"a dump folder ({', '.join(f'{k}: {v}' for k, v in RECORDS.items())}) or the "
        "file itself; AIID's classification files are read from beside it when there",
    )
    parser.add_argument(
        "--key",
        default=os.environ.get("ACCORD_KEY"),
        help="the API key of the reporter the reports are filed as (default: $ACCORD_KEY)",
    )
    parser.set_defaults(func=run)
    intake = commands.add_parser("intake", help="intake's own maintenance").add_subparsers(
        required=True
    )
    intake.add_parser(
        "migrate-keys", help="move intake's old API keys onto the directory (safe to rerun)"
    ).set_defaults(func=migrate_keys)
    commands.add_parser(
        "outbox", help="how many accepted reports wait in intake's outbox, and since when"
    ).set_defaults(func=show_outbox)


def show_outbox(_: argparse.Namespace) -> int:
    path = outbox_path(Settings.from_env())
    if not path.is_file():
        print(f"accord outbox: no outbox at {path} (set ACCORD_DATA_DIR)", file=sys.stderr)
        return 1
    outbox = Outbox(path)
    try:
        depth, oldest = outbox.depth()
    finally:
        outbox.close()
    since = f", the oldest accepted {oldest}" if oldest else ""
    print(f"{depth} reports wait to be published in {path}{since}")
    return 0


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


def run(args: argparse.Namespace) -> int:
    records = args.path / RECORDS[args.format] if args.path.is_dir() else args.path
    if not records.is_file():
        print(f"accord import: no {records}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    if not args.key:
        print("accord import: give a reporter's API key with --key or ACCORD_KEY", file=sys.stderr)
        return 2
    with opened(settings) as context:
        key = context.directory.live_key(args.key)
        owner = context.directory.principal(key.owner_id) if key else None
        viewer = viewer_of(context.directory, owner) if owner else None
    if viewer is None or not viewer.has_role(REPORTER):
        print("accord import: that key is unknown, revoked or not a reporter's", file=sys.stderr)
        return 2
    paths = {PARTS.get(args.format, ("records",))[0]: records}
    for part in PARTS.get(args.format, ())[1:]:
        path = records.parent / CLASSIFICATIONS[part][0]
        if path.is_file():
            paths[part] = path
    with ExitStack() as stack:
        files = {part: stack.enter_context(path.open("rb")) for part, path in paths.items()}
        if args.format in PARTS:
            rows = read_parts(files, (), source_format=args.format)
        else:
            rows = read_rows(files["records"], source_format=args.format)
        outbox = Outbox(outbox_path(settings))
        stack.callback(outbox.close)
        accept_fn = partial(
            accept,
            channel="bulk",
            viewer=viewer,
            is_person=lambda _: False,  # imports name no recipients
            outbox=outbox,
            require=REQUIRED[args.format],
        )
        try:
            results = import_rows(rows, source_format=args.format, accept_fn=accept_fn)
        except UploadError as exc:
            print(f"accord import: {exc}", file=sys.stderr)
            return 2
    print(f"{', '.join(map(str, paths.values()))} into {outbox_path(settings)}")
    summary = summarize(results)
    print(
        f"{summary['rows']:,} rows: {summary['accepted']:,} accepted "
        f"({summary['flagged']:,} flagged), {summary['rejected']:,} rejected"
    )
    rejected = [result for result in results if "errors" in result]
    for result in rejected[:SHOWN]:
        details = "; ".join(f"{e['pointer'] or '(row)'}: {e['detail']}" for e in result["errors"])
        print(f"  row {result['row']} ({result['source_id']}): {details}")
    if len(rejected) > SHOWN:
        print(f"  ... and {len(rejected) - SHOWN:,} more rejected rows")
    return 0
