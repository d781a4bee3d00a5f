"""``accord export`` in-process: through a registry served over real HTTP with a key (its
access rules apply), or from the store directly; and its refusals."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from registry_support import KEY_OF, KEYS, LAB_A, LAB_B, DictAuthenticator
from servers import free_port
from werkzeug.serving import make_server

from services.cli import main
from services.registry import store as stores
from services.registry.app import create_app
from shared.settings import Settings


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path))
    return Settings.from_env()


@pytest.fixture
def stored(settings, make_report) -> list[dict]:
    """Two GREEN incidents and one AMBER+STRICT one of lab B's, in the settings' store."""
    store = stores.connect(settings)
    store.ensure()
    incidents = [
        make_report(1, tlp="GREEN", organization_id=LAB_A),
        make_report(2, tlp="GREEN", organization_id=LAB_A),
        make_report(3, tlp="AMBER+STRICT", organization_id=LAB_B),
    ]
    store.upsert(incidents)
    store.close()
    return incidents


@pytest.fixture
def registry_url(settings, bus, stored) -> Iterator[str]:
    """The registry app on the same store, served over HTTP on a free port."""
    store = stores.connect(settings)
    app = create_app(settings, bus=bus, store=store, authenticator=DictAuthenticator(KEYS))
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(10)
    store.close()


def exported(text: str) -> list[str]:
    return [json.loads(line)["id"] for line in text.splitlines()]


def test_export_through_the_api_gives_what_the_key_may_read(registry_url, stored, capsys):
    key = KEY_OF["lab A reporter"]

    assert main(["export", "--url", registry_url, "--key", key]) == 0

    out, err = capsys.readouterr()
    assert sorted(exported(out)) == [stored[0]["id"], stored[1]["id"]]  # not lab B's
    assert err.strip() == "exported 2 incidents"


def test_export_through_the_api_with_a_query_into_a_file(registry_url, stored, tmp_path):
    out = tmp_path / "out.jsonl"
    args = ["export", "--url", registry_url, "--key", KEY_OF["lab B reporter"]]

    assert main([*args, "--query", "tlp:AMBER+STRICT", "--out", str(out)]) == 0

    assert exported(out.read_text()) == [stored[2]["id"]]


def test_export_from_the_store_is_every_incident(settings, stored, capsys):
    assert main(["export", "--store"]) == 0

    assert exported(capsys.readouterr().out) == sorted(i["id"] for i in stored)


def test_a_refused_key_is_the_registrys_answer_and_writes_nothing(registry_url, tmp_path, capsys):
    out = tmp_path / "out.jsonl"

    status = main(["export", "--url", registry_url, "--key", "acc_unknown", "--out", str(out)])

    assert status == 1
    assert "the registry answered 401" in capsys.readouterr().err
    assert not out.exists()


def test_an_export_without_a_key_or_a_registry(settings, capsys, monkeypatch):
    monkeypatch.delenv("ACCORD_KEY", raising=False)
    assert main(["export"]) == 2
    assert "give an API key" in capsys.readouterr().err
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["export", "--url", url, "--key", "k"]) == 1
    assert f"the registry at {url} does not answer" in capsys.readouterr().err
