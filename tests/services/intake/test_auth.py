"""API keys on intake's JSON API: who gets in, how keys are kept, and the per-key rate limit."""

from __future__ import annotations

import pytest

from services.intake.app import create_app
from shared.settings import Settings

PROBLEM = "application/problem+json"
USAGE = "Send your lab's API key as 'Authorization: Bearer acc_...'."
REFUSED = "This API key is unknown or revoked."


def assert_unauthorized(response) -> dict:
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    body = response.get_json()
    assert body["status"] == 401
    return body


def signed_in(app, plain: str):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


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


def test_a_key_under_another_scheme_is_not_taken_for_a_revoked_one(app, keys):
    _, plain = keys.create("UK AISI")
    response = app.test_client().get("/v1/reports", headers={"Authorization": f"Token {plain}"})

    assert assert_unauthorized(response)["detail"] == USAGE


@pytest.mark.parametrize("token", ["acc_0123456789ab_not-a-real-secret", "not-even-a-key"])
def test_an_unknown_key_is_refused(app, keys, token):
    keys.create("UK AISI")
    response = app.test_client().get("/v1/reports", headers={"Authorization": f"Bearer {token}"})

    assert assert_unauthorized(response)["detail"] == REFUSED


def test_a_revoked_key_is_refused_and_the_labs_other_keys_still_work(app, keys):
    old, old_plain = keys.create("UK AISI")
    _, new_plain = keys.create("UK AISI")
    assert signed_in(app, old_plain).get("/v1/reports").status_code == 200

    assert keys.revoke(old.key_id)

    assert assert_unauthorized(signed_in(app, old_plain).get("/v1/reports"))["detail"] == REFUSED
    assert signed_in(app, new_plain).get("/v1/reports").status_code == 200


def test_the_scheme_is_case_insensitive(app, keys):
    _, plain = keys.create("UK AISI")
    response = app.test_client().get("/v1/reports", headers={"Authorization": f"bearer {plain}"})
    assert response.status_code == 200


def test_keys_are_stored_hashed(tmp_path, keys):
    key, plain = keys.create("UK AISI")
    assert keys.verify(plain) == key

    stored = b"".join(path.read_bytes() for path in tmp_path.glob("keys.sqlite3*"))
    secret = plain.removeprefix(f"acc_{key.key_id}_")
    assert key.key_id.encode() in stored  # the file holds the key's row...
    assert plain.encode() not in stored  # ...but neither the key
    assert secret.encode() not in stored  # nor its secret part


@pytest.fixture
def limited_app(tmp_path, bus, outbox, keys):
    settings = Settings(data_dir=tmp_path, intake_rate_limit="2/minute")
    return create_app(settings, bus=bus, outbox=outbox, keys=keys)


def test_the_rate_limit_is_per_key_and_says_when_to_retry(limited_app, keys, valid_report):
    _, first_plain = keys.create("UK AISI")
    _, second_plain = keys.create("CAISI")
    first, second = signed_in(limited_app, first_plain), signed_in(limited_app, second_plain)

    statuses = [first.post("/v1/reports", json=valid_report()).status_code for _ in range(2)]
    refused = first.post("/v1/reports", json=valid_report())

    assert statuses == [202, 202]
    assert refused.status_code == 429
    assert refused.mimetype == PROBLEM
    assert refused.get_json()["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert second.post("/v1/reports", json=valid_report()).status_code == 202


def test_bulk_uploads_are_rate_limited_too(limited_app, keys):
    _, plain = keys.create("UK AISI")
    client = signed_in(limited_app, plain)

    statuses = [
        client.post("/v1/reports/bulk?format=jsonl", data=b"").status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_single_and_bulk_filing_share_one_budget(limited_app, keys, valid_report):
    _, plain = keys.create("UK AISI")
    client = signed_in(limited_app, plain)

    statuses = [
        client.post("/v1/reports", json=valid_report()).status_code,
        client.post("/v1/reports/bulk?format=jsonl", data=b"").status_code,
        client.post("/v1/reports", json=valid_report()).status_code,
    ]

    assert statuses == [202, 200, 429]


def test_reading_is_not_rate_limited(limited_app, keys):
    _, plain = keys.create("UK AISI")
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
