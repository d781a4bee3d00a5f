"""One settings object per process, built from the environment at start-up.

Business code receives a ``Settings``; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

BUS_KINDS = ("embedded", "kafka")
STORE_KINDS = ("embedded", "elasticsearch")
KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class SettingsError(ValueError):
    """An environment variable has a value Accord cannot use; the message names it."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    bus: str = "embedded"
    store: str = "embedded"
    data_dir: Path = Path("var")
    kafka_bootstrap_servers: tuple[str, ...] = ("127.0.0.1:9092",)
    # Group membership timing; the defaults suit a real cluster, tests shorten them.
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    # Of the topics Accord creates. acks=all protects nothing at replication 1: a cluster
    # deployment sets 3 and 2, so a write survives the loss of one broker.
    kafka_replication_factor: int = 1
    kafka_min_insync_replicas: int = 1
    # How long a Kafka client waits for a first broker before reporting the bus away.
    kafka_connect_timeout_ms: int = 10_000
    # How the Kafka clients authenticate and encrypt (shared/bus/kafka.py security_options).
    # The CA file is a PEM bundle; empty trusts the system's CAs.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "PLAIN"
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = field(default="", repr=False)
    kafka_ssl_cafile: str = ""
    elasticsearch_url: str = "http://127.0.0.1:9200"
    # Basic auth (both or neither) and a PEM CA bundle for an https URL; empty: none.
    elasticsearch_username: str = ""
    elasticsearch_password: str = field(default="", repr=False)
    elasticsearch_ca_certs: str = ""
    # Prefixes keep topic and index names apart between deployments (and between tests).
    topic_prefix: str = "accord"
    index_prefix: str = "accord"
    host: str = "127.0.0.1"
    intake_port: int = 8001
    registry_port: int = 8002
    notifier_port: int = 8003
    # Public base URLs, used in links one service gives out (status URLs, incident pages).
    intake_url: str = ""
    registry_url: str = ""
    webhook_url: str = field(default="", repr=False)
    # The notifier: its public base URL (in ack links and calendar feeds), its policy file
    # (default: services/notifier/policies/default.json), and its channels. Secrets (the
    # webhook's signing secret, Slack's URL, PagerDuty's routing key) never reach a log.
    notifier_url: str = ""
    notifier_policy: str = ""
    webhook_secret: str = field(default="", repr=False)
    slack_webhook_url: str = field(default="", repr=False)
    pagerduty_routing_key: str = field(default="", repr=False)
    pagerduty_url: str = "https://events.pagerduty.com/v2/enqueue"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "accord-notifier@localhost"
    # Per API key, in limits' notation ("600/minute").
    intake_rate_limit: str = "600/minute"
    # Intake's HTTP worker processes (plus one for its relay and consumers); 0: one per
    # CPU it may use (usable_cpus). 1 serves everything from one process, as the tests
    # mostly do.
    intake_processes: int = 0
    # Signs the form's CSRF tokens; every intake process behind one address needs the same.
    secret_key: str = field(default="", repr=False)
    log_level: str = "INFO"
    # Service levels the registry keeps to for each lab, in hours from a report's receipt:
    # to triage it, and to give the lab a first public answer. Per-lab targets override
    # them: "<organization id>=<triage hours>/<first answer hours>", comma-separated.
    sla_triage_hours: int = 48
    sla_first_answer_hours: int = 120
    sla_targets: str = ""

    def __post_init__(self) -> None:
        if self.bus not in BUS_KINDS:
            raise SettingsError(
                f"ACCORD_BUS must be one of {', '.join(BUS_KINDS)}, got {self.bus!r}"
            )
        if self.store not in STORE_KINDS:
            raise SettingsError(
                f"ACCORD_STORE must be one of {', '.join(STORE_KINDS)}, got {self.store!r}"
            )
        if not 1 <= self.kafka_min_insync_replicas <= self.kafka_replication_factor:
            raise SettingsError(
                "ACCORD_KAFKA_MIN_INSYNC_REPLICAS must be between 1 and"
                f" ACCORD_KAFKA_REPLICATION_FACTOR ({self.kafka_replication_factor}),"
                f" got {self.kafka_min_insync_replicas}"
            )
        self._check_kafka_security()
        if bool(self.elasticsearch_username) != bool(self.elasticsearch_password):
            raise SettingsError(
                "ACCORD_ELASTICSEARCH_USERNAME and ACCORD_ELASTICSEARCH_PASSWORD go together:"
                " set both or neither"
            )
        for name, path in (
            ("ACCORD_KAFKA_SSL_CAFILE", self.kafka_ssl_cafile),
            ("ACCORD_ELASTICSEARCH_CA_CERTS", self.elasticsearch_ca_certs),
        ):
            if path and not Path(path).is_file():
                raise SettingsError(f"{name} names no file: {path!r}")
        # A CA the connection would never use is a mistake, not a harmless extra.
        if self.kafka_ssl_cafile and not self.kafka_security_protocol.endswith("SSL"):
            raise SettingsError(
                "ACCORD_KAFKA_SSL_CAFILE needs ACCORD_KAFKA_SECURITY_PROTOCOL SSL or SASL_SSL,"
                f" got {self.kafka_security_protocol!r}"
            )
        if self.elasticsearch_ca_certs and not self.elasticsearch_url.startswith("https://"):
            raise SettingsError(
                "ACCORD_ELASTICSEARCH_CA_CERTS needs an https:// ACCORD_ELASTICSEARCH_URL,"
                f" got {self.elasticsearch_url!r}"
            )
        if min(self.sla_triage_hours, self.sla_first_answer_hours) < 1:
            raise SettingsError("ACCORD_SLA_TRIAGE_HOURS and _FIRST_ANSWER_HOURS must be >= 1")
        sla_targets(self.sla_targets)  # raises SettingsError naming the bad entry
        if self.intake_processes < 0:
            raise SettingsError(
                "ACCORD_INTAKE_PROCESSES must be >= 0 (0: one per core),"
                f" got {self.intake_processes}"
            )
        if not self.intake_processes:
            object.__setattr__(self, "intake_processes", usable_cpus())
        if not self.intake_url:
            object.__setattr__(self, "intake_url", f"http://{self.host}:{self.intake_port}")
        if not self.notifier_url:
            object.__setattr__(self, "notifier_url", f"http://{self.host}:{self.notifier_port}")
        if not self.registry_url:
            object.__setattr__(self, "registry_url", f"http://{self.host}:{self.registry_port}")

    def _check_kafka_security(self) -> None:
        protocol = self.kafka_security_protocol
        if protocol not in KAFKA_SECURITY_PROTOCOLS:
            raise SettingsError(
                "ACCORD_KAFKA_SECURITY_PROTOCOL must be one of"
                f" {', '.join(KAFKA_SECURITY_PROTOCOLS)}, got {protocol!r}"
            )
        if self.kafka_sasl_mechanism not in KAFKA_SASL_MECHANISMS:
            raise SettingsError(
                "ACCORD_KAFKA_SASL_MECHANISM must be one of"
                f" {', '.join(KAFKA_SASL_MECHANISMS)}, got {self.kafka_sasl_mechanism!r}"
            )
        if protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise SettingsError(
                f"ACCORD_KAFKA_SECURITY_PROTOCOL {protocol} needs ACCORD_KAFKA_SASL_USERNAME"
                " and ACCORD_KAFKA_SASL_PASSWORD"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every ``ACCORD_<FIELD>`` variable; unset ones keep their defaults."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            name = f"ACCORD_{f.name.upper()}"
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(name, raw, f.type)
        return cls(**values)


def _parse(name: str, raw: str, kind: object) -> object:
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if kind == "Path":
        return Path(raw)
    if kind == "tuple[str, ...]":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw.strip()


def usable_cpus(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The CPUs this process may use: those it may run on, or fewer under a cgroup v2 CPU
    quota (a container's CPU limit), rounded up."""
    # sched_getaffinity is Linux's; elsewhere every CPU counts.
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = cpu_max.read_text().split()
        return max(1, min(cpus, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2 file, or "max": no quota
        return cpus


def sla_targets(raw: str) -> dict[str, tuple[int, int]]:
    """``ACCORD_SLA_TARGETS`` read: organization id → (triage hours, first answer hours)."""
    targets = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        organization, _, hours = entry.partition("=")
        triage, _, answer = hours.partition("/")
        if not (organization.strip() and triage.isdecimal() and answer.isdecimal()):
            raise SettingsError(
                "ACCORD_SLA_TARGETS entries are <organization id>=<triage hours>/<first"
                f" answer hours>, got {entry!r}"
            )
        if min(int(triage), int(answer)) < 1:
            raise SettingsError(f"ACCORD_SLA_TARGETS: hours must be >= 1, got {entry!r}")
        targets[organization.strip()] = (int(triage), int(answer))
    return targets
