"""The HTTP floor: a bare Flask JSON endpoint served exactly as the services are
(shared.serve: waitress, 8 threads). ``python -m bench.bare_flask PORT``."""

from __future__ import annotations

import json
import logging
import sys

from flask import Flask, request

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


if __name__ == "__main__":
    # As intake runs in the benchmark (ACCORD_LOG_LEVEL=ERROR): no line per queued request.
    logging.getLogger("waitress").setLevel(logging.ERROR)
    sys.exit(serve(create_app(), name="bare-flask", host="127.0.0.1", port=int(sys.argv[1])))
