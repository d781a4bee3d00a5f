from __future__ import annotations

import os
import re
from dataclasses import fields
from pathlib import Path

import pytest

from shared.settings import Settings, SettingsError, usable_cpus

# Any existing file stands for a CA bundle: Settings checks only that it is there.
CA = __file__
FULL_ENV = {
    "ACCORD_BUS": "kafka",
    "ACCORD_STORE": "elasticsearch",
    "ACCORD_DATA_DIR": "/srv/accord",
    "ACCORD_KAFKA_BOOTSTRAP_SERVERS": "k1:9092, k2:9093,,",
    "ACCORD_KAFKA_SESSION_TIMEOUT_MS": "6000",
    "ACCORD_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    "ACCORD_KAFKA_REPLICATION_FACTOR": "3",
    "ACCORD_KAFKA_MIN_INSYNC_REPLICAS": "2",
    "ACCORD_KAFKA_CONNECT_TIMEOUT_MS": "2500",
    "ACCORD_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "ACCORD_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "ACCORD_KAFKA_SASL_USERNAME": "accord",
    "ACCORD_KAFKA_SASL_PASSWORD": "kafka-pass",
    "ACCORD_KAFKA_SSL_CAFILE": CA,
    "ACCORD_ELASTICSEARCH_URL": "https://es:9200",
    "ACCORD_ELASTICSEARCH_USERNAME": "registry",
    "ACCORD_ELASTICSEARCH_PASSWORD": "es-pass",
    "ACCORD_ELASTICSEARCH_CA_CERTS": CA,
    "ACCORD_TOPIC_PREFIX": "t1",
    "ACCORD_INDEX_PREFIX": "i1",
    "ACCORD_HOST": "0.0.0.0",
    "ACCORD_INTAKE_PORT": "9001",
    "ACCORD_REGISTRY_PORT": "9002",
    "ACCORD_NOTIFIER_PORT": "9003",
    "ACCORD_INTAKE_URL": "https://intake.example.org",
    "ACCORD_REGISTRY_URL": "https://registry.example.org",
    "ACCORD_WEBHOOK_URL": "https://hooks.example.org/accord",
    "ACCORD_LOG_LEVEL": " DEBUG ",
    "ACCORD_INTAKE_RATE_LIMIT": "10/second",
    "ACCORD_INTAKE_PROCESSES": "3",
    "ACCORD_SECRET_KEY": "s3cret",
    "ACCORD_SLA_TRIAGE_HOURS": "24",
    "ACCORD_SLA_FIRST_ANSWER_HOURS": "72",
    "ACCORD_SLA_TARGETS": "org-a=12/36",
    "ACCORD_NOTIFIER_URL": "https://notifier.example.org",
    "ACCORD_NOTIFIER_POLICY": "/etc/accord/policy.json",
    "ACCORD_WEBHOOK_SECRET": "hmac-secret",
    "ACCORD_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
    "ACCORD_PAGERDUTY_ROUTING_KEY": "rk-1",
    "ACCORD_PAGERDUTY_URL": "http://pd.test/v2/enqueue",
    "ACCORD_SMTP_HOST": "smtp.example.org",
    "ACCORD_SMTP_PORT": "587",
    "ACCORD_SMTP_SENDER": "pager@example.org",
}


def test_defaults_without_any_variable():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.bus == "embedded"
    assert settings.store == "embedded"
    assert settings.data_dir == Path("var")
    assert settings.kafka_bootstrap_servers == ("127.0.0.1:9092",)
    assert settings.topic_prefix == settings.index_prefix == "accord"
    assert settings.intake_url == "http://127.0.0.1:8001"
    assert settings.registry_url == "http://127.0.0.1:8002"
    assert settings.webhook_url == ""
    assert settings.intake_processes == usable_cpus()  # 0: one per usable CPU


