"""The OpenAPI document: valid, complete, and true of the running app (schemathesis, in-process)."""

from __future__ import annotations

import pytest
import schemathesis
from openapi_contract import (
    CHECKS,
    MODES,
    app_routes,
    assert_keeps_to_document,
    assert_valid_document,
    documented_routes,
)
from schemathesis.specs.openapi.checks import negative_data_rejection

from services.intake.app import create_app
from shared.settings import Settings

# Left out on purpose: positive_data_acceptance and negative_data_rejection. The report's
# input shape is lenient by design (shared.report.ReportInputSchema: nothing required, many
# fields free-form), and the normalizer decides validity, so a schema-valid body may be a
# documented 422; and unknown query parameters are ignored, as HTTP APIs do, not refused.
CHECKS = [check for check in CHECKS if check is not negative_data_rejection]
FUZZED = [
    ("POST", "/v1/reports"),
    ("GET", "/v1/reports"),
    ("GET", "/v1/reports/{report_id}"),
    ("POST", "/v1/reports/bulk"),
]
# The HTML pages (the form, the status pages, sign-in) and their files.
PAGES = ("static", "accord.", "form.", "status_pages.", "directory.")


def test_the_document_is_valid_openapi_and_every_operation_loads(app):
    assert_valid_document(app)


def test_every_route_of_the_api_is_documented_and_every_documented_route_exists(app):
    documented = documented_routes(app.test_client().get("/openapi.json").get_json())
    assert app_routes(app, left_out=PAGES) == documented


def test_the_document_names_the_configured_public_url(tmp_path, bus, outbox, directory, producer):
    settings = Settings(data_dir=tmp_path, intake_url="https://intake.example.org")
    app = create_app(settings, bus=bus, outbox=outbox, directory=directory, producer=producer)

    document = app.test_client().get("/openapi.json").get_json()

    assert document["servers"] == [{"url": "https://intake.example.org"}]


def test_a_method_a_route_does_not_have_is_405_with_allow(client):
    response = client.delete("/v1/reports/01J00000000000000000000000")

    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # Each was a 500: json.loads raised RecursionError, or ValueError past the 4,300-digit
        # limit on integers, and the view caught neither.
        (b"[" * 100_000, "nests arrays or objects too deeply"),
        (b'{"ai_system": ' + b'{"a": ' * 50_000, "nests arrays or objects too deeply"),
        (b'{"title": ' + b"9" * 5_000 + b"}", "not valid JSON"),
    ],
    ids=["deep-array", "deep-object", "huge-integer"],
)
def test_hostile_json_is_a_bad_request_not_a_server_error(client, outbox, body, detail):
    response = client.post("/v1/reports", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert detail in response.get_json()["detail"]
    assert outbox.unpublished(10) == []


@pytest.fixture
def fuzzed(tmp_path, bus, outbox, directory, producer, identities, valid_report):
    """The app under a generous rate limit, a key for it, and one report already filed (so a
    generated id has something to miss, and the lists are not always empty)."""
    settings = Settings(data_dir=tmp_path, intake_rate_limit="100000/minute")
    app = create_app(settings, bus=bus, outbox=outbox, directory=directory, producer=producer)
    plain = identities.key("UK AISI")
    headers = {"Authorization": f"Bearer {plain}"}
    filed = app.test_client().post("/v1/reports", json=valid_report(), headers=headers)
    assert filed.status_code == 202
    return app, headers


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize(("method", "path"), FUZZED, ids=lambda value: value)
def test_the_app_keeps_to_its_document_whatever_it_is_sent(fuzzed, method, path, mode):
    app, headers = fuzzed
    assert_keeps_to_document(app, method, path, mode, headers=headers, checks=CHECKS, examples=40)


def test_whoami_answers_as_documented(fuzzed):
    """No parameters to fuzz (schemathesis finds no negative case): one call of each kind."""
    app, headers = fuzzed
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app)["/v1/whoami"]["GET"]
    for sent in (headers, {}, {"Authorization": "Bearer acc_unknown"}):
        case = operation.Case(headers=sent)
        operation.validate_response(case.call())
