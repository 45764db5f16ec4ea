"""What kroless knows about resource kinds before any cluster is asked: scope and (when known) schema.

Kro asks the API server (discovery and OpenAPI). kroless compiles offline, so scope comes from a table
of the Kubernetes built-in cluster-scoped kinds, from ACK's conventions (every ACK kind is namespaced),
and from the RGDs compiled alongside (their own ``scope``). Unknown kinds are namespaced and schemaless,
as Kro treats ``x-kubernetes-preserve-unknown-fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kroless.errors import GraphError
from kroless.schemas.kubernetes import builtin_namespaced, builtin_schema

# group/kind of the Kubernetes built-ins that are cluster-scoped (kubectl api-resources --namespaced=false)
CLUSTER_SCOPED_BUILTINS = frozenset(
    {
        "/Namespace",
        "/Node",
        "/PersistentVolume",
        "/ComponentStatus",
        "rbac.authorization.k8s.io/ClusterRole",
        "rbac.authorization.k8s.io/ClusterRoleBinding",
        "apiextensions.k8s.io/CustomResourceDefinition",
        "apiregistration.k8s.io/APIService",
        "storage.k8s.io/StorageClass",
        "storage.k8s.io/CSIDriver",
        "storage.k8s.io/CSINode",
        "storage.k8s.io/VolumeAttachment",
        "scheduling.k8s.io/PriorityClass",
        "node.k8s.io/RuntimeClass",
        "networking.k8s.io/IngressClass",
        "networking.k8s.io/IPAddress",
        "networking.k8s.io/ServiceCIDR",
        "admissionregistration.k8s.io/MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
        "certificates.k8s.io/CertificateSigningRequest",
        "flowcontrol.apiserver.k8s.io/FlowSchema",
        "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
        "kro.run/ResourceGraphDefinition",
    }
)


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` → (``apps``, ``v1``); ``v1`` → (``""``, ``v1``)."""
    group, _, version = api_version.rpartition("/")
    return group, version


def validate_api_version(api_version: str) -> None:
    """At most one ``/`` (apimachinery's ParseGroupVersion)."""
    if api_version.count("/") > 1:
        raise GraphError(f"unexpected GroupVersion string: {api_version}")


@dataclass
class KindInfo:
    namespaced: bool = True
    # OpenAPI v3 schema of the whole object, when known; None means schemaless
    schema: dict[str, Any] | None = None
    # the RGD that defines this kind, when it is another RGD's API (a nested instance)
    rgd_name: str | None = None


@dataclass
class KindRegistry:
    """Scope and schema lookups by (group, kind); RGD-defined kinds are registered as they compile.

    ``strict`` makes unregistered kinds an error, as an API server that does not serve them would.
    """

    _extra: dict[str, KindInfo] = field(default_factory=dict)
    strict: bool = False

    def register(self, api_version: str, kind: str, info: KindInfo) -> None:
        group, _ = split_api_version(api_version)
        self._extra[f"{group}/{kind}"] = info

    def lookup(self, api_version: str, kind: str) -> KindInfo:
        group, _ = split_api_version(api_version)
        key = f"{group}/{kind}"
        if key in self._extra:
            return self._extra[key]
        schema = builtin_schema(api_version, kind)
        if schema is not None:
            return KindInfo(namespaced=bool(builtin_namespaced(api_version, kind)), schema=schema)
        if self.strict:
            # Go's GroupVersionKind.String()
            raise GraphError(f"schema not found for GVK: {api_version if group else '/' + api_version}, Kind={kind}")
        namespaced = builtin_namespaced(api_version, kind)
        return KindInfo(namespaced=namespaced if namespaced is not None else key not in CLUSTER_SCOPED_BUILTINS)