def test_every_variable_is_read_and_parsed():
    assert set(FULL_ENV) == {f"ACCORD_{f.name.upper()}" for f in fields(Settings)}
    assert Settings.from_env(FULL_ENV) == Settings(
        bus="kafka",
        store="elasticsearch",
        data_dir=Path("/srv/accord"),
        kafka_bootstrap_servers=("k1:9092", "k2:9093"),
        kafka_session_timeout_ms=6000,
        kafka_heartbeat_interval_ms=500,
        kafka_replication_factor=3,
        kafka_min_insync_replicas=2,
        kafka_connect_timeout_ms=2500,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="accord",
        kafka_sasl_password="kafka-pass",
        kafka_ssl_cafile=CA,
        elasticsearch_url="https://es:9200",
        elasticsearch_username="registry",
        elasticsearch_password="es-pass",
        elasticsearch_ca_certs=CA,
        topic_prefix="t1",
        index_prefix="i1",
        host="0.0.0.0",
        intake_port=9001,
        registry_port=9002,
        notifier_port=9003,
        intake_url="https://intake.example.org",
        registry_url="https://registry.example.org",
        webhook_url="https://hooks.example.org/accord",
        log_level="DEBUG",
        intake_rate_limit="10/second",
        intake_processes=3,
        secret_key="s3cret",
        sla_triage_hours=24,
        sla_first_answer_hours=72,
        sla_targets="org-a=12/36",
        notifier_url="https://notifier.example.org",
        notifier_policy="/etc/accord/policy.json",
        webhook_secret="hmac-secret",
        slack_webhook_url="https://hooks.slack.com/services/T/B/X",
        pagerduty_routing_key="rk-1",
        pagerduty_url="http://pd.test/v2/enqueue",
        smtp_host="smtp.example.org",
        smtp_port=587,
        smtp_sender="pager@example.org",
    )


@pytest.mark.parametrize(("replicas", "insync"), [(1, 2), (3, 0), (3, 4)])
def test_min_insync_replicas_must_fit_the_replication_factor(replicas, insync):
    env = {
        "ACCORD_KAFKA_REPLICATION_FACTOR": str(replicas),
        "ACCORD_KAFKA_MIN_INSYNC_REPLICAS": str(insync),
    }
    with pytest.raises(SettingsError, match="ACCORD_KAFKA_MIN_INSYNC_REPLICAS must be between"):
        Settings.from_env(env)


def test_secrets_stay_out_of_the_repr():
    shown = repr(Settings.from_env(FULL_ENV))
    secrets = ("s3cret", "hmac-secret", "hooks.slack.com", "rk-1", "hooks.example.org")
    for secret in (*secrets, "kafka-pass", "es-pass"):
        assert secret not in shown


def test_empty_variables_keep_the_defaults():
    assert Settings.from_env({"ACCORD_BUS": "", "ACCORD_INTAKE_PORT": ""}) == Settings()


def test_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("ACCORD_TOPIC_PREFIX", "from-env")
    assert Settings.from_env().topic_prefix == "from-env"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ACCORD_BUS", "rabbitmq"),
        ("ACCORD_STORE", "postgres"),
        ("ACCORD_INTAKE_PORT", "80a"),
        ("ACCORD_REGISTRY_PORT", "8002.5"),
        ("ACCORD_KAFKA_SESSION_TIMEOUT_MS", "ten"),
        ("ACCORD_KAFKA_SECURITY_PROTOCOL", "TLS"),
        ("ACCORD_KAFKA_SECURITY_PROTOCOL", "sasl_ssl"),
        ("ACCORD_KAFKA_SASL_MECHANISM", "GSSAPI"),
        ("ACCORD_KAFKA_SSL_CAFILE", "/nonexistent/ca.crt"),
        ("ACCORD_ELASTICSEARCH_CA_CERTS", "/nonexistent/ca.crt"),
    ],
)
def test_a_bad_value_raises_naming_the_variable(name, value):
    with pytest.raises(SettingsError, match=rf"^{name} .*{re.escape(repr(value))}"):
        Settings.from_env({name: value})


