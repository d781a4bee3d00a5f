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


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accord", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for name in modules:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # `accord start SERVICE` becomes a long-lived service: it parses with its own command
    # only, so the service does not keep every area's command modules in memory (the
    # normalizer in the registry and the notifier: 6.5 MB more in the registry).
    modules = ("services.start",) if argv[:1] == ["start"] else COMMAND_MODULES
    args = build_parser(modules).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
