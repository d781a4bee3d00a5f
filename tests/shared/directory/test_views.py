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
from shared.clock import TestClock
from shared.directory import api, service, views
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection, follower
from shared.directory.throttle import LIMIT, WINDOW
from shared.envelope import utcnow
from shared.settings import Settings
from shared.topics import all_topics

EMAIL = "ada@aisi.example"


@pytest.fixture
def clock() -> TestClock:
    return TestClock(start=utcnow())  # the links the tests issue are dated with utcnow()


@pytest.fixture
def site(tmp_path, clock) -> Iterator[tuple[Flask, Identities]]:
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
    views.init_app(app, projection=projection, producer=producer, service_name="test", clock=clock)
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


def sign_in(client, email=EMAIL, password=PASSWORD, path="/sign-in", headers=None, **extra):
    data = {"csrf_token": token_of(client, path), "email": email, "password": password}
    return client.post(path, data={**data, **extra}, headers=headers)


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


def test_the_sign_in_page_speaks_french_and_keeps_it_until_next(app, ids):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()

    page = client.get("/sign-in?lang=fr&next=/reports")

    assert "Accept-Language" in page.headers["Vary"]
    html = Page(page.text)
    [root] = html.find("html")
    assert root["lang"] == "fr"
    assert "Se connecter à Accord" in page.text
    assert "Adresse e-mail" in page.text
    links = {link["hreflang"]: link for link in html.find("a") if "hreflang" in link}
    assert sorted(links) == ["en", "es", "fr", "zh-Hans"]
    assert links["fr"].get("aria-current") == "page"
    assert links["zh-Hans"]["href"] == "/sign-in?next=%2Freports&lang=zh"
    [form] = html.find("form")
    assert form["action"] == "/sign-in?lang=fr"

    response = sign_in(client, path=form["action"], next="/reports?page=2")

    assert response.status_code == 303
    assert response.headers["Location"] == "/reports?page=2&lang=fr"
    signed_out = client.post("/sign-out?lang=fr", data={"csrf_token": token_of(client, "/sign-in")})
    assert signed_out.headers["Location"] == "/sign-in?lang=fr"
    assert "Vous êtes déconnecté." in client.get(signed_out.headers["Location"]).text


def test_the_sign_in_page_speaks_the_language_of_the_page_that_sent_the_reader(app):
    page = app.test_client().get("/sign-in?next=/reports?lang%3Des")

    [root] = Page(page.text).find("html")
    assert root["lang"] == "es"
    assert "Iniciar sesión en Accord" in page.text
    [form] = Page(page.text).find("form")
    assert form["action"] == "/sign-in?lang=es"


def test_the_sign_in_page_speaks_chinese_to_a_browser_asking_for_it(app, ids):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}

    page = client.get("/sign-in", headers=chinese)
    refused = sign_in(client, password="wrong password!", headers=chinese)

    [root] = Page(page.text).find("html")
    assert root["lang"] == "zh-Hans"
    assert "登录 Accord" in page.text
    assert "电子邮件地址" in page.text
    [form] = Page(page.text).find("form")
    assert form["action"] == "/sign-in"  # the browser's language, negotiated again each time
    assert refused.status_code == 422
    assert '<p id="error">此电子邮件地址与密码不匹配任何账户。</p>' in refused.text
    assert "Accept-Language" in refused.headers["Vary"]


def test_errors_on_the_password_pages_are_translated(app, ids, clock):
    ada = ids.person("UK AISI", EMAIL, password=None)
    path = f"/set-password/{ids.password_link(ada)}"
    client = app.test_client()
    token = token_of(client, path)

    short = client.post(
        f"{path}?lang=es", data={"csrf_token": token, "password": "corta", "confirm": "corta"}
    )
    forged = client.post(f"{path}?lang=es", data={"csrf_token": "forged"})
    clock.advance(service.LINK_LIFETIME.total_seconds() + 60)  # issued just after clock start
    expired = client.get(f"{path}?lang=fr")

    assert short.status_code == 422
    assert "Use al menos 12 caracteres." in short.text
    assert forged.status_code == 400
    assert "No se ha cambiado nada" in forged.text
    assert expired.status_code == 404
    assert "Ce lien ne peut pas être utilisé" in expired.text
    assert "inconnu, déjà utilisé ou expiré" in expired.text


def fail(client, times: int, email=EMAIL) -> list[int]:
    return [
        sign_in(client, email=email, password="wrong password!").status_code for _ in range(times)
    ]


def test_failed_sign_ins_for_an_email_are_throttled_without_checking_the_password(
    app, ids, clock, monkeypatch
):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()
    assert fail(client, LIMIT - 1) == [422] * (LIMIT - 1)
    clock.advance(60)
    assert fail(client, 1) == [422]

    def checked(*_):
        raise AssertionError("the password was checked")

    with monkeypatch.context() as patched:
        patched.setattr(views.credentials, "password_matches", checked)
        throttled = sign_in(client, email=" ADA@aisi.example", path="/sign-in?lang=fr")

    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == str(int(WINDOW) - 60)
    assert "Trop de tentatives de connexion échouées" in throttled.text
    assert "Réessayez dans 14 min." in throttled.text
    assert whoami(client)["anonymous"] is True
    assert sign_in(client, email="bo@aisi.example").status_code == 422  # another e-mail
    clock.advance(WINDOW - 60)  # the first four failures leave the window, not the fifth
    assert sign_in(client).status_code == 303


def test_a_successful_sign_in_forgets_the_failures(app, ids):
    ids.person("UK AISI", EMAIL)
    client = app.test_client()

    assert fail(client, LIMIT - 1) == [422] * (LIMIT - 1)
    assert sign_in(client).status_code == 303
    assert fail(client, LIMIT) == [422] * LIMIT
    assert sign_in(client).status_code == 429


def test_the_page_links_the_shared_stylesheet_then_its_own_and_both_are_served(app):
    client = app.test_client()
    links = Page(client.get("/sign-in").get_data(as_text=True)).find("link", rel="stylesheet")
    assert [link["href"] for link in links] == [
        "/accord/static/accord.css",
        "/account/static/account.css",
    ]
    for link in links:
        response = client.get(link["href"])
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert b"{" in response.data
        response.close()
