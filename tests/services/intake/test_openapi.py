"""The OpenAPI document: valid, complete, and true of the running app (schemathesis, in-process)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.intake.app import create_app
from shared.settings import Settings

# Left out on purpose: positive_data_acceptance and negative_data_rejection. The report's
# input shape is lenient by design (shared.report.ReportInputSchema: nothing required, many
# fields free-form), and the normalizer decides validity, so a schema-valid body may be a
# documented 422; and unknown query parameters are ignored, as HTTP APIs do, not refused.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    missing_required_header,
    ignored_auth,
]
FUZZED = [
    ("POST", "/v1/reports"),
    ("GET", "/v1/reports"),
    ("GET", "/v1/reports/{report_id}"),
    ("POST", "/v1/reports/bulk"),
]
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def documented_routes(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }


def app_routes(app, blueprint: str | None = None) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of the app's routes, or of one blueprint's."""
    return {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if blueprint is None or rule.endpoint.startswith(f"{blueprint}.")
        for method in rule.methods - IMPLICIT_METHODS
    }


def test_the_document_is_valid_openapi_and_every_operation_loads(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)

    schema.validate()  # against the OpenAPI meta-schema; raises on the first violation
    assert schema.raw_schema["openapi"].startswith("3.")
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded), loaded
    assert len(loaded) == len(documented_routes(schema.raw_schema))


def test_every_route_of_the_api_is_documented_and_every_documented_route_exists(app):
    documented = documented_routes(app.test_client().get("/openapi.json").get_json())
    api = app_routes(app, "reports") - {("GET", "/openapi.json")}

    assert api, "the reports blueprint registered no routes"
    assert api - documented == set()
    assert app_routes(app, "health") - documented == set()
    assert documented - app_routes(app) == set()


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
    return schemathesis.openapi.from_wsgi("/openapi.json", app), headers


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), FUZZED, ids=lambda value: value)
def test_the_app_keeps_to_its_document_whatever_it_is_sent(fuzzed, method, path, mode):
    schema, headers = fuzzed
    operation = schema[path][method]

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def keeps_to_the_document(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    keeps_to_the_document()


def test_whoami_answers_as_documented(fuzzed):
    """No parameters to fuzz (schemathesis finds no negative case): one call of each kind."""
    schema, headers = fuzzed
    operation = schema["/v1/whoami"]["GET"]
    for sent in (headers, {}, {"Authorization": "Bearer acc_unknown"}):
        case = operation.Case(headers=sent)
        operation.validate_response(case.call())
