"""What kroless knows about resource kinds before any cluster is asked: scope and (when known) schema.

Kro asks the API server (discovery and OpenAPI). kroless compiles offline, so it answers from what it ships
and what it compiles alongside:

* the Kubernetes built-ins: schema and scope from ``kroless.schemas.kubernetes``;
* ACK's kinds (``<service>.services.k8s.aws``): schema and scope from their CRDs (``kroless.schemas.ack``),
  as Kro sees them with ACK's controllers installed. A kind ACK does not define is Kro's "schema not found";
  a kind ACK defines but kroless's AWS provider does not serve (:mod:`kroless.providers.served`) is refused
  (:attr:`KindInfo.unserved`), so an RGD that could never run is not registered;
* the RGDs compiled alongside (their own ``scope`` and spec schema).

Other kinds (CRDs kroless has no schema of) are namespaced and schemaless, as Kro treats
``x-kubernetes-preserve-unknown-fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kroless.errors import GraphError
from kroless.schemas.ack import AckKind, ack_kind, ack_kinds, ack_schema, is_ack_group, service_of
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
    # why kroless cannot run this kind although Kro would accept it (an ACK kind its provider does not serve)
    unserved: str | None = None


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
        if is_ack_group(group):
            return _ack_kind_info(api_version, kind)
        schema = builtin_schema(api_version, kind)
        if schema is not None:
            return KindInfo(namespaced=bool(builtin_namespaced(api_version, kind)), schema=schema)
        if self.strict:
            # Go's GroupVersionKind.String()
            raise GraphError(f"schema not found for GVK: {api_version if group else '/' + api_version}, Kind={kind}")
        namespaced = builtin_namespaced(api_version, kind)
        return KindInfo(namespaced=namespaced if namespaced is not None else key not in CLUSTER_SCOPED_BUILTINS)


def _ack_kind_info(api_version: str, kind: str) -> KindInfo:
    """An ACK kind: its CRD's schema, or Kro's "schema not found" with what ACK and kroless do have."""
    found = ack_kind(api_version, kind)
    if found is None:
        raise GraphError(f"schema not found for GVK: {api_version}, Kind={kind} ({_ack_alternatives(api_version, kind)})")
    return KindInfo(namespaced=found.namespaced, schema=ack_schema(api_version, kind), unserved=_unserved(found))


def _unserved(found: AckKind) -> str | None:
    from kroless.providers.served import ack_kind_served, unserved_reason

    if ack_kind_served(found.service, found.kind):
        return None
    why = unserved_reason(found.service, found.kind) or "its AWS provider cannot create or read it"
    return (
        f'ACK kind "{found.kind}" in version "{found.api_version}" is not supported by kroless yet ({why}); '
        f"{_supported_in(found.service)}"
    )


def unserved_ack_field(api_version: str, kind: str, spec: Any) -> tuple[str, str] | None:
    """(field, why) for the first top-level field of an ACK template's ``spec`` that ACK's CRD has but kroless's
    AWS provider does not handle yet (it would refuse the template while reconciling), else None. Fields the CRD
    lacks are left to Kro's own schema check."""
    found = ack_kind(api_version, kind)
    if found is None or not isinstance(spec, dict):
        return None
    from kroless.providers.served import ack_fields_served

    served = ack_fields_served(found.service, found.kind)
    crd_fields = ((ack_schema(api_version, kind) or {}).get("properties", {}).get("spec") or {}).get("properties", {})
    unserved = sorted(f for f in spec if f in crd_fields and f not in served)
    if not served or not unserved:
        return None
    return unserved[0], (
        f'ACK field spec.{unserved[0]} of {found.kind} ({found.api_version}) is not supported by kroless yet (its AWS '
        f"provider cannot set it); the {found.kind} fields kroless supports: {', '.join(sorted(served))}"
    )


def _ack_alternatives(api_version: str, kind: str) -> str:
    """What to use instead of an apiVersion/kind ACK does not define: the same kind in ACK's version, a close
    spelling, and the kinds kroless supports in that service (or the services it supports)."""
    import difflib

    group, _, version = api_version.rpartition("/")
    service = service_of(group)
    in_group = ack_kinds(group)
    if not in_group:
        return f"no ACK controller serves {group}; kroless supports {_supported_services()}"
    same = [k for k in in_group if k.kind == kind]
    if same:
        return f"ACK serves {kind} in version {same[0].api_version}, not {version}"
    names = sorted({k.kind for k in in_group})
    close = difflib.get_close_matches(kind, names, n=1) or [n for n in names if n.lower() == kind.lower()]
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return f"ACK's {service} controller has no kind {kind}{hint}; {_supported_in(service)}"


def _supported_in(service: str) -> str:
    """The kinds of ``service`` kroless supports or, when there are none, the services it supports kinds of."""
    from kroless.providers.served import served_ack_kinds

    kinds = [kind for _, kind in served_ack_kinds(service)]
    if kinds:
        return f"the {service} kinds kroless supports: {', '.join(kinds)}"
    return f"kroless supports no {service} kind; it supports {_supported_services()}"


def _supported_services() -> str:
    """``kinds of acm, apigatewayv2, ...``: the services kroless supports kinds of."""
    from kroless.providers.served import served_ack_kinds

    services = sorted({service for service, _ in served_ack_kinds()})
    return f"kinds of {', '.join(services)} (`kroless api-resources` lists them)"
