"""The registry's OpenAPI 3.1 document: valid, complete, and true of the running app
(schemathesis, in-process): no 500, every response as documented."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from registry_support import STORES, app_client, headers, open_store
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

from services.registry.openapi import DECISIONS

# Left out on purpose: positive_data_acceptance, because a schema-valid ``q`` (any string
# up to 500 characters) may be a documented 400 for its syntax, which no JSON Schema says.
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
    ("GET", "/v1/incidents"),
    ("GET", "/v1/incidents/export"),
    ("GET", "/v1/incidents/{incident_id}"),
    ("GET", "/v1/incidents/{incident_id}/duplicates"),
    ("GET", "/v1/duplicates"),
    ("GET", "/v1/incidents/{incident_id}/timeline"),
    ("GET", "/v1/risks"),
    ("GET", "/v1/service-levels"),
    ("POST", "/v1/risks"),
    ("GET", "/v1/risks/{risk_id}"),
    ("PATCH", "/v1/risks/{risk_id}"),
    *(("POST", f"/v1/incidents/{{incident_id}}/{suffix}") for suffix, _, _ in DECISIONS),
    ("GET", "/v1/public/incidents"),
    ("GET", "/public"),
    ("GET", "/incidents"),
    ("GET", "/incidents/{incident_id}"),
    ("GET", "/dashboard"),
    ("GET", "/public/dashboard"),
    ("GET", "/duplicates"),
    ("GET", "/risks"),
    ("GET", "/risks/{risk_id}"),
]
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(params=STORES)
def app(request, tmp_path, bus, make_report):
    store = open_store(request.param, request, tmp_path)
    request.addfinalizer(store.close)
    store.upsert(
        [
            {**make_report(n, tlp=tlp), "status": "new", "organization_id": "org-lab-a"}
            for n, tlp in enumerate(("CLEAR", "GREEN", "AMBER", "RED"), start=1)
        ]
    )
    return app_client(tmp_path, bus, store).application


def documented_routes(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }


# Static files, and the directory's sign-in pages that every service mounts.
UNDOCUMENTED = ("static", "registry_static.static", "directory.")


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith(UNDOCUMENTED)
        for method in rule.methods - IMPLICIT_METHODS
    }


def test_the_document_is_valid_openapi_3_1_and_every_operation_loads(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)

    schema.validate()
    assert schema.raw_schema["openapi"] == "3.1.0"
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded), loaded
    assert len(loaded) == len(documented_routes(schema.raw_schema))


def test_every_route_is_documented_and_every_documented_route_exists(app):
    documented = documented_routes(app.test_client().get("/openapi.json").get_json())
    assert app_routes(app) - {("GET", "/openapi.json")} == documented


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), FUZZED, ids=lambda value: value)
def test_the_app_keeps_to_its_document_whatever_it_is_sent(app, method, path, mode):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operation = schema[path][method]
    auth = headers("risk owner")

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
        case.call_and_validate(headers=auth, checks=CHECKS)

    keeps_to_the_document()
