"""The notifier's OpenAPI 3.1 document: valid, complete, and true of the running app
(schemathesis, in-process): no 500, every response as documented."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from notifier_support import registered
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.access import COORDINATOR

# Left out: positive_data_acceptance, because a schema-valid schedule may name people the
# directory does not know, which is a documented 422 no JSON Schema can say.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    missing_required_header,
    ignored_auth,
    negative_data_rejection,
]
FUZZED = [
    ("POST", "/v1/schedules"),
    ("GET", "/v1/schedules/{schedule_id}/oncall"),
    ("GET", "/v1/escalations"),
    ("GET", "/v1/escalations/{escalation_id}"),
    ("POST", "/v1/escalations/{escalation_id}/ack"),
    ("GET", "/v1/deadlines"),
    ("GET", "/v1/deadlines/{deadline_id}"),
    ("POST", "/v1/deadlines/{deadline_id}/filed"),
    ("POST", "/v1/deadlines/{deadline_id}/tier"),
    ("POST", "/v1/exercises/slots"),
    ("POST", "/v1/exercises"),
    ("GET", "/v1/exercises/{exercise_id}"),
    ("POST", "/v1/exercises/{exercise_id}/schedule"),
    ("POST", "/v1/exercises/{exercise_id}/cancel"),
    ("POST", "/v1/exercises/{exercise_id}/after-action"),
]
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
PAGES = ("pages.", "directory.")  # HTML pages, not the API


@pytest.fixture
def fuzzed_app(app, as_role, escalations, oncall_person, httpserver):
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    escalations([registered("01JD0000000000000000000042")])
    escalations.tick()
    key = as_role(COORDINATOR).environ_base["HTTP_AUTHORIZATION"]
    return app, {"Authorization": key}


def documented_routes(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.endpoint.startswith(PAGES)
        for method in rule.methods - IMPLICIT_METHODS
    }


def test_the_document_is_valid_openapi_3_1_and_every_operation_loads(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    schema.validate()
    assert schema.raw_schema["openapi"] == "3.1.0"
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded), loaded
    assert len(loaded) == len(documented_routes(schema.raw_schema))


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    documented = documented_routes(app.test_client().get("/openapi.json").get_json())
    assert app_routes(app) - {("GET", "/openapi.json")} == documented


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), FUZZED, ids=lambda value: value)
def test_the_app_keeps_to_its_document_whatever_it_is_sent(fuzzed_app, method, path, mode):
    app, auth = fuzzed_app
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operation = schema[path][method]

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def keeps_to_the_document(case):
        case.call_and_validate(headers=auth, checks=CHECKS)

    keeps_to_the_document()
