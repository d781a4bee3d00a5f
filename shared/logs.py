"""JSON logging, configured once per process by its entrypoint, with ids bound by context.

``bind(incident_id=...)`` adds fields to every line logged in the current context (the
request, in an HTTP service); ``init_app`` binds each request's id: the caller's
``X-Request-ID`` when it is a sensible one, else a new one, echoed in the response.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it is short and plain (no spaces or control characters that
# could forge log lines or headers); anything else is replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")

access = logging.getLogger("accord.access")
_fields: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "log_fields", default=None
)


def bind(**fields: str | None) -> None:
    """Add ``fields`` (those not None) to every record logged in this context."""
    bound = _fields.get() or {}
    _fields.set({**bound, **{k: v for k, v in fields.items() if v is not None}})


class _ContextFields(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in (_fields.get() or {}).items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            # The pid tells apart the processes of a service that serves from several.
            "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "process": "pid",
            },
            static_fields={"service": service},
        )
    )
    handler.addFilter(_ContextFields())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # kafka-python logs every connection step, the Elasticsearch client every request, and
    # APScheduler every timer it adds and runs, at INFO; at DEBUG, kafka-python logs the
    # bytes of its SASL requests, password included: never lower these.
    for chatty in ("kafka", "elastic_transport", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def request_id(header: str | None) -> str:
    """The caller's request id when it is a plain one, else a new one."""
    if header is not None and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def init_app(app: Flask) -> None:
    """Bind each request's id (and the incident or report id its route names) for its log
    lines, and echo the id in ``X-Request-ID``."""

    @app.before_request
    def _bind_request() -> None:
        g.request_id = request_id(request.headers.get(REQUEST_ID_HEADER))
        args = request.view_args or {}
        bind(
            request_id=g.request_id,
            incident_id=args.get("incident_id") or args.get("report_id"),
        )

    @app.after_request
    def _echo(response: Response) -> Response:
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
            access.info(
                "%s %s %d",
                request.method,
                request.path,
                response.status_code,
                extra={"status": response.status_code},
            )
        return response

    @app.teardown_request
    def _unbind(_exc: BaseException | None) -> None:
        # waitress reuses its threads: the next request must not inherit these fields.
        _fields.set(None)
