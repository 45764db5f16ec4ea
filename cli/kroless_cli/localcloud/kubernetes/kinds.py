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
    # A CRD's version: its openAPIV3Schema, additionalPrinterColumns and scale subresource (built-ins: none,
    # their schemas are shipped in kroless.schemas and their columns are kubectl's, see tables.py).
    schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    printer_columns: tuple[dict[str, Any], ...] = field(default=(), compare=False, hash=False)
    scale: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # served from elsewhere than the store (kroless's RGD instances): get and list only
    read_only: bool = False

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
        if (self.group, self.kind) in IN_CATEGORY_ALL:
            entry["categories"] = ["all"]
        if self.read_only:
            entry["verbs"] = ["get", "list"]
        entries = [entry]
        if self.status_subresource and not self.read_only:
            entries.append({"name": f"{self.plural}/status", "singularName": "", "namespaced": self.namespaced, "kind": self.kind, "verbs": ["get", "patch", "update"]})
        if self.scalable:
            entries.append({"name": f"{self.plural}/scale", "singularName": "", "namespaced": self.namespaced, "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]})
        return entries

    @property
    def scalable(self) -> bool:
        """Whether ``/scale`` is served: the built-in workloads, and CRDs declaring the scale subresource."""
        return (self.group, self.kind) in SCALABLE or self.scale is not None


# What ``kubectl get all`` lists (the built-ins' ``categories: [all]``)
IN_CATEGORY_ALL = {("", "Pod"), ("", "Service"), ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"), ("batch", "Job"), ("batch", "CronJob")}
# The built-ins with a /scale subresource: replicas at .spec.replicas, the selector at .spec.selector
SCALABLE = {("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "ReplicaSet")}


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
    _k("", "v1", "Event", "events", True, "ev", status=False),  # none are recorded: describe shows <none>
    _k("events.k8s.io", "v1", "Event", "events", True, "ev", status=False),
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
    _k("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", False, status=False),  # answered, never stored
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
        subresources = version.get("subresources") or {}
        has_status = "status" in subresources
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
                (version.get("schema") or {}).get("openAPIV3Schema"),
                tuple(version.get("additionalPrinterColumns") or ()),
                subresources.get("scale") if isinstance(subresources.get("scale"), dict) else None,
            )
        )
    return kinds
