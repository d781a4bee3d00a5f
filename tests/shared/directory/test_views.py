"""The sign-in pages as any service mounts them: a bare Flask app with only the blueprint,
``/v1/whoami`` to see who the session is, and the directory following an embedded bus."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from html_page import Page
from identities import PASSWORD, Identities, on_the_bus

from shared import auth
from shared.bus.embedded import EmbeddedBus
from shared.directory import api, views
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection, follower
from shared.settings import Settings
from shared.topics import all_topics

EMAIL = "ada@aisi.example"


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[Flask, Identities]]:
    settings = Settings(data_dir=tmp_path, secret_key="test secret")
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    bus.create_topics(all_topics(settings.topic_prefix))
    producer = bus.producer()
    projection = DirectoryProjection()
    runner = follower(bus, producer, projection, prefix=settings.topic_prefix, service="test")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    app = Flask(__name__)
    app.config["ACCORD"] = settings
    auth.init_app(app, DirectoryAuthenticator(projection))
    views.init_app(app, projection=projection, producer=producer, service_name="test")
    app.register_blueprint(api.bp)
    try:
        yield app, Identities(on_the_bus(producer, settings.topic_prefix, projection))
    finally:
        runner.stop()
        thread.join(timeout=10)
        producer.close()
        bus.close()


@pytest.fixture
def app(site) -> Flask:
    return site[0]


@pytest.fixture
def ids(site) -> Identities:
    return site[1]


def token_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    [field] = Page(response.text).find("input", name="csrf_token")
    return field["value"]


def sign_in(client, email=EMAIL, password=PASSWORD, **extra):
    data = {"csrf_token": token_of(client, "/sign-in"), "email": email, "password": password}
    return client.post("/sign-in", data={**data, **extra})


def whoami(client) -> dict:
    return client.get("/v1/whoami").get_json()


def test_signing_in_starts_a_session_that_names_the_person(app, ids):
    ada = ids.person("UK AISI", EMAIL, roles=["risk_owner"])
    client = app.test_client()
    assert whoami(client)["anonymous"] is True

    response = sign_in(client, email=" ADA@aisi.example ", next="/reports?page=2")

    assert response.status_code == 303
    assert response.headers["Location"] == "/reports?page=2"
    assert whoami(client) == {
        "anonymous": False,
        "person_id": ada,
        "organization_id": ids.organization("UK AISI"),
        "member": True,
        "roles": ["risk_owner"],
    }
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.expires is not None


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil", ""])
def test_next_never_leaves_the_site(app, ids, target):
    ids.person("UK AISI", EMAIL)
    response = sign_in(app.test_client(), next=target)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        (EMAIL, "wrong password!", "do not match an account"),
        ("bo@aisi.example", PASSWORD, "do not match an account"),  # unknown: the same answer
        ("", PASSWORD, "Enter your e-mail address and your password."),
        (EMAIL, "", "Enter your e-mail address and your password."),
    ],
)
def test_a_refused_sign_in_says_why_and_keeps_no_session(app, ids, email, password, message):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()

    response = sign_in(client, email=email, password=password)

    assert response.status_code == 422
    assert message in response.text
    assert password not in response.text or not password
    assert whoami(client)["anonymous"] is True


def test_a_person_without_a_password_cannot_sign_in(app, ids):
    ids.person("UK AISI", EMAIL, password=None)
    assert sign_in(app.test_client(), password="").status_code == 422
    assert sign_in(app.test_client(), password="anything at all").status_code == 422


def test_every_form_needs_its_csrf_token(app, ids):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()
    client.get("/sign-in")

    refused = client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 400
    assert refused.mimetype == "text/html"
    assert "Nothing was changed" in refused.text
    assert sign_in(client).status_code == 303
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert whoami(client)["anonymous"] is False


def test_signing_out_ends_the_session(app, ids):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()
    sign_in(client)

    response = client.post("/sign-out", data={"csrf_token": token_of(client, "/sign-in")})

    assert response.status_code == 303
    assert whoami(client)["anonymous"] is True
    assert "You have signed out." in client.get("/sign-in").text


def test_a_session_expires(app, ids, monkeypatch):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()
    sign_in(client)
    with client.session_transaction() as session:
        contents = dict(session)
    serializer = app.session_interface.get_signing_serializer(app)
    lifetime = app.permanent_session_lifetime
    assert lifetime == timedelta(hours=8)
    signed_at = time.time() - lifetime.total_seconds() - 60
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: signed_at)
    old = serializer.dumps(contents)
    monkeypatch.undo()
    client.set_cookie("session", old)

    assert whoami(client)["anonymous"] is True


def test_a_password_is_set_once_through_its_link_and_then_signs_in(app, ids):
    ada = ids.person("UK AISI", EMAIL, password=None)
    path = f"/set-password/{ids.password_link(ada)}"
    client = app.test_client()

    page = client.get(path)
    assert page.status_code == 200
    assert EMAIL in page.text
    token = token_of(client, path)
    short = client.post(path, data={"csrf_token": token, "password": "short", "confirm": "short"})
    differ = client.post(
        path, data={"csrf_token": token, "password": "a" * 12, "confirm": "b" * 12}
    )
    good = {"csrf_token": token, "password": "a new passphrase", "confirm": "a new passphrase"}
    response = client.post(path, data=good)

    assert short.status_code == differ.status_code == 422
    assert "at least 12 characters" in short.text
    assert "The two passwords differ." in differ.text
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    assert "Your password is set." in client.get("/sign-in").text
    assert sign_in(client, password="a new passphrase").status_code == 303
    assert whoami(client)["person_id"] == ada
    used = client.get(path)
    assert used.status_code == 404
    assert "This link cannot be used" in used.text
    assert "unknown, used or expired" in used.text
    again = {**good, "csrf_token": token_of(client, "/sign-in")}
    assert client.post(path, data=again).status_code == 404


def test_a_new_password_ends_other_sessions(app, ids):
    ada = ids.person("UK AISI", EMAIL)
    elsewhere = app.test_client()
    sign_in(elsewhere)

    ids.set_password(ada, "another passphrase", ids.password_link(ada))

    assert whoami(elsewhere)["anonymous"] is True
    assert "Your session ended" in elsewhere.get("/sign-in").text


def test_a_bad_key_is_401_even_with_a_session(app, ids):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()
    sign_in(client)

    response = client.get("/v1/whoami", headers={"Authorization": "Bearer acc_nope"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_pages_carry_the_headers_of_a_page_with_a_token(app):
    response = app.test_client().get("/sign-in")
    assert "no-store" in response.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
