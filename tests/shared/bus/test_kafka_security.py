"""How the Kafka clients authenticate and encrypt: one set of options from the settings,
given to every client the bus makes, and the password never in a message or a log."""

from __future__ import annotations

import certifi
import pytest
from kafka.errors import KafkaError
from servers import free_port

import shared.bus.kafka as kafka_bus
from shared.bus import connect
from shared.bus.interfaces import BusError
from shared.bus.kafka import KafkaBus, security_options
from shared.settings import Settings

CA = certifi.where()
PASSWORD = "kafka-pass-not-real"
SASL = {"kafka_sasl_username": "accord", "kafka_sasl_password": PASSWORD}


def test_plaintext_by_default() -> None:
    assert security_options(Settings()) == {"security_protocol": "PLAINTEXT"}


def test_sasl_over_plaintext_sends_the_credentials_and_no_tls_option() -> None:
    settings = Settings(
        kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="SCRAM-SHA-256", **SASL
    )
    assert security_options(settings) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "accord",
        "sasl_plain_password": PASSWORD,
    }


def test_tls_checks_the_host_name_against_the_given_ca() -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=CA)
    assert security_options(settings) == {
        "security_protocol": "SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": CA,
    }


def test_sasl_over_tls_without_a_ca_trusts_the_system_cas() -> None:
    settings = Settings(kafka_security_protocol="SASL_SSL", **SASL)
    assert security_options(settings) == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "accord",
        "sasl_plain_password": PASSWORD,
        "ssl_check_hostname": True,
    }


def test_every_client_the_bus_makes_gets_the_options(monkeypatch) -> None:
    """Admin, producer, consumer, and the short-lived consumers of replay and lag."""
    made: list[tuple[str, dict]] = []

    def refusing(kind: str):
        def create(*_topics, **options):
            made.append((kind, options))
            raise KafkaError("recorded")

        return create

    for kind in ("KafkaAdminClient", "KafkaProducer", "KafkaConsumer"):
        monkeypatch.setattr(kafka_bus, kind, refusing(kind))
    monkeypatch.setattr(kafka_bus, "_reachable", lambda servers, timeout_s: None)
    settings = Settings(
        bus="kafka", kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=CA, **SASL
    )
    bus = connect(settings)
    calls = [
        bus.ping,
        lambda: bus.producer().send("t", key="k", value=b"v"),
        lambda: bus.consumer("g", ["t"]).poll(),
        lambda: list(bus.replay("t")),
        lambda: bus.lag("g", "t"),
    ]
    for call in calls:
        made.clear()
        with pytest.raises(BusError):
            call()
        (kind, options), *_ = made
        assert options.items() >= security_options(settings).items(), kind
    bus.close()


def test_the_password_is_in_no_bus_error() -> None:
    settings = Settings(kafka_security_protocol="SASL_PLAINTEXT", **SASL)
    bus = KafkaBus(
        [f"127.0.0.1:{free_port()}"], connect_timeout_ms=300, security=security_options(settings)
    )
    with pytest.raises(BusError) as refused:
        bus.ping()
    bus.close()
    assert PASSWORD not in str(refused.value)
    assert PASSWORD not in repr(settings)


@pytest.mark.kafka
def test_sasl_authenticates_and_the_password_is_never_logged(noida, process_log) -> None:
    """kafka-python logs a SASL request's bytes, password included, at DEBUG: Accord's
    logging keeps its loggers at WARNING whatever ACCORD_LOG_LEVEL says."""
    settings = Settings(
        bus="kafka",
        kafka_bootstrap_servers=(noida.kafka_bootstrap,),
        kafka_security_protocol="SASL_PLAINTEXT",
        **SASL,
    )
    bus = connect(settings)
    bus.ping()  # noida-db takes any SASL/PLAIN user and password
    bus.close()
    logged = process_log.getvalue()
    assert "Sending username and password in the clear" in logged  # SASL was used
    assert PASSWORD not in logged
