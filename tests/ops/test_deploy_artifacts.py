"""SPEC §8 deployment files, checked without a Docker engine: they parse, and they agree with
the application (probe paths are real routes, every MUNJIGI_* name is a setting)."""

from __future__ import annotations

import dataclasses
import json
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from gunicorn.config import Config
from gunicorn.glogging import Logger

from munjigi import create_app
from munjigi.config import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
ENV_NAME = re.compile(r"\bMUNJIGI_[A-Z0-9_]+\b")
# Names the test harness and CI read; they configure tests, not the application.
NOT_SETTINGS = ("MUNJIGI_TEST_", "MUNJIGI_REQUIRE_ALL")
SETTING_NAMES = {f"MUNJIGI_{f.name.upper()}" for f in dataclasses.fields(Settings)} - {
    "MUNJIGI_EXTRA"
}


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in load_all(path):
            found[doc["kind"]] = doc
    return found


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> set[str]:
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(Settings.for_testing(instance_path=str(instance)))
    return {rule.rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def test_every_kubernetes_kind_is_there(manifests):
    assert set(manifests) >= {
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "Kustomization",
    }


def test_kustomization_lists_every_manifest_but_the_secret_template():
    listed = set(load_all(K8S / "kustomization.yaml")[0]["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk - {"secret.template.yaml"}


def test_deployment_runs_at_least_three_replicas_and_the_autoscaler_keeps_them(manifests):
    assert manifests["Deployment"]["spec"]["replicas"] >= 3
    hpa = manifests["HorizontalPodAutoscaler"]["spec"]
    assert hpa["minReplicas"] >= 3 and hpa["maxReplicas"] > hpa["minReplicas"]
    assert hpa["scaleTargetRef"]["name"] == manifests["Deployment"]["metadata"]["name"]
    strategy = manifests["Deployment"]["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


def test_probes_point_at_real_routes_and_a_named_port(manifests, routes):
    container = pod_spec(manifests["Deployment"])["containers"][0]
    ports = {p["name"] for p in container["ports"]}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] in routes
        assert container[probe]["httpGet"]["port"] in ports


def test_readiness_probe_waits_longer_than_the_app_checks(manifests):
    container = pod_spec(manifests["Deployment"])["containers"][0]
    app_timeout = int(manifests["ConfigMap"]["data"]["MUNJIGI_READINESS_TIMEOUT"])
    assert container["readinessProbe"]["timeoutSeconds"] > app_timeout


def test_pods_have_resources_and_no_privileges(manifests):
    for kind in ("Deployment", "Job"):
        spec = pod_spec(manifests[kind])
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        for container in spec["containers"]:
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"])
            assert "memory" in resources["limits"]
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"]["drop"] == ["ALL"]


def test_selectors_connect_deployment_service_pdb_and_ingress(manifests):
    labels = manifests["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for kind, selector in (
        ("Deployment", manifests["Deployment"]["spec"]["selector"]["matchLabels"]),
        ("Service", manifests["Service"]["spec"]["selector"]),
        (
            "PodDisruptionBudget",
            manifests["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        ),
    ):
        assert selector.items() <= labels.items(), kind
    pdb = manifests["PodDisruptionBudget"]["spec"]
    assert pdb["minAvailable"] < manifests["Deployment"]["spec"]["replicas"]
    backend = manifests["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == manifests["Service"]["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in manifests["Service"]["spec"]["ports"]}


def test_deployment_and_job_read_the_configmap_and_secret(manifests):
    names = {manifests["ConfigMap"]["metadata"]["name"], manifests["Secret"]["metadata"]["name"]}
    for kind in ("Deployment", "Job"):
        sources = pod_spec(manifests[kind])["containers"][0]["envFrom"]
        refs = {s.get("configMapRef", s.get("secretRef"))["name"] for s in sources}
        assert refs == names


def test_migration_job_and_compose_run_the_alembic_upgrade(manifests):
    command = ["flask", "--app", "munjigi", "db", "upgrade"]
    assert pod_spec(manifests["Job"])["containers"][0]["command"] == command
    compose = load_all(ROOT / "compose.yaml")[0]
    assert compose["services"]["migrate"]["command"] == command


def test_secret_template_placeholders_are_refused_in_production(manifests):
    data = manifests["Secret"]["stringData"]
    settings = Settings.from_env(
        {"MUNJIGI_ENV": "production", "MUNJIGI_SECRET_KEY": data["MUNJIGI_SECRET_KEY"]},
        dotenv_path=None,
    )
    assert any("MUNJIGI_SECRET_KEY" in problem for problem in settings.problems())


def test_compose_runs_two_replicas_with_postgres_redis_and_a_migration():
    services = load_all(ROOT / "compose.yaml")[0]["services"]
    assert set(services) == {"postgres", "redis", "migrate", "app"}
    app = services["app"]
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    env = app["environment"]
    assert env["MUNJIGI_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["MUNJIGI_REDIS_URL"].startswith("redis://redis:")
    assert env["MUNJIGI_ENV"] == "production"


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck(routes):
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert user[-1].split(":")[0].isdigit()  # numeric: runAsNonRoot can check it
    health = re.search(r"^HEALTHCHECK .*?(/\w+)'", text, re.M | re.S)
    assert health and health.group(1) == "/healthz" and "/healthz" in routes
    cmd = json.loads(re.findall(r"^CMD (.+)$", text, re.M)[-1])
    assert cmd[0] == "gunicorn" and "gunicorn.conf.py" in cmd and cmd[-1] == "munjigi:create_app()"


def deployment_files() -> list[Path]:
    files = [ROOT / "Dockerfile", ROOT / "compose.yaml", ROOT / "gunicorn.conf.py"]
    files += [ROOT / "passenger_wsgi.py", *sorted(K8S.glob("*.yaml"))]
    files += sorted((ROOT / "docs").glob("deploy*.md"))
    return files


@pytest.mark.parametrize("path", deployment_files(), ids=lambda p: p.name)
def test_every_munjigi_variable_named_is_a_real_setting(path):
    named = set(ENV_NAME.findall(path.read_text())) if path.exists() else set()
    unknown = {n for n in named if not n.startswith(NOT_SETTINGS)} - SETTING_NAMES
    assert not unknown, f"{path.name} names variables Settings does not know: {sorted(unknown)}"


OPS_SETTINGS = (
    "MUNJIGI_LOG_FORMAT",
    "MUNJIGI_LOG_LEVEL",
    "MUNJIGI_READINESS_TIMEOUT",
    "MUNJIGI_METRICS_TOKEN",
)


@pytest.mark.parametrize("name", OPS_SETTINGS)
def test_operations_settings_are_in_the_readme_table(name):
    assert name in SETTING_NAMES
    assert f"| `{name}` |" in (ROOT / "README.md").read_text()


@pytest.fixture
def conf_env(monkeypatch, tmp_path) -> Path:
    """The environment gunicorn.conf.py reads, restored afterwards (it sets a variable)."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MUNJIGI_LOG_LEVEL", "WARNING")
    metrics_dir = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    return metrics_dir


@pytest.fixture
def gunicorn_settings(conf_env) -> dict[str, Any]:
    namespace = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {k: v for k, v in namespace.items() if not k.startswith("_")}


def loaded_config(values: dict[str, Any]) -> Config:
    config = Config()
    for name, value in values.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_gunicorn_config_uses_only_known_settings_and_valid_values(gunicorn_settings):
    config = Config()
    helpers = {"available_cpus", "annotations", "Settings", "Path", "Any"}
    helpers |= {"math", "os", "shutil", "tempfile"}
    unknown = set(gunicorn_settings) - set(config.settings) - helpers
    assert not unknown, unknown
    config = loaded_config(gunicorn_settings)
    assert config.workers >= 2 and config.threads >= 1
    assert config.timeout >= 10 and config.graceful_timeout < 30
    assert config.keepalive > 60
    assert config.loglevel == "warning"


def test_gunicorn_workers_follow_web_concurrency(monkeypatch, conf_env):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 7


def test_gunicorn_believes_no_forwarded_header_itself(gunicorn_settings):
    # X-Forwarded-* is ProxyFix's job, counted in MUNJIGI_TRUSTED_PROXIES hops.
    config = loaded_config(gunicorn_settings)
    assert config.forwarded_allow_ips == []
    assert config.secure_scheme_headers == {}


def test_gunicorn_access_line_has_no_query_string_or_credentials(gunicorn_settings):
    config = loaded_config(gunicorn_settings)
    secret = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/members/me?token={secret}",
        "PATH_INFO": "/members/me",
        "QUERY_STRING": f"token={secret}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://evil.example/?t={secret}",
        "HTTP_AUTHORIZATION": f"Bearer {secret}",
    }
    request = SimpleNamespace(
        headers=[("AUTHORIZATION", f"Bearer {secret}"), ("COOKIE", f"access_token_cookie={secret}")]
    )
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "rid-1")], sent=12)
    atoms = Logger(config).atoms(
        response, request, environ, SimpleNamespace(seconds=0, microseconds=1500)
    )
    line = config.access_log_format % atoms
    assert line == '127.0.0.1 "GET /members/me" 200 12 1ms rid=rid-1'
    assert secret not in line


def test_gunicorn_makes_the_metrics_directory_and_empties_it_at_start(gunicorn_settings, conf_env):
    assert conf_env.is_dir()
    (conf_env / "counter_123.db").write_bytes(b"old")
    gunicorn_settings["on_starting"](None)
    assert list(conf_env.iterdir()) == []


def test_gunicorn_logs_gunicorn_messages_as_json(gunicorn_settings):
    handlers = gunicorn_settings["logconfig_dict"]["handlers"]
    formatters = gunicorn_settings["logconfig_dict"]["formatters"]
    assert formatters[handlers["stderr"]["formatter"]]["()"] == "munjigi.ops.logs.JsonFormatter"


def test_passenger_entry_point_exposes_a_working_application(tmp_path):
    script = (
        "import runpy; ns = runpy.run_path('passenger_wsgi.py'); "
        "app = ns['application']; print(app.test_client().get('/healthz').status_code)"
    )
    env = {
        "MUNJIGI_ENV": "testing",
        "MUNJIGI_SECRET_KEY": "x" * 48,
        "MUNJIGI_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "MUNJIGI_INSTANCE_PATH": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "200"
