"""The notifier's HTTP side: liveness and readiness on the bus."""

from __future__ import annotations

from services.notifier.app import create_app
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.settings import Settings


def client_for(tmp_path, bus):
    directory = DirectoryProjection()
    directory.load(bus, "test")  # what the service's follower does first
    settings = Settings(data_dir=tmp_path)
    return create_app(
        settings, bus=bus, authenticator=DirectoryAuthenticator(directory)
    ).test_client()


def test_healthz_answers(tmp_path, bus):
    response = client_for(tmp_path, bus).get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_the_bus_answers(tmp_path, bus):
    response = client_for(tmp_path, bus).get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"bus": "ok", "directory": "ok"}}


def test_not_ready_when_the_bus_does_not_answer(tmp_path, unreachable_bus):
    client = create_app(Settings(data_dir=tmp_path), bus=unreachable_bus).test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["bus"] != "ok"
    assert body["checks"]["directory"] == "the directory has not been read from the bus yet"
    assert client.get("/healthz").status_code == 200
