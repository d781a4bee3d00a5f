"""helm/accord rendered by the real helm, asserted on as objects."""

from __future__ import annotations

import base64
import re
from dataclasses import fields
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from shared.settings import Settings

CHART = Path(__file__).resolve().parents[2] / "helm" / "accord"
COMPONENTS = ("intake", "registry", "notifier")
SCALED = ("intake", "registry")
FULL = "full-values.yaml"
EXISTING = "existing-secret-values.yaml"
# The secret values in ci/full-values.yaml: none may appear outside the Secret.
SECRETS = (
    "not-a-real-password",
    "not-a-real-secret-key",
    "https://hooks.example/accord?token=not-a-real-token",
    "not-a-real-webhook-secret",
    "https://hooks.slack.example/services/not-a-real-slack-path",
    "not-a-real-routing-key",
)
SETTINGS = {f"ACCORD_{f.name.upper()}" for f in fields(Settings)}


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[dict], kind: str, component: str) -> dict:
    matches = [
        o
        for o in of_kind(objects, kind)
        if o["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]
    assert len(matches) == 1, f"expected one {kind} for {component}, found {len(matches)}"
    return matches[0]


def pod_spec(objects: list[dict], component: str) -> dict:
    return named(objects, "Deployment", component)["spec"]["template"]["spec"]


def containers(objects: list[dict]) -> list[tuple[str, dict]]:
    """Every (deployment name, container), init containers included."""
    found = []
    for deployment in of_kind(objects, "Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            found.append((deployment["metadata"]["name"], container))
    assert len(found) >= len(COMPONENTS)
    return found


def config_data(objects: list[dict]) -> dict[str, str]:
    (config_map,) = of_kind(objects, "ConfigMap")
    return config_map["data"]


def pod_env(objects: list[dict], component: str) -> dict[str, str]:
    """The ACCORD_* variables a service's container sees: the ConfigMap, then its own env,
    secrets taken from the chart's Secret (a placeholder for an existing Secret's)."""
    secrets = {
        key: base64.b64decode(value).decode()
        for secret in of_kind(objects, "Secret")
        for key, value in secret.get("data", {}).items()
    }
    env = dict(config_data(objects))
    container = pod_spec(objects, component)["containers"][0]
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        else:
            key = variable["valueFrom"]["secretKeyRef"]["key"]
            env[variable["name"]] = secrets.get(key, f"{key} from the existing Secret")
    return env


@pytest.fixture(params=["default", FULL, EXISTING])
def rendered(request, render) -> list[dict]:
    """The chart with its defaults and with each ci/ values file."""
    return render() if request.param == "default" else render(None, request.param)


# Kubernetes' own schemas (`make helm-lint` checks the same from the command line)


# Kinds of the Prometheus Operator's CRD: no schema in Kubernetes' own (their test is below).
OPERATOR_API = "monitoring.coreos.com/v1"


def test_every_object_is_valid_kubernetes(rendered) -> None:
    for version in ("1.30.0", "1.35.0"):
        for o in rendered:
            if o["apiVersion"] != OPERATOR_API:
                kubernetes_validate.validate(o, version, strict=True)


def test_the_kubernetes_schemas_catch_a_bad_object(render) -> None:
    """The validation above can fail: a misspelt field is refused."""
    deployment = of_kind(render(), "Deployment")[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError, match="livenesProbe"):
        kubernetes_validate.validate(deployment, "1.30.0", strict=True)


# Workloads


def test_one_deployment_and_service_per_component(rendered) -> None:
    for component in COMPONENTS:
        spec = pod_spec(rendered, component)
        assert spec["containers"][0]["command"] == ["python", "-m", f"services.{component}"]
        service = named(rendered, "Service", component)
        assert service["spec"]["ports"][0]["targetPort"] == "http"
        assert (
            service["spec"]["selector"]
            == named(rendered, "Deployment", component)["spec"]["selector"]["matchLabels"]
        )


def test_ports_match_the_settings(rendered) -> None:
    data = config_data(rendered)
    for component, port in zip(COMPONENTS, (8001, 8002, 8003), strict=True):
        (container,) = pod_spec(rendered, component)["containers"]
        assert container["ports"][0]["containerPort"] == port
        assert data[f"ACCORD_{component.upper()}_PORT"] == str(port)
    # Listening on 127.0.0.1 (the code's default) would refuse every probe and client.
    assert data["ACCORD_HOST"] == "0.0.0.0"


def test_the_notifier_is_one_replica_recreated_without_hpa_or_pdb(rendered) -> None:
    deployment = named(rendered, "Deployment", "notifier")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    scaled = [
        o["spec"]["scaleTargetRef"]["name"] for o in of_kind(rendered, "HorizontalPodAutoscaler")
    ]
    assert deployment["metadata"]["name"] not in scaled
    assert not [
        o
        for o in of_kind(rendered, "PodDisruptionBudget")
        if o["metadata"]["labels"]["app.kubernetes.io/component"] == "notifier"
    ]


def test_the_notifier_stays_single_whatever_the_values(render, render_error) -> None:
    assert "replicaCount" in render_error({"notifier": {"replicaCount": 3}})
    assert "autoscaling" in render_error({"notifier": {"autoscaling": {"enabled": True}}})


def test_intake_and_registry_have_an_hpa_and_a_pdb(render) -> None:
    objects = render()
    for component in SCALED:
        deployment = named(objects, "Deployment", component)
        hpa = named(objects, "HorizontalPodAutoscaler", component)
        assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        assert hpa["spec"]["minReplicas"] >= 2
        # The HPA owns the replica count; a fixed one would fight it on every upgrade.
        assert "replicas" not in deployment["spec"]
        pdb = named(objects, "PodDisruptionBudget", component)
        assert pdb["spec"]["selector"] == deployment["spec"]["selector"]


def test_without_the_hpa_the_replica_count_applies(render) -> None:
    objects = render({"registry": {"autoscaling": {"enabled": False}, "replicaCount": 3}})
    assert named(objects, "Deployment", "registry")["spec"]["replicas"] == 3
    assert not [
        o
        for o in of_kind(objects, "HorizontalPodAutoscaler")
        if o["metadata"]["labels"]["app.kubernetes.io/component"] == "registry"
    ]


# Probes, resources, hardening, images


def test_every_container_has_its_probes(rendered) -> None:
    for deployment, container in containers(rendered):
        where = f"{deployment}/{container['name']}"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", where
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", where
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", where
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert container[probe]["httpGet"]["port"] == "http", where


def test_every_container_has_requests_and_limits(rendered) -> None:
    for deployment, container in containers(rendered):
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) >= {"cpu", "memory"}, (
                f"{deployment}/{container['name']} {bound}"
            )


def test_every_pod_runs_hardened(rendered) -> None:
    for deployment in of_kind(rendered, "Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert not context.get("privileged", False)


def test_every_writable_path_is_an_empty_dir(rendered) -> None:
    """The root file system is read-only: /tmp and ACCORD_DATA_DIR (intake's outbox, the
    registry's journal, the notifier's lease, every service's directory cache) must be
    mounted volumes, in every service."""
    data_dir = config_data(rendered)["ACCORD_DATA_DIR"]
    for component in COMPONENTS:
        spec = pod_spec(rendered, component)
        empty_dirs = {v["name"]: v["emptyDir"] for v in spec["volumes"] if "emptyDir" in v}
        mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["/tmp"] in empty_dirs
        assert mounts[data_dir] in empty_dirs, component
        limit = empty_dirs[mounts[data_dir]]["sizeLimit"]
        assert limit == ("1Gi" if component == "intake" else "256Mi"), component


def test_every_image_is_pinned(rendered) -> None:
    for deployment, container in containers(rendered):
        image = container["image"]
        if "@sha256:" in image:
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{deployment}: {image} has no tag"
        assert tag and tag != "latest", f"{deployment}: {image} is not pinned"


def test_a_digest_wins_over_the_tag(render) -> None:
    digest = "sha256:" + "a" * 64
    objects = render({"image": {"digest": digest}})
    for _, container in containers(objects):
        assert container["image"].endswith("@" + digest)


# Configuration and secrets


def test_the_cluster_profile_is_set(rendered) -> None:
    data = config_data(rendered)
    assert data["ACCORD_BUS"] == "kafka"
    assert data["ACCORD_STORE"] == "elasticsearch"
    # acks=all protects nothing at replication 1: a cluster keeps 3 copies, 2 in sync.
    assert data["ACCORD_KAFKA_REPLICATION_FACTOR"] == "3"
    assert data["ACCORD_KAFKA_MIN_INSYNC_REPLICAS"] == "2"


def test_every_service_accepts_its_settings(rendered) -> None:
    """Every variable the chart gives a service is a real setting, and the services' own
    parser takes the values (the CA files, mounted in the pod, stand in as local files)."""
    for component in COMPONENTS:
        env = pod_env(rendered, component)
        unknown = set(env) - SETTINGS - {"ACCORD_FUTURE_SETTING"}
        assert not unknown, f"the chart sets variables no code reads: {sorted(unknown)}"
        for ca in ("ACCORD_KAFKA_SSL_CAFILE", "ACCORD_ELASTICSEARCH_CA_CERTS"):
            if ca in env:
                env[ca] = __file__
        settings = Settings.from_env(env)
        assert settings.bus == "kafka"
        assert settings.kafka_bootstrap_servers


def test_kafka_sasl_tls_and_elasticsearch_credentials_reach_the_settings(render) -> None:
    objects = render(None, FULL)
    for component in COMPONENTS:
        env = pod_env(objects, component)
        assert env["ACCORD_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["ACCORD_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert env["ACCORD_KAFKA_SASL_USERNAME"] == "accord"
        assert env["ACCORD_KAFKA_SASL_PASSWORD"] == "not-a-real-password"
        assert env["ACCORD_KAFKA_SSL_CAFILE"] == "/etc/accord/kafka-ca/ca.crt"
    # Only the registry uses Elasticsearch: it alone has the user, password and CA.
    registry = pod_env(objects, "registry")
    assert registry["ACCORD_ELASTICSEARCH_USERNAME"] == "accord"
    assert registry["ACCORD_ELASTICSEARCH_PASSWORD"] == "not-a-real-password"
    assert registry["ACCORD_ELASTICSEARCH_CA_CERTS"] == "/etc/accord/elasticsearch-ca/ca.crt"
    for component in set(COMPONENTS) - {"registry"}:
        given = set(pod_env(objects, component)) - {"ACCORD_ELASTICSEARCH_URL"}
        assert not {name for name in given if name.startswith("ACCORD_ELASTICSEARCH_")}


def test_no_secret_value_in_a_config_map(render) -> None:
    objects = render(None, FULL)
    for config_map in of_kind(objects, "ConfigMap"):
        text = yaml.safe_dump(config_map)
        for secret in SECRETS:
            assert secret not in text
        passwords = {n for n in SETTINGS if n.endswith("PASSWORD")}
        for name in {"ACCORD_SECRET_KEY", "ACCORD_WEBHOOK_URL", *passwords}:
            assert name not in config_map["data"]
    # ...nor as a literal env value on a container.
    for _, container in containers(objects):
        literal = " ".join(str(e.get("value", "")) for e in container.get("env", []))
        for secret in SECRETS:
            assert secret not in literal
    # They are in the Secret.
    (secret,) = of_kind(objects, "Secret")
    decoded = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert decoded["ACCORD_SECRET_KEY"] == "not-a-real-secret-key"
    assert decoded["ACCORD_WEBHOOK_URL"] == SECRETS[2]
    assert decoded["ACCORD_KAFKA_SASL_PASSWORD"] == "not-a-real-password"
    assert decoded["ACCORD_ELASTICSEARCH_PASSWORD"] == "not-a-real-password"


def test_generated_secrets_are_long_and_given_ones_kept(render) -> None:
    (secret,) = of_kind(render(), "Secret")
    for key in ("ACCORD_SECRET_KEY", "ACCORD_WEBHOOK_SECRET"):
        assert len(base64.b64decode(secret["data"][key])) >= 32
    (given,) = of_kind(render({"secrets": {"webhookSecret": "w" * 40}}), "Secret")
    assert base64.b64decode(given["data"]["ACCORD_WEBHOOK_SECRET"]) == b"w" * 40


def _secret_refs(objects: list[dict]) -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {}
    for deployment in of_kind(objects, "Deployment"):
        component = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        for env in deployment["spec"]["template"]["spec"]["containers"][0].get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs.setdefault(ref["name"], set()).add(f"{component}:{ref['key']}")
    return refs


def test_each_service_gets_only_its_secrets(render) -> None:
    refs = _secret_refs(render(None, FULL))
    (keys,) = refs.values()
    assert keys == {
        "intake:ACCORD_SECRET_KEY",
        "registry:ACCORD_SECRET_KEY",
        "notifier:ACCORD_SECRET_KEY",
        "notifier:ACCORD_WEBHOOK_SECRET",
        "notifier:ACCORD_WEBHOOK_URL",
        "notifier:ACCORD_SLACK_WEBHOOK_URL",
        "notifier:ACCORD_PAGERDUTY_ROUTING_KEY",
        "intake:ACCORD_KAFKA_SASL_PASSWORD",
        "registry:ACCORD_KAFKA_SASL_PASSWORD",
        "notifier:ACCORD_KAFKA_SASL_PASSWORD",
        "registry:ACCORD_ELASTICSEARCH_PASSWORD",
    }


def test_an_existing_secret_is_used_and_none_is_made(render) -> None:
    objects = render(None, EXISTING)
    assert not of_kind(objects, "Secret")
    refs = _secret_refs(objects)
    assert set(refs) == {"accord-prod-secrets"}
    assert "intake:ACCORD_SECRET_KEY" in refs["accord-prod-secrets"]
    assert "registry:ACCORD_ELASTICSEARCH_PASSWORD" in refs["accord-prod-secrets"]


def test_pods_restart_when_the_settings_change(render) -> None:
    def checksums(values: dict | None) -> dict[str, str]:
        template = named(render(values), "Deployment", "registry")["spec"]["template"]
        return {
            k: v
            for k, v in template["metadata"]["annotations"].items()
            if k.startswith("checksum/")
        }

    fixed = {"secretKey": "a" * 40, "webhookSecret": "w" * 40}  # none generated per render
    base = checksums({"secrets": fixed})
    assert set(base) == {"checksum/config", "checksum/secret"}
    changed_config = checksums({"secrets": fixed, "config": {"logLevel": "DEBUG"}})
    assert changed_config["checksum/config"] != base["checksum/config"]
    assert changed_config["checksum/secret"] == base["checksum/secret"]
    changed_secret = checksums({"secrets": {**fixed, "secretKey": "b" * 40}})
    assert changed_secret["checksum/secret"] != base["checksum/secret"]


def test_kafka_and_elasticsearch_tls_mount_their_ca(render) -> None:
    objects = render(None, FULL)
    data = config_data(objects)
    assert data["ACCORD_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert data["ACCORD_KAFKA_BOOTSTRAP_SERVERS"].count(",") == 2
    registry = pod_spec(objects, "registry")
    env = {e["name"]: e for e in registry["containers"][0]["env"]}
    mounts = {m["mountPath"]: m for m in registry["containers"][0]["volumeMounts"]}
    for variable, secret in (
        ("ACCORD_KAFKA_SSL_CAFILE", "kafka-ca"),
        ("ACCORD_ELASTICSEARCH_CA_CERTS", "elasticsearch-ca"),
    ):
        directory = str(Path(env[variable]["value"]).parent)
        assert mounts[directory]["readOnly"] is True
        volume = next(v for v in registry["volumes"] if v["name"] == mounts[directory]["name"])
        assert volume["secret"]["secretName"] == secret


# Network


def test_network_policies_let_in_only_the_uis_and_apis(render) -> None:
    objects = render()
    for component in COMPONENTS:
        policy = named(objects, "NetworkPolicy", component)
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        sources = policy["spec"]["ingress"]
        assert bool(sources) == (component in SCALED)


def test_network_policies_let_out_only_what_each_service_uses(render) -> None:
    objects = render()
    expected = {
        "intake": {53, 9092, 9093},
        "registry": {53, 9092, 9093, 9200, 443},
        "notifier": {53, 9092, 9093, 25, 465, 587, 443},
    }
    for component, ports in expected.items():
        policy = named(objects, "NetworkPolicy", component)
        allowed = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
        assert allowed == ports, component
        dns = [p for rule in policy["spec"]["egress"] for p in rule["ports"] if p["port"] == 53]
        assert {p["protocol"] for p in dns} == {"UDP", "TCP"}


def test_the_ingress_routes_intake_and_registry_and_sets_the_public_urls(render) -> None:
    objects = render(None, FULL)
    (ingress,) = of_kind(objects, "Ingress")
    routes = {
        rule["host"]: rule["http"]["paths"][0]["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
    }
    assert routes == {
        "intake.accord.example": named(objects, "Service", "intake")["metadata"]["name"],
        "registry.accord.example": named(objects, "Service", "registry")["metadata"]["name"],
    }
    data = config_data(objects)
    assert data["ACCORD_INTAKE_URL"] == "https://intake.accord.example"
    assert data["ACCORD_REGISTRY_URL"] == "https://registry.accord.example"


# Names


def test_names_and_labels_fit_in_63_characters(render) -> None:
    long = "a-release-name-that-is-long-enough-to-overflow-kubernetes-limits"
    for values in ({}, {"fullnameOverride": long + "-and-more"}, {"nameOverride": long}):
        objects = render(values, release=long[:53])
        for o in objects:
            assert len(o["metadata"]["name"]) <= 63, o["metadata"]["name"]
            assert not o["metadata"]["name"].endswith("-")
            for value in o["metadata"].get("labels", {}).values():
                assert len(value) <= 63, value
        names = {(o["kind"], o["metadata"]["name"]) for o in objects}
        assert len(names) == len(objects), "truncation made two objects share a name"


# Metrics


def test_every_pod_is_annotated_for_a_scrape_of_its_own_port(render) -> None:
    objects = render()
    for component in COMPONENTS:
        deployment = named(objects, "Deployment", component)
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        [port] = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        assert annotations["prometheus.io/port"] == str(port["containerPort"])
    assert of_kind(objects, "ServiceMonitor") == []
    plain = render({"metrics": {"podAnnotations": False}})
    for deployment in of_kind(plain, "Deployment"):
        assert (
            "prometheus.io/scrape" not in deployment["spec"]["template"]["metadata"]["annotations"]
        )


def test_a_service_monitor_per_service_selects_its_service(render) -> None:
    objects = render(None, FULL)
    for component in COMPONENTS:
        monitor = named(objects, "ServiceMonitor", component)
        service = named(objects, "Service", component)
        assert monitor["apiVersion"] == OPERATOR_API
        assert monitor["metadata"]["labels"]["release"] == "prometheus"
        selector = monitor["spec"]["selector"]["matchLabels"]
        assert selector.items() <= service["metadata"]["labels"].items()
        [endpoint] = monitor["spec"]["endpoints"]
        assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
        assert (endpoint["path"], endpoint["interval"]) == ("/metrics", "15s")


# The values schema


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"intake": {"replicaCount": "2"}}, "/intake/replicaCount"),
        ({"replicas": 2}, "additional properties 'replicas'"),
        ({"intake": {"replicas": 2}}, "additional properties 'replicas'"),
        ({"image": {"tag": "latest"}}, "/image/tag"),
        ({"image": {"tag": ""}}, "/image/tag"),
        ({"image": {"digest": "sha256:short"}}, "/image/digest"),
        ({"kafka": {"bootstrapServers": []}}, "/kafka/bootstrapServers"),
        ({"kafka": {"bootstrapServers": ["no-port"]}}, "/kafka/bootstrapServers/0"),
        ({"kafka": {"replicationFactor": 0}}, "/kafka/replicationFactor"),
        ({"kafka": {"sasl": {"mechanism": "GSSAPI"}}}, "/kafka/sasl/mechanism"),
        ({"elasticsearch": {"url": "search:9200"}}, "/elasticsearch/url"),
        ({"config": {"logLevel": "LOUD"}}, "/config/logLevel"),
        ({"config": {"extraEnv": {"ACCORD_SECRET_KEY": "x"}}}, "propertyName 'ACCORD_SECRET_KEY'"),
        ({"config": {"extraEnv": {"PATH": "/x"}}}, "propertyName 'PATH'"),
        # null removes a default in helm: no container may go without limits.
        ({"registry": {"resources": {"limits": None}}}, "/registry/resources"),
        ({"intake": {"resources": {"requests": {"memory": None}}}}, "/intake/resources"),
        ({"containerSecurityContext": {"readOnlyRootFilesystem": False}}, "readOnlyRoot"),
        ({"podSecurityContext": {"runAsNonRoot": False}}, "/podSecurityContext/runAsNonRoot"),
        ({"intake": {"autoscaling": {"targetCPUUtilizationPercentage": 150}}}, "/intake/"),
        ({"intake": {"processes": -1}}, "/intake/processes"),
        ({"metrics": {"serviceMonitor": {"interval": "often"}}}, "/metrics/serviceMonitor"),
        ({"metrics": {"podAnnotations": "yes"}}, "/metrics/podAnnotations"),
    ],
)
def test_the_schema_refuses_bad_values(render_error, values, message) -> None:
    error = render_error(values)
    assert "don't meet the specifications of the schema" in error
    assert message in error


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kafka": {"minInsyncReplicas": 4}}, "must not exceed kafka.replicationFactor"),
        ({"kafka": {"sasl": {"enabled": True}}}, "needs kafka.sasl.username"),
        ({"kafka": {"sasl": {"enabled": True, "username": "u"}}}, "needs kafka.sasl.password"),
        ({"elasticsearch": {"username": "u"}}, "needs elasticsearch.password"),
        (
            {"elasticsearch": {"url": "http://es:9200", "caSecret": "es-ca"}},
            "elasticsearch.caSecret needs an https:// elasticsearch.url",
        ),
        ({"ingress": {"enabled": True, "intakeHost": ""}}, "needs ingress.intakeHost"),
    ],
)
def test_the_templates_refuse_inconsistent_values(render_error, values, message) -> None:
    assert message in render_error(values)


