"""The API resources the emulator serves: built-in kinds kroless needs, plus kinds CRDs register.

One :class:`Kind` per group/version/kind. Discovery documents are generated from this table, and the
store keys objects by ``(group, kind)`` so every served version of a CRD sees the same objects (the
emulator does no conversion between versions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    status_subresource: bool = True
    # Simulated status lives in the store; this flag only says which kinds have a /status endpoint.
    singular: str = field(default="")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        """``deployments.apps``: how Kubernetes names the resource in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps``: how Kubernetes names the kind in validation errors."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def discovery(self) -> list[dict[str, Any]]:
        entry = {
            "name": self.plural,
            "singularName": self.singular or self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": ALL_VERBS,
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        entries = [entry]
        if self.status_subresource:
            entries.append({"name": f"{self.plural}/status", "singularName": "", "namespaced": self.namespaced, "kind": self.kind, "verbs": ["get", "patch", "update"]})
        return entries


def _k(group: str, version: str, kind: str, plural: str, namespaced: bool = True, *short: str, status: bool = True) -> Kind:
    return Kind(group, version, kind, plural, namespaced, tuple(short), status)


BUILTIN_KINDS: tuple[Kind, ...] = (
    _k("", "v1", "Namespace", "namespaces", False, "ns"),
    _k("", "v1", "ConfigMap", "configmaps", True, "cm", status=False),
    _k("", "v1", "Secret", "secrets", True, status=False),
    _k("", "v1", "Service", "services", True, "svc"),
    _k("", "v1", "ServiceAccount", "serviceaccounts", True, "sa", status=False),
    _k("", "v1", "Pod", "pods", True, "po"),
    _k("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, "pvc"),
    _k("", "v1", "PersistentVolume", "persistentvolumes", False, "pv"),
    _k("", "v1", "Endpoints", "endpoints", True, "ep", status=False),
    _k("", "v1", "ResourceQuota", "resourcequotas", True, "quota"),
    _k("", "v1", "LimitRange", "limitranges", True, "limits", status=False),
    _k("apps", "v1", "Deployment", "deployments", True, "deploy"),
    _k("apps", "v1", "StatefulSet", "statefulsets", True, "sts"),
    _k("apps", "v1", "DaemonSet", "daemonsets", True, "ds"),
    _k("apps", "v1", "ReplicaSet", "replicasets", True, "rs"),
    _k("batch", "v1", "Job", "jobs", True),
    _k("batch", "v1", "CronJob", "cronjobs", True, "cj"),
    _k("networking.k8s.io", "v1", "Ingress", "ingresses", True, "ing"),
    _k("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False, status=False),
    _k("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, "netpol", status=False),
    _k("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False, status=False),
    _k("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False, status=False),
    _k("rbac.authorization.k8s.io", "v1", "Role", "roles", True, status=False),
    _k("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True, status=False),
    _k("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, "pdb"),
    _k("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, "hpa"),
    _k("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, "sc", status=False),
    _k("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False, "crd", "crds"),
)


def kinds_of_crd(crd: dict[str, Any]) -> list[Kind]:
    """The kinds a CRD serves: one per served version."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    kinds = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        has_status = "status" in (version.get("subresources") or {})
        kinds.append(
            Kind(
                spec.get("group", ""),
                version["name"],
                names.get("kind", ""),
                names.get("plural", ""),
                namespaced,
                tuple(names.get("shortNames") or ()),
                has_status,
                names.get("singular", ""),
            )
        )
    return kinds
