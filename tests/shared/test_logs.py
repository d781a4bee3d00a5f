"""JSON log lines carry the request id (the caller's or a new one) and the incident id."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import Flask

from shared import logs


@pytest.fixture
def lines(monkeypatch) -> io.StringIO:
    """What the process logs, as JSON lines; the root logger is restored afterwards."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    logs.configure_logging("test")
    return stream


def logged(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def client():
    app = Flask(__name__)
    logs.init_app(app)

    @app.get("/v1/incidents/<incident_id>")
    def incident(incident_id: str):
        logging.getLogger("test.view").info("reading it")
        return {"id": incident_id}

    @app.post("/v1/reports")
    def submit():
        logs.bind(incident_id="01NEWREPORT")
        return {}, 202

    return app.test_client()


def test_the_callers_request_id_is_echoed_and_on_every_line_with_the_incident_id(lines, client):
    response = client.get("/v1/incidents/01ABC", headers={"X-Request-ID": "req-42"})

    assert response.headers["X-Request-ID"] == "req-42"
    view, access = logged(lines)
    assert view["message"] == "reading it"
    assert view["service"] == "test"
    for line in (view, access):
        assert line["request_id"] == "req-42"
        assert line["incident_id"] == "01ABC"
    assert access["message"] == "GET /v1/incidents/01ABC 200"
    assert access["status"] == 200


@pytest.mark.parametrize("header", [None, "", "two words", "x" * 129, "evil\tInjected: 1", "ü"])
def test_a_missing_or_unusable_request_id_is_replaced_by_a_new_one(lines, client, header):
    headers = {} if header is None else {"X-Request-ID": header}

    response = client.get("/v1/incidents/01ABC", headers=headers)

    generated = response.headers["X-Request-ID"]
    assert generated != header
    assert len(generated) == 32
    assert {line["request_id"] for line in logged(lines)} == {generated}


def test_an_id_bound_by_a_view_reaches_the_access_line_and_not_the_next_request(lines, client):
    client.post("/v1/reports")
    client.get("/healthz")  # no such route: a 404, with nothing bound

    accepted, missing = logged(lines)
    assert accepted["incident_id"] == "01NEWREPORT"
    assert "incident_id" not in missing
    assert accepted["request_id"] != missing["request_id"]