def test_every_value_has_a_comment() -> None:
    """A value is documented by a comment right above it, or by a `# --` comment above
    the block holding it (the helm-docs convention)."""
    undocumented = []
    stack: list[tuple[int, bool]] = []  # (indent, documents its whole block)
    comments: list[str] = []  # the comment lines right above the current line
    for number, line in enumerate((CHART / "values.yaml").read_text().splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            comments = []
            continue
        if stripped.startswith("#"):
            comments.append(stripped)
            continue
        match = re.match(r"^( *)([A-Za-z0-9_.-]+):(.*)$", line)
        if match:
            indent, key, rest = len(match[1]), match[2], match[3].split(" #")[0].strip()
            while stack and stack[-1][0] >= indent:
                stack.pop()
            inherited = any(documents for _, documents in stack)
            if rest and not (comments or inherited):
                undocumented.append(f"line {number}: {key}")
            if not rest:
                stack.append((indent, inherited or any(c.startswith("# --") for c in comments)))
        comments = []
    assert not undocumented, "values without a comment: " + ", ".join(undocumented)


def test_the_operations_guide_lists_every_setting() -> None:
    guide = (CHART.parents[1] / "docs" / "operations.md").read_text()
    missing = sorted(name for name in SETTINGS if f"`{name}`" not in guide)
    assert not missing, f"docs/operations.md does not list {missing}"
