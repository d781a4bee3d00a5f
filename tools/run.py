"""`make run`: start intake, registry and notifier, print their URLs, stop all on Ctrl-C."""

from __future__ import annotations

import signal
import sys
import time

from tools import stack


def main() -> int:
    running = stack.start({})
    try:
        running.wait_ready()
    except stack.StackError as exc:
        print(f"Accord did not start: {exc}", file=sys.stderr)
        running.stop()
        return 1
    print("\nAccord is running (embedded profile). Ctrl-C stops everything.")
    for name, url in running.urls.items():
        print(f"  {name:<9} {url}")
    print(
        "\nTry:\n"
        f"  curl -X POST {running.urls['intake']}/v1/reports -H 'Content-Type: application/json'"
        " -d @docs/example-report.json\n"
        f"  curl '{running.urls['registry']}/v1/incidents?q=weights'\n",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(p.poll() is None for p in running.processes.values()):
            time.sleep(0.5)
        print("A service exited; stopping the others.", file=sys.stderr)
    except (KeyboardInterrupt, SystemExit):
        pass  # Ctrl-C reaches the services too: each shuts down cleanly on SIGINT
    finally:
        codes = running.stop()
        print("Stopped: " + ", ".join(f"{name} exit {code}" for name, code in codes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