def test_public_urls_derive_from_host_and_port():
    settings = Settings.from_env(
        {"ACCORD_HOST": "10.0.0.5", "ACCORD_INTAKE_PORT": "7001", "ACCORD_REGISTRY_PORT": "7002"}
    )
    assert settings.intake_url == "http://10.0.0.5:7001"
    assert settings.registry_url == "http://10.0.0.5:7002"


def test_given_public_urls_win_over_host_and_port():
    settings = Settings.from_env(
        {"ACCORD_INTAKE_PORT": "7001", "ACCORD_REGISTRY_URL": "https://registry.example.org"}
    )
    assert settings.intake_url == "http://127.0.0.1:7001"
    assert settings.registry_url == "https://registry.example.org"


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize(
    "credentials",
    [{}, {"ACCORD_KAFKA_SASL_USERNAME": "accord"}, {"ACCORD_KAFKA_SASL_PASSWORD": "p"}],
)
def test_sasl_needs_a_username_and_a_password(protocol, credentials):
    env = {"ACCORD_KAFKA_SECURITY_PROTOCOL": protocol, **credentials}
    with pytest.raises(SettingsError, match=f"{protocol} needs ACCORD_KAFKA_SASL_USERNAME"):
        Settings.from_env(env)


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_a_kafka_ca_needs_tls(protocol):
    env = {
        "ACCORD_KAFKA_SECURITY_PROTOCOL": protocol,
        "ACCORD_KAFKA_SASL_USERNAME": "accord",
        "ACCORD_KAFKA_SASL_PASSWORD": "p",
        "ACCORD_KAFKA_SSL_CAFILE": CA,
    }
    with pytest.raises(SettingsError, match=r"ACCORD_KAFKA_SSL_CAFILE needs .* SSL or SASL_SSL"):
        Settings.from_env(env)


def test_a_missing_ca_file_is_named_at_start_up(tmp_path):
    missing = str(tmp_path / "ca.crt")
    env = {"ACCORD_KAFKA_SECURITY_PROTOCOL": "SSL", "ACCORD_KAFKA_SSL_CAFILE": missing}
    named = re.escape(f"ACCORD_KAFKA_SSL_CAFILE names no file: '{missing}'")
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
    env = {"ACCORD_ELASTICSEARCH_URL": "https://es:9200", "ACCORD_ELASTICSEARCH_CA_CERTS": missing}
    with pytest.raises(SettingsError, match="ACCORD_ELASTICSEARCH_CA_CERTS names no file"):
        Settings.from_env(env)


def test_an_elasticsearch_ca_needs_https():
    env = {"ACCORD_ELASTICSEARCH_URL": "http://es:9200", "ACCORD_ELASTICSEARCH_CA_CERTS": CA}
    with pytest.raises(SettingsError, match="needs an https:// ACCORD_ELASTICSEARCH_URL"):
        Settings.from_env(env)


@pytest.mark.parametrize(
    "credentials",
    [{"ACCORD_ELASTICSEARCH_USERNAME": "registry"}, {"ACCORD_ELASTICSEARCH_PASSWORD": "p"}],
)
def test_elasticsearch_credentials_come_in_pairs(credentials):
    with pytest.raises(SettingsError, match="set both or neither"):
        Settings.from_env(credentials)


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("100000 100000\n", 1),  # a limit of one CPU
        ("150000 100000\n", 2),  # 1.5 CPUs: rounded up
        ("max 100000\n", None),  # no quota: every CPU it may run on
        (None, None),  # no cgroup v2 file
    ],
)
def test_usable_cpus_follow_a_containers_cpu_limit(tmp_path, cpu_max, expected):
    path = tmp_path / "cpu.max"
    if cpu_max is not None:
        path.write_text(cpu_max)
    cpus = len(os.sched_getaffinity(0))
    assert usable_cpus(path) == (min(expected, cpus) if expected else cpus)
