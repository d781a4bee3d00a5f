"""``accord start SERVICE``: run one service in the foreground, exactly as
``python -m services.SERVICE`` does (its settings from the environment; SIGTERM or Ctrl-C
stops it cleanly)."""

from __future__ import annotations

import argparse
import importlib

ENTRYPOINTS = {
    "intake": "services.intake.__main__",
    "registry": "services.registry.__main__",
    "notifier": "services.notifier.__main__",
}


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("start", help="run a service in the foreground")
    parser.add_argument("service", choices=ENTRYPOINTS)
    parser.set_defaults(func=start)


def start(args: argparse.Namespace) -> int:
    # Imported only now: each entrypoint pulls in its whole service.
    return importlib.import_module(ENTRYPOINTS[args.service]).main()
