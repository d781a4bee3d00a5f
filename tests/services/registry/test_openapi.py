"""The registry's OpenAPI 3.1 document: valid, complete, and true of the running app
(schemathesis, in-process): no 500, every response as documented."""

from __future__ import annotations

import pytest
from openapi_contract import (
    CHECKS,
    MODES,
    app_routes,
    assert_keeps_to_document,
    assert_valid_document,
    documented_routes,
)
from registry_support import STORES, app_client, headers, open_store

from services.registry.openapi import DECISIONS

# Not checked: positive_data_acceptance, because a schema-valid ``q`` (any string
# up to 500 characters) may be a documented 400 for its syntax, which no JSON Schema says.
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


# Static files, and the directory's sign-in pages that every service mounts.
UNDOCUMENTED = ("static", "registry_static.static", "accord.static", "directory.")


def test_the_document_is_valid_openapi_3_1_and_every_operation_loads(app):
    assert_valid_document(app)


def test_every_route_is_documented_and_every_documented_route_exists(app):
    documented = documented_routes(app.test_client().get("/openapi.json").get_json())
    assert app_routes(app, left_out=UNDOCUMENTED) == documented


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize(("method", "path"), FUZZED, ids=lambda value: value)
def test_the_app_keeps_to_its_document_whatever_it_is_sent(app, method, path, mode):
    auth = headers("risk owner")
    assert_keeps_to_document(app, method, path, mode, headers=auth, checks=CHECKS, examples=40)
