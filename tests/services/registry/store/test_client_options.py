"""The Elasticsearch client's credentials and CA come from the settings, and the password
never reaches a log line."""

from __future__ import annotations

import base64

import certifi
import pytest

from services.registry.store import connect
from services.registry.store.elasticsearch import client_options
from shared.settings import Settings

PASSWORD = "es-pass-not-real"


def test_no_options_without_credentials_or_ca() -> None:
    assert client_options(Settings()) == {}


def test_basic_auth_and_the_ca_bundle() -> None:
    settings = Settings(
        elasticsearch_url="https://search.example:9200",
        elasticsearch_username="registry",
        elasticsearch_password=PASSWORD,
        elasticsearch_ca_certs=certifi.where(),
    )
    assert client_options(settings) == {
        "basic_auth": ("registry", PASSWORD),
        "ca_certs": certifi.where(),
    }


def test_the_store_verifies_https_with_the_given_ca() -> None:
    settings = Settings(
        store="elasticsearch",
        elasticsearch_url="https://search.example:9200",
        elasticsearch_ca_certs=certifi.where(),
    )
    store = connect(settings)
    (node,) = store.client.transport.node_pool.all()
    assert node.config.ca_certs == certifi.where()
    assert node.config.verify_certs
    store.close()


@pytest.mark.elasticsearch
def test_basic_auth_reaches_the_server_and_no_log(noida, process_log) -> None:
    settings = Settings(
        store="elasticsearch",
        elasticsearch_url=noida.elasticsearch_url,
        elasticsearch_username="registry",
        elasticsearch_password=PASSWORD,
    )
    store = connect(settings)
    sent = store.client._headers  # the client adds them to every request
    store.ping()  # noida-db takes any credentials
    store.close()
    token = base64.b64encode(f"registry:{PASSWORD}".encode()).decode()
    assert sent["authorization"] == f"Basic {token}"
    logged = process_log.getvalue()
    assert PASSWORD not in logged and token not in logged
    assert PASSWORD not in repr(settings)
