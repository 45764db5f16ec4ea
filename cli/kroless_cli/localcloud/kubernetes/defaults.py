"""The defaults the API server fills in for the built-in kinds (pkg/apis/*/v1/defaults.go in Kubernetes):
the ones ``kubectl get -o yaml`` shows and kroless's templates and readyWhen expressions rely on.
Cluster IPs are the store's to allocate."""

from __future__ import annotations

import base64
from typing import Any


def _container(container: Any) -> None:
    if not isinstance(container, dict):
        return
    image = str(container.get("image") or "")
    tag = image.rpartition("/")[2].partition("@")[0]
    latest = ":" not in tag or tag.endswith(":latest")
    container.setdefault("imagePullPolicy", "Always" if latest and "@" not in image else "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def pod_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            _container(container)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")


def _template(spec: dict[str, Any]) -> None:
    template = spec.get("template")
    if isinstance(template, dict):
        pod_spec(template.get("spec"))


def apply(group: str, kind: str, obj: dict[str, Any]) -> None:
    """Fill in ``obj``'s defaults in place."""
    spec = obj.get("spec")
    key = (group, kind)
    if key == ("apps", "Deployment") and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if isinstance(strategy, dict) and strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy.setdefault("type", "RollingUpdate")
            strategy.setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
        _template(spec)
    elif key in (("apps", "StatefulSet"), ("apps", "ReplicaSet"), ("apps", "DaemonSet")) and isinstance(spec, dict):
        if kind != "DaemonSet":
            spec.setdefault("replicas", 1)
        _template(spec)
    elif key == ("", "Pod"):
        pod_spec(spec)
    elif key == ("", "Service"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if spec["type"] != "ExternalName":
            spec.setdefault("sessionAffinity", "None")
            spec.setdefault("internalTrafficPolicy", "Cluster")
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))
    elif key == ("", "Secret"):
        string_data = obj.pop("stringData", None) or {}
        if string_data:
            data = obj.setdefault("data", {})
            for secret_key, value in string_data.items():
                data[secret_key] = base64.b64encode(str(value).encode()).decode()
        obj.setdefault("type", "Opaque")
    elif key == ("", "Namespace"):
        labels = obj["metadata"].setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"]["name"])
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
    elif key == ("batch", "Job") and isinstance(spec, dict):
        spec.setdefault("completions", 1)
        spec.setdefault("parallelism", 1)
        spec.setdefault("backoffLimit", 6)
        _template(spec)
