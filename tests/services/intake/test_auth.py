"""API keys on intake's JSON API: who gets in, how keys are kept, and the per-key rate limit."""

from __future__ import annotations

import pytest
from identities import PASSWORD, client_with_key
from problems import assert_problem

from services.intake.app import create_app
from shared.access import COORDINATOR
from shared.auth import USAGE
from shared.directory.credentials import sha256
from shared.settings import Settings

REFUSED = "This API key is unknown or revoked."


def assert_unauthorized(response) -> dict:
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    return body


signed_in = client_with_key


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/reports"),
        ("post", "/v1/reports/bulk?format=jsonl"),
        ("get", "/v1/reports"),
        ("get", "/v1/reports/01J0000000000000000000000A"),
    ],
)
def test_every_api_route_needs_a_key(app, outbox, valid_report, method, path):
    response = getattr(app.test_client(), method)(path, json=valid_report())

    assert assert_unauthorized(response)["detail"] == USAGE
    assert outbox.unpublished(10) == []


@pytest.mark.parametrize(
    "header",
    ["Token acc_x", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer    ", "acc_x"],
)
def test_a_malformed_authorization_header_is_told_how_to_send_the_key(app, header):
    response = app.test_client().get("/v1/reports", headers={"Authorization": header})

    assert assert_unauthorized(response)["detail"] == USAGE


def test_a_key_under_another_scheme_is_not_taken_for_a_revoked_one(app, identities):
    plain = identities.key("UK AISI")
    response = app.test_client().get("/v1/reports", headers={"Authorization": f"Token {plain}"})

    assert assert_unauthorized(response)["detail"] == USAGE


@pytest.mark.parametrize("token", ["acc_0123456789ab_not-a-real-secret", "not-even-a-key"])
def test_an_unknown_key_is_refused(app, identities, token):
    identities.key("UK AISI")
    response = app.test_client().get("/v1/reports", headers={"Authorization": f"Bearer {token}"})

    assert assert_unauthorized(response)["detail"] == REFUSED


def test_a_revoked_key_is_refused_and_the_labs_other_keys_still_work(app, identities):
    old_plain = identities.key("UK AISI")
    new_plain = identities.key("UK AISI")
    assert signed_in(app, old_plain).get("/v1/reports").status_code == 200

    identities.revoke(old_plain)

    assert assert_unauthorized(signed_in(app, old_plain).get("/v1/reports"))["detail"] == REFUSED
    assert signed_in(app, new_plain).get("/v1/reports").status_code == 200


def test_the_scheme_is_case_insensitive(app, identities):
    plain = identities.key("UK AISI")
    response = app.test_client().get("/v1/reports", headers={"Authorization": f"bearer {plain}"})
    assert response.status_code == 200


def test_the_directory_holds_only_the_keys_hash(app, identities):
    plain = identities.key("UK AISI")
    [key] = identities.directory.keys.values()
    assert key.sha256 == sha256(plain)
    assert plain.removeprefix(f"acc_{key.id}_") not in repr(identities.directory.keys)


def test_a_key_without_the_reporter_role_reads_but_cannot_file(app, identities, valid_report):
    client = signed_in(app, identities.key("UK AISI", roles=[COORDINATOR]))

    refused = client.post("/v1/reports", json=valid_report())

    assert "reporter" in assert_problem(refused, 403)["detail"]
    assert client.get("/v1/reports").status_code == 200


def test_a_signed_in_session_is_not_enough_for_the_api(app, identities, valid_report):
    """The API is exempt from CSRF, so a browser's cookie must not file reports."""
    identities.person("UK AISI", "ada@aisi.example")
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    signed = client.post("/sign-in", data={"email": "ada@aisi.example", "password": PASSWORD})
    assert signed.status_code == 303

    assert_unauthorized(client.post("/v1/reports", json=valid_report()))
    assert_unauthorized(client.get("/v1/reports"))


@pytest.fixture
def limited_app(tmp_path, bus, outbox, directory, producer):
    settings = Settings(data_dir=tmp_path, intake_rate_limit="2/minute")
    return create_app(settings, bus=bus, outbox=outbox, directory=directory, producer=producer)


def test_the_rate_limit_is_per_key_and_says_when_to_retry(limited_app, identities, valid_report):
    first_plain = identities.key("UK AISI")
    second_plain = identities.key("UK AISI")  # the same lab's other key has its own budget
    first, second = signed_in(limited_app, first_plain), signed_in(limited_app, second_plain)

    statuses = [first.post("/v1/reports", json=valid_report()).status_code for _ in range(2)]
    refused = first.post("/v1/reports", json=valid_report())

    assert statuses == [202, 202]
    assert_problem(refused, 429)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert second.post("/v1/reports", json=valid_report()).status_code == 202


def test_bulk_uploads_are_rate_limited_too(limited_app, identities):
    plain = identities.key("UK AISI")
    client = signed_in(limited_app, plain)

    statuses = [
        client.post("/v1/reports/bulk?format=jsonl", data=b"").status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_single_and_bulk_filing_share_one_budget(limited_app, identities, valid_report):
    plain = identities.key("UK AISI")
    client = signed_in(limited_app, plain)

    statuses = [
        client.post("/v1/reports", json=valid_report()).status_code,
        client.post("/v1/reports/bulk?format=jsonl", data=b"").status_code,
        client.post("/v1/reports", json=valid_report()).status_code,
    ]

    assert statuses == [202, 200, 429]


def test_reading_is_not_rate_limited(limited_app, identities):
    plain = identities.key("UK AISI")
    client = signed_in(limited_app, plain)
    assert [client.get("/v1/reports").status_code for _ in range(4)] == [200] * 4


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/healthz", "application/json"),
        ("/readyz", "application/json"),
        ("/openapi.json", "application/json"),
        ("/report", "text/html"),
    ],
)
def test_probes_the_document_and_the_form_need_no_key(app, path, mimetype):
    response = app.test_client().get(path)

    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "WWW-Authenticate" not in response.headers
