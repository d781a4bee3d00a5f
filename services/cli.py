"""``accord``: the operator's command line, one place for every service's commands.

Each area keeps its commands in its own module with a ``register(subparsers)`` function
that adds them and sets ``func``; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# The modules that contribute commands, in the order `accord --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "services.start",
    "shared.directory.cli",
    "services.intake.cli",
    "services.registry.cli",
    "shared.bus.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accord", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
