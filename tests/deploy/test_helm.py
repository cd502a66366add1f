"""The Helm chart rendered by Helm's own engine, each manifest checked against Kubernetes' schemas.

helm-python-sdk binds Helm's Go SDK (template rendering and lint, no helm binary);
kubernetes-validate ships the Kubernetes JSON schemas, so both run offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

helm = pytest.importorskip("helm_python", reason="helm-python-sdk is in the dev extras")
kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate is in the dev extras"
)

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "kefu"


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    with helm.Chart.load(CHART) as chart:
        files = chart.render(values, name="shop", namespace="kefu")
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


@pytest.mark.parametrize(
    "values",
    [
        {"database": {"password": "pw"}},
        {
            "autoscaling": {"enabled": False},
            "model": {"enabled": False},
            "ingress": {"tlsSecret": "t"},
        },
    ],
    ids=["defaults", "no-autoscaling-no-model"],
)
def test_every_rendered_manifest_is_valid_kubernetes(values: dict[str, Any]) -> None:
    docs = render(values)
    version = kubernetes_validate.latest_version()
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    assert helm.lint(str(CHART), values, strict=True)["errors"] == []


def test_the_validator_refuses_a_broken_manifest() -> None:
    (deployment, *_) = by_kind(render({}), "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, kubernetes_validate.latest_version(), strict=True)


def test_replicas_probe_health_and_reach_the_model_tier() -> None:
    docs = render({"database": {"password": "pw"}})
    web = next(d for d in by_kind(docs, "Deployment") if d["metadata"]["name"] == "shop-kefu")
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "--no-db-upgrade" in container["command"]
    (config,) = by_kind(docs, "ConfigMap")
    assert config["data"]["KEFU_LM_BACKEND"] == "openai"
    assert config["data"]["KEFU_LM_BASE_URL"] == "http://shop-kefu-model:8000/v1"
    model = next(d for d in by_kind(docs, "Deployment") if d["metadata"]["name"].endswith("-model"))
    limits = model["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == 1
    (job,) = by_kind(docs, "Job")
    assert "pre-upgrade" in job["metadata"]["annotations"]["helm.sh/hook"]
    assert "kefu db upgrade" in job["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    (hpa,) = by_kind(docs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "shop-kefu"
    (ingress,) = by_kind(docs, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    (secret,) = by_kind(docs, "Secret")
    assert set(secret["stringData"]) == {
        "database-password",
        "telegram-token",
        "console-secret-key",
    }
