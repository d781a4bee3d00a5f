from __future__ import annotations

import pytest
from flask import Flask, abort

from shared.errors import Unavailable
from shared.http import (
    PROBLEM_TYPE,
    field_errors,
    health_blueprint,
    install_problem_handlers,
    problem,
)


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        ({"title": ["Missing."]}, [("/title", "Missing.")]),
        ({"title": ["Too long.", "Bad."]}, [("/title", "Too long."), ("/title", "Bad.")]),
        ({"countries": {0: ["Use a code."]}}, [("/countries/0", "Use a code.")]),
        ({"report": {"tlp": ["Bad."]}}, [("/report/tlp", "Bad.")]),
        (
            {"_schema": ["Invalid input."]},
            [("", "Invalid input.")],
        ),  # RFC 6901: "" is the whole document
        ({"report": {"_schema": ["Bad."]}}, [("/report", "Bad.")]),
        (
            {"a/b": ["x"], "c~d": ["y"], "e~1": ["z"]},
            [("/a~1b", "x"), ("/c~0d", "y"), ("/e~01", "z")],
        ),
        ({}, []),
    ],
)
def test_field_errors_flatten_to_json_pointers(errors, expected):
    assert field_errors(errors) == [{"pointer": p, "detail": d} for p, d in expected]


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    install_problem_handlers(app)

    @app.get("/problem")
    def _problem():
        return problem(409, "Conflict", "already there", errors=[{"pointer": "/id"}])

    @app.get("/bare")
    def _bare():
        return problem(400, "Bad Request")

    @app.get("/gone")
    def _gone():
        abort(404)

    @app.get("/down")
    def _down():
        raise Unavailable("store unreachable")

    return app


def test_problem_is_an_rfc9457_document(app):
    response = app.test_client().get("/problem")
    assert response.status_code == 409
    assert response.mimetype == PROBLEM_TYPE == "application/problem+json"
    assert response.get_json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "already there",
        "errors": [{"pointer": "/id"}],
    }


def test_problem_without_detail_leaves_it_out(app):
    assert app.test_client().get("/bare").get_json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
    }


def test_http_errors_leave_as_problems(app):
    response = app.test_client().get("/gone")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_TYPE
    assert response.get_json()["title"] == "Not Found"


def test_method_not_allowed_keeps_its_allow_header(app):
    response = app.test_client().post("/gone")
    assert response.status_code == 405
    assert response.mimetype == PROBLEM_TYPE
    assert "GET" in response.headers["Allow"]


def test_unavailable_becomes_503_with_retry_after(app):
    response = app.test_client().get("/down")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM_TYPE
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["detail"] == "store unreachable"


def health_client(**checks):
    app = Flask(__name__)
    app.register_blueprint(health_blueprint(checks))
    return app.test_client()


def ok() -> None:
    pass


def down() -> None:
    raise Unavailable("bus: connection refused")


def test_healthz_answers_even_when_a_dependency_is_down():
    response = health_client(bus=down).get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_when_every_check_passes():
    response = health_client(bus=ok, store=ok).get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"bus": "ok", "store": "ok"}}


def test_readyz_is_503_with_the_failing_checks_message():
    response = health_client(bus=down, store=ok).get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"bus": "bus: connection refused", "store": "ok"},
    }
