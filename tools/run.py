"""`make run`: start intake, registry and notifier, print their URLs, keep them running
(a service that dies is started again), stop all on Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading

from shared.directory import demo
from shared.settings import Settings
from tools import stack
from tools.supervise import Supervisor


def main() -> int:
    settings = Settings.from_env()
    identities = demo.seed(settings)
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
    intake, registry = running.urls["intake"], running.urls["registry"]
    print(f"\n(kept in {settings.data_dir}/{demo.FILE})", *identities, sep="\n")
    print(
        "Try:\n"
        f'  curl -X POST {intake}/v1/reports -H "Authorization: Bearer $ACCORD_KEY"'
        " -H 'Content-Type: application/json' -d @docs/example-report.json\n"
        f"  curl '{registry}/v1/incidents?q=weights' -H \"Authorization: Bearer $ACCORD_KEY\"\n"
        f"  curl '{registry}/v1/public/incidents'   # anyone: redacted TLP:CLEAR summaries\n"
        f'  curl {registry}/v1/whoami -H "Authorization: Bearer $ACCORD_KEY_RISK_OWNER"\n'
        f"  open {intake}/sign-in to sign in, then {intake}/reports for your lab's reports\n"
        f"  open {intake}/report for the form, {intake}/openapi.json for the API\n"
        f"  open {registry}/ and sign in as the risk owner: search, triage, the dashboard\n",
        flush=True,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    supervisor = Supervisor(running, say=lambda line: print(line, file=sys.stderr, flush=True))
    try:
        supervisor.run(stopping)  # a service that dies is started again; the others go on
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches the services too: each shuts down cleanly on SIGINT
    finally:
        codes = running.stop()
        print("Stopped: " + ", ".join(f"{name} exit {code}" for name, code in codes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
