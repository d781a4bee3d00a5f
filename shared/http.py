"""What every service's HTTP side shares: RFC 9457 problem responses and health probes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Flask, jsonify
from werkzeug.exceptions import HTTPException

from shared.errors import Unavailable

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, **extra: Any):
    """An RFC 9457 problem document; ``extra`` adds members such as ``errors``."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    return response


def install_problem_handlers(app: Flask) -> None:
    """Every HTTP error a service raises leaves as problem+json, with its headers kept."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        response = problem(exc.code or 500, exc.name, exc.description)
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Unavailable)
    def _unavailable(exc: Unavailable):
        response = problem(503, "Service Unavailable", str(exc))
        response.headers["Retry-After"] = "5"
        return response


def health_blueprint(checks: Mapping[str, Callable[[], None]]) -> Blueprint:
    """``/healthz``: the process answers. ``/readyz``: every check passes (each raises
    ``Unavailable`` when its dependency is down)."""
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @bp.get("/readyz")
    def readyz():
        results = {}
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Unavailable as exc:
                results[name] = str(exc)
        ready = all(result == "ok" for result in results.values())
        return {"status": "ok" if ready else "unavailable", "checks": results}, (
            200 if ready else 503
        )

    return bp


def field_errors(errors: Mapping[Any, Any] | list, pointer: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow's nested errors into ``{"pointer", "detail"}`` items, one per
    problem, with a JSON Pointer (RFC 6901) to the field, e.g. ``/countries/0``; an error
    about the whole document has the empty pointer."""
    if isinstance(errors, list):
        return [{"pointer": pointer, "detail": str(message)} for message in errors]
    items = []
    for name, nested in errors.items():
        segment = "" if name == "_schema" else "/" + str(name).replace("~", "~0").replace("/", "~1")
        items += field_errors(nested, pointer + segment)
    return items


def validation_problem(errors: Mapping[Any, Any], subject: str = "The report"):
    """A 422 naming every invalid field; ``subject`` says what was invalid."""
    items = field_errors(errors)
    return problem(
        422,
        "Unprocessable Content",
        f"{subject} has {len(items)} invalid field{'s' if len(items) != 1 else ''}.",
        errors=items,
    )
