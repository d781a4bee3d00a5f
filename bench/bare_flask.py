"""The HTTP floor: a bare Flask JSON endpoint served exactly as intake is (shared.serve:
waitress, 8 threads; N processes accepting from one socket bound before the fork, as
``ACCORD_INTAKE_PROCESSES`` N serves intake). ``python -m bench.bare_flask PORT N``."""

from __future__ import annotations

import json
import logging
import sys
from functools import partial

from flask import Flask, request

from shared import prefork
from shared.envelope import new_id
from shared.serve import serve


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/v1/reports")
    def accept():
        report = json.loads(request.get_data(cache=False))
        return {"id": new_id(), "status": "accepted", "title": report.get("title")}, 202

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def main(port: int, processes: int) -> int:
    # As intake runs in the benchmark (ACCORD_LOG_LEVEL=ERROR): no line per queued request.
    logging.getLogger("waitress").setLevel(logging.ERROR)
    run = partial(serve, create_app(), name="bare-flask", host="127.0.0.1", port=port)
    if processes == 1:
        return run()
    sock = prefork.listen("127.0.0.1", port)
    http = partial(run, sock=sock)
    return prefork.run("bare-flask", [(f"http-{n}", http) for n in range(1, processes + 1)])


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
