"""The compose file and the Kubernetes manifests are valid, checked offline in CI.

No Docker engine or cluster runs here, so the files are validated against the schemas the
tools really use: the compose-spec schema vendored by check-jsonschema, and the Kubernetes
OpenAPI-derived schemas shipped by kubernetes-validate (strict: unknown fields are errors).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSION = "1.30.0"
CHECK_JSONSCHEMA = str(Path(sys.executable).with_name("check-jsonschema"))
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def _documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _resources() -> dict[tuple[str, str], dict]:
    return {
        (doc["kind"], doc["metadata"]["name"]): doc
        for path in MANIFESTS
        for doc in _documents(path)
    }


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_k8s_manifest_is_valid_for_kubernetes(path):
    for document in _documents(path):
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_k8s_validation_catches_a_mistake():
    deployment = _resources()[("Deployment", "gridgov-app")]
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
    typo = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSION, strict=True)


def test_kustomization_applies_every_manifest_but_the_secret_template():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in MANIFESTS} - {"secret.example.yaml"}


def test_k8s_has_the_parts_a_district_needs():
    resources = _resources()
    for component in ("app", "worker"):
        name = f"gridgov-{component}"
        assert ("HorizontalPodAutoscaler", name) in resources
        assert ("PodDisruptionBudget", name) in resources
    assert ("Job", "gridgov-migrate") in resources
    assert ("Service", "gridgov-app") in resources
    beat = resources[("Deployment", "gridgov-beat")]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"
    app = resources[("Deployment", "gridgov-app")]["spec"]["template"]["spec"]["containers"][0]
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for (kind, _name), doc in resources.items():
        if kind in ("Deployment", "Job"):
            for container in doc["spec"]["template"]["spec"]["containers"]:
                assert container["resources"]["limits"], container["name"]


def test_compose_file_is_valid_compose_spec():
    result = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_validation_catches_a_mistake(tmp_path):
    broken = _compose()
    broken["services"]["app"]["healthcheck"]["retries"] = "three"
    broken["services"]["app"]["restart_policy"] = "always"
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    result = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0


def test_compose_runs_one_beat_after_one_migration_and_checks_health():
    services = _compose()["services"]
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("app", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    for name in ("postgres", "redis", "minio", "app", "worker", "nginx"):
        assert services[name]["healthcheck"]["test"], name
    assert "readyz" in " ".join(services["app"]["healthcheck"]["test"])


def test_env_example_sets_every_variable_compose_reads():
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    wanted = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", compose))
    example = (DEPLOY / "env.example").read_text(encoding="utf-8")
    defined = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    assert wanted - {"GRIDGOV_IMAGE_TAG"} <= defined
