"""What every service's OpenAPI test shares: the document is valid OpenAPI 3.1 whose
operations all load, its routes are the app's, and the app keeps to it whatever
schemathesis sends (in-process, derandomized)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
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

# Each service's test says which checks it leaves out, and why.
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
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
_IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def documented_routes(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }


def app_routes(app, *, left_out: Iterable[str] = ()) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of the app's routes, but those of the endpoints starting with
    one of ``left_out`` (static files, sign-in pages) and /openapi.json itself."""
    left_out = tuple(left_out)
    return {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if not (left_out and rule.endpoint.startswith(left_out)) and rule.rule != "/openapi.json"
        for method in rule.methods - _IMPLICIT_METHODS
    }


def assert_valid_document(app) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    schema.validate()  # against the OpenAPI meta-schema; raises on the first violation
    assert schema.raw_schema["openapi"] == "3.1.0"
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded), loaded
    assert len(loaded) == len(documented_routes(schema.raw_schema))


def assert_keeps_to_document(
    app, method: str, path: str, mode: GenerationMode, *, headers: dict, checks, examples: int
) -> None:
    """``examples`` generated requests to one operation, each answered as documented."""
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app)[path][method]

    @settings(
        max_examples=examples,
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
        case.call_and_validate(headers=headers, checks=checks)

    keeps_to_the_document()
