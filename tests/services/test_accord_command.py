"""The `accord` command: `accord start SERVICE` loads only what the service needs, while
every other command stays listed."""

from __future__ import annotations

import subprocess
import sys

# Run in a fresh interpreter: what `accord start` imported, with the parse stopped by a
# service name that does not exist (the service itself is not started).
_START = """
import sys
from services import cli
try:
    cli.main(["start", "no-such-service"])
except SystemExit:
    pass
print(sorted(m for m in ("numpy", "services.intake.cli", "services.registry.cli",
                          "shared.directory.cli", "shared.bus.cli") if m in sys.modules))
"""


def test_starting_a_service_loads_no_other_command_module():
    result = subprocess.run(
        [sys.executable, "-c", _START], capture_output=True, text=True, check=True
    )
    assert "invalid choice: 'no-such-service'" in result.stderr
    assert result.stdout.strip() == "[]"


def test_every_command_is_still_listed():
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("start", "org", "import", "outbox", "registry", "dead-letters"):
        assert command in result.stdout
