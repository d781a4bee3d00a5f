"""The notifier's OpenAPI 3.1 document: valid, complete, and true of the running app
(schemathesis, in-process): no 500, every response as documented."""

from __future__ import annotations

import pytest
from notifier_support import registered
from openapi_contract import (
    CHECKS,
    MODES,
    app_routes,
    assert_keeps_to_document,
    assert_valid_document,
    documented_routes,
)

from shared.access import COORDINATOR

# Not checked: positive_data_acceptance, because a schema-valid schedule may name
# people the directory does not know, which is a documented 422 no JSON Schema can say.
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
PAGES = ("pages.", "accord.", "directory.")  # HTML pages, not the API


@pytest.fixture
def fuzzed_app(app, as_role, escalations, oncall_person, httpserver):
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    escalations([registered("01JD0000000000000000000042")])
    escalations.tick()
    key = as_role(COORDINATOR).environ_base["HTTP_AUTHORIZATION"]
    return app, {"Authorization": key}


def test_the_document_is_valid_openapi_3_1_and_every_operation_loads(app):
    assert_valid_document(app)


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    documented = documented_routes(app.test_client().get("/openapi.json").get_json())
    assert app_routes(app, left_out=("static", *PAGES)) == documented


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize(("method", "path"), FUZZED, ids=lambda value: value)
def test_the_app_keeps_to_its_document_whatever_it_is_sent(fuzzed_app, method, path, mode):
    app, auth = fuzzed_app
    assert_keeps_to_document(app, method, path, mode, headers=auth, checks=CHECKS, examples=20)
