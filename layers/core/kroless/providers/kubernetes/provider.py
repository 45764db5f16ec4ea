"""Kubernetes objects: server-side apply through the official client's DynamicClient.

>>> provider = KubernetesProvider.from_eks("prod", boto3.Session())        # doctest: +SKIP
>>> observed = provider.apply(manifest, Ownership("team-a/web", "deployment"))

Every object gets Kro's labels; a namespaced kind without ``metadata.namespace`` goes to the instance's
namespace; the field manager is ``kroless`` and kroless forces its own fields back (that is how drift is
corrected). An object that exists but is not this instance's is a :class:`ConflictError` unless the
template opts in with the annotation ``kroless.dev/adopt: "true"``.

The ``kubernetes`` package is imported only when a provider is built, never at ``import kroless``.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from kroless.errors import is_retriable
from kroless.providers.base import (
    ADOPT_ANNOTATION,
    ConflictError,
    ImmutableFieldError,
    NotReadyError,
    ObjectRef,
    Ownership,
    ProviderError,
)
from kroless.providers.kubernetes import eks
from kroless.providers.kubernetes.labels import instance_identity, is_owned_by, kro_keys, kro_labels, owner_of
from kroless.settings import NAME

log = logging.getLogger(__name__)

FIELD_MANAGER = NAME
ACK_GROUP_SUFFIX = ".services.k8s.aws"
CRD_KEY = ("apiextensions.k8s.io/v1", "CustomResourceDefinition")
# An EKS token is good for 15 minutes; refresh well before.
TOKEN_REFRESH_SECONDS = 600
# A throttled (429), conflicting (409) or failing (5xx) request is sent again after these pauses, as client-go's
# callers retry on conflict; what still fails is left to the state machine's Retry of the whole step.
TRANSIENT_RETRY_DELAYS = (0.1, 0.4, 1.0)


class KubernetesProvider:
    """The :class:`~kroless.providers.base.Provider` for Kubernetes objects of one cluster."""

    def __init__(self, api_client: Any, *, crd_timeout: float = 60.0, poll_interval: float = 0.1, sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_client = api_client
        self._dynamic: Any = None
        self.crd_timeout = crd_timeout
        self.poll_interval = poll_interval
        self._sleep = sleep

    # ---- connections -------------------------------------------------------------------------------------

    @classmethod
    def from_host(cls, url: str, *, token: str | None = None, **options: Any) -> KubernetesProvider:
        """Plain connection to ``url`` (the local cloud's emulator), optionally with a bearer token."""
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = url
        if token:
            configuration.api_key = {"BearerToken": token}
            configuration.api_key_prefix = {"BearerToken": "Bearer"}
        return cls(client.ApiClient(configuration), **options)

    @classmethod
    def from_kubeconfig(cls, context: str | None = None, *, config_file: str | None = None, **options: Any) -> KubernetesProvider:
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(config_file=config_file, context=context, client_configuration=configuration, persist_config=False)
        return cls(client.ApiClient(configuration), **options)

    @classmethod
    def from_eks(cls, cluster_name: str, session: Any, **options: Any) -> KubernetesProvider:
        """Endpoint and CA from ``eks:DescribeCluster``, a fresh STS token every ten minutes."""
        from kubernetes import client

        endpoint, ca_pem = eks.describe_cluster(cluster_name, session)
        region = session.region_name
        configuration = client.Configuration()
        configuration.host = endpoint
        # In memory, no file left in /tmp per cold start. ssl's cadata takes PEM as text, DER as bytes.
        configuration.ca_cert_data = ca_pem.decode("ascii") if ca_pem.lstrip().startswith(b"-----BEGIN") else ca_pem
        configuration.api_key_prefix = {"BearerToken": "Bearer"}
        issued = [0.0]

        def refresh(config: Any) -> None:
            if time.monotonic() - issued[0] > TOKEN_REFRESH_SECONDS:
                config.api_key = {"BearerToken": eks.eks_token(cluster_name, session.get_credentials(), region)}
                issued[0] = time.monotonic()

        # The client calls the hook before every request that carries the token.
        configuration.refresh_api_key_hook = refresh  # type: ignore[assignment]
        refresh(configuration)
        return cls(client.ApiClient(configuration), **options)

    # ---- the Provider protocol ---------------------------------------------------------------------------

    def handles(self, api_version: str, kind: str) -> bool:
        """Every kind outside ACK's groups; whether the cluster serves it is known at apply time."""
        return not api_version.rpartition("/")[0].endswith(ACK_GROUP_SUFFIX)

    def normalize(self, manifest: dict[str, Any], owner: Ownership) -> dict[str, Any]:
        """The manifest as kroless applies it: namespace defaulted (or dropped for cluster-scoped kinds)
        and Kro's labels set."""
        ref = _ref(manifest)
        resource = self._resource(ref)
        body = copy.deepcopy(manifest)
        metadata = body.setdefault("metadata", {})
        if resource.namespaced:
            if not metadata.get("namespace"):
                namespace, _ = instance_identity(owner)
                if not namespace:
                    raise ProviderError(f"{ref}: namespaced resource must resolve metadata.namespace when the instance is cluster-scoped")
                metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        metadata["labels"] = {**(metadata.get("labels") or {}), **kro_labels(owner)}
        return body

    def apply(self, manifest: dict[str, Any], owner: Ownership, *, adopt: bool = False) -> dict[str, Any]:
        body = self.normalize(manifest, owner)
        ref = ObjectRef.of(body)
        resource = self._resource(ref)
        adopt = adopt or str((body["metadata"].get("annotations") or {}).get(ADOPT_ANNOTATION, "")).lower() == "true"
        existing = self._get(resource, ref)
        if existing is not None and not adopt:
            labels = existing["metadata"].get("labels") or {}
            if not is_owned_by(labels, owner):
                holder = owner_of(labels)
                whose = f"instance {holder}" if holder else "nobody kroless knows (not created by kroless)"
                raise ConflictError(f'{ref} already exists and belongs to {whose}, not to instance {owner.instance}; set the annotation {ADOPT_ANNOTATION}: "true" on the template to adopt it')
        result = self._call(ref, lambda: self._client.server_side_apply(resource, body=body, field_manager=FIELD_MANAGER, force_conflicts=True))
        if (ref.api_version, ref.kind) == CRD_KEY:
            return self._wait_established(ref)
        return dict(result.to_dict())

    def read(self, manifest: dict[str, Any], *, namespace: str | None = None) -> dict[str, Any] | None:
        """The observed object or None; a namespaced manifest without a namespace needs ``namespace``."""
        ref = self._located(manifest, namespace)
        return self._get(self._resource(ref), ref)

    def select(self, api_version: str, kind: str, namespace: str | None, selector: dict[str, Any]) -> list[dict[str, Any]]:
        """Objects of a kind matching a Kubernetes LabelSelector (an externalRef collection), sorted by
        namespace and name; ``namespace`` None lists all namespaces."""
        ref = ObjectRef(api_version, kind, "*", namespace)
        resource = self._resource(ref)
        label_selector = selector_string(selector)
        listed = self._call(
            ref,
            lambda: self._client.get(
                resource, namespace=namespace if resource.namespaced else None, label_selector=label_selector or None
            ),
        )
        items = [dict(item.to_dict()) for item in listed.items]
        for item in items:  # list items carry no apiVersion/kind of their own
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return sorted(items, key=lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"]))

    def delete(self, manifest: dict[str, Any], owner: Ownership | None = None, *, namespace: str | None = None) -> bool:
        """Start deletion (background propagation) and report whether the object is gone. An object whose
        labels now name another instance than ``owner`` is left alone and counts as gone."""
        ref = self._located(manifest, namespace)
        try:
            resource = self._resource(ref)
        except ProviderError:
            if (ref.api_version, ref.kind) != CRD_KEY and self._kind_gone(ref):
                return True  # the kind itself is gone (its CRD was deleted): so are its objects
            raise
        existing = self._get(resource, ref)
        if existing is None or _adopted_away(existing, owner):
            return True
        if not existing["metadata"].get("deletionTimestamp"):
            from kubernetes.dynamic.exceptions import NotFoundError

            delete = lambda: self._client.delete(resource, name=ref.name, namespace=ref.namespace, propagation_policy="Background")  # noqa: E731
            try:
                self._call(ref, delete)
            except ProviderError as err:
                if isinstance(err.__cause__, NotFoundError):  # gone already (a retried DELETE that had succeeded)
                    return True
                raise
        return self._get(resource, ref) is None

    def release(self, manifest: dict[str, Any], owner: Ownership | None = None, *, namespace: str | None = None) -> None:
        """Strip Kro's labels and annotations (:func:`~kroless.providers.kubernetes.labels.kro_keys`) and
        nothing else: the object stays, no longer any instance's, for a later one to adopt. A JSON merge
        patch, as it removes keys without restating the object (Kro's ``ReleaseKROMetadata`` updates it)."""
        ref = self._located(manifest, namespace)
        resource = self._resource(ref)
        existing = self._get(resource, ref)
        if existing is None or _adopted_away(existing, owner):
            return
        metadata = existing["metadata"]
        stripped = {field: dict.fromkeys(kro_keys(metadata.get(field) or {})) for field in ("labels", "annotations")}
        patch = {"metadata": {field: keys for field, keys in stripped.items() if keys}}
        if patch["metadata"]:
            content_type = "application/merge-patch+json"
            self._call(ref, lambda: self._client.patch(resource, body=patch, name=ref.name, namespace=ref.namespace, content_type=content_type))

    # ---- internals ---------------------------------------------------------------------------------------

    @property
    def _client(self) -> Any:
        """The DynamicClient, built on first use: building it reads discovery, which needs the cluster."""
        if self._dynamic is None:
            from kubernetes.dynamic import DynamicClient

            self._dynamic = DynamicClient(self.api_client, discoverer=_memory_discoverer())
        return self._dynamic

    def _resource(self, ref: ObjectRef) -> Any:
        from kubernetes.dynamic.exceptions import ResourceNotFoundError

        try:
            return self._client.resources.get(api_version=ref.api_version, kind=ref.kind)
        except ResourceNotFoundError:
            raise ProviderError(f"{ref}: the cluster does not serve kind {ref.kind} in {ref.api_version} (unknown kind, or its CRD is not installed)") from None
        except Exception as err:
            raise self._error(ref, err) from err

    def _kind_gone(self, ref: ObjectRef) -> bool:
        try:
            self._resource(ref)
        except ProviderError:
            return True
        return False

    def _located(self, manifest: dict[str, Any], namespace: str | None) -> ObjectRef:
        ref = _ref(manifest)
        resource = self._resource(ref)
        if not resource.namespaced:
            return ObjectRef(ref.api_version, ref.kind, ref.name)
        if ref.namespace or namespace:
            return ObjectRef(ref.api_version, ref.kind, ref.name, ref.namespace or namespace)
        raise ProviderError(f"{ref}: namespaced kind without metadata.namespace: pass the instance namespace (or the manifest apply returned)")

    def _get(self, resource: Any, ref: ObjectRef) -> dict[str, Any] | None:
        from kubernetes.dynamic.exceptions import NotFoundError

        try:
            return self._call(ref, lambda: dict(self._client.get(resource, name=ref.name, namespace=ref.namespace).to_dict()))
        except ProviderError as err:
            if isinstance(err.__cause__, NotFoundError):
                return None
            raise

    def _call(self, ref: ObjectRef, request: Callable[[], Any]) -> Any:
        delays = iter(TRANSIENT_RETRY_DELAYS)
        while True:
            try:
                return request()
            except Exception as err:
                delay = next(delays, None) if is_retriable(err) else None
                if delay is None:
                    raise self._error(ref, err) from err
                self._sleep(delay)

    def _wait_established(self, ref: ObjectRef) -> dict[str, Any]:
        """A CRD is applied; wait until it is Established and its kinds are discoverable, so that
        dependent nodes find them."""
        crds = self._resource(ref)
        deadline = time.monotonic() + self.crd_timeout
        while True:
            crd = self._get(crds, ref) or {}
            conditions = (crd.get("status") or {}).get("conditions") or []
            established = any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)
            if established and all(self._serves(crd, version) for version in crd["spec"].get("versions") or [] if version.get("served", True)):
                return crd
            if time.monotonic() > deadline:
                raise ProviderError(f"{ref}: not established after {self.crd_timeout:g}s")
            self._sleep(self.poll_interval)

    def _serves(self, crd: dict[str, Any], version: dict[str, Any]) -> bool:
        from kubernetes.dynamic.exceptions import ResourceNotFoundError

        spec = crd["spec"]
        try:
            self._client.resources.get(api_version=f"{spec['group']}/{version['name']}", kind=spec["names"]["kind"])
        except ResourceNotFoundError:
            return False
        return True

    def _error(self, ref: ObjectRef, err: Exception) -> ProviderError:
        from kubernetes.client.exceptions import ApiException

        if not isinstance(err, ApiException):
            host = self.api_client.configuration.host
            return ProviderError(f"{ref}: cannot reach the Kubernetes API at {host}: {type(err).__name__}: {err}")
        message, reason = f"HTTP {err.status} {err.reason}", ""
        details: dict[str, Any] = {}
        try:
            status = json.loads(err.body or "{}")
            message, reason = status.get("message") or message, status.get("reason") or ""
            details = status.get("details") or {}
        except (TypeError, ValueError):
            pass
        if err.status == 404 and details.get("kind") == "namespaces" and ref.namespace == details.get("name"):
            # The object's namespace does not exist yet (often a sibling resource creating it, with no graph
            # edge between them): Kro's controller requeues; the node waits and applies again.
            return NotReadyError(f"{ref}: namespace {ref.namespace} does not exist yet")
        if ref.kind == "Secret":
            # An API message may quote the offending value; for a Secret that value is confidential.
            message = re.sub(r'Invalid value: ("(?:[^"\\]|\\.)*"|\S+)', "Invalid value: <redacted>", message)
        text = f"{ref}: {message}"
        if err.status == 422 and "field is immutable" in message:
            return ImmutableFieldError(text)
        if err.status == 409 and reason == "Conflict" and "Apply failed" in message:
            return ConflictError(text)
        return ProviderError(text)


def _adopted_away(existing: dict[str, Any], owner: Ownership | None) -> bool:
    """Whether the object's labels now name another instance than ``owner`` (it adopted the object since)."""
    labels = existing["metadata"].get("labels") or {}
    return owner is not None and owner_of(labels) is not None and not is_owned_by(labels, owner)


def _ref(manifest: dict[str, Any]) -> ObjectRef:
    missing = [key for key in ("apiVersion", "kind") if not manifest.get(key)]
    if not (manifest.get("metadata") or {}).get("name"):
        missing.append("metadata.name")
    if missing:
        raise ProviderError(f"manifest {manifest.get('kind', '?')} is missing {', '.join(missing)}")
    return ObjectRef.of(manifest)


def _memory_discoverer() -> type:
    """The client's lazy discoverer without its cache file: a cache in /tmp keyed by host would hand
    one emulator's (or cluster's) kinds to the next on the same address."""
    from kubernetes.dynamic.discovery import LazyDiscoverer

    class MemoryDiscoverer(LazyDiscoverer):
        def __init__(self, client: Any, cache_file: Any) -> None:
            # A path that never exists makes the base class start from an empty cache.
            super().__init__(client, "/nonexistent/kroless-discovery-cache.json")

        def _write_cache(self) -> None:
            pass

    return MemoryDiscoverer


def selector_string(selector: dict[str, Any]) -> str:
    """A LabelSelector as the API's ``labelSelector`` query (``a=b,c in (d,e),!f``)."""
    parts = [f"{key}={value}" for key, value in (selector.get("matchLabels") or {}).items()]
    for requirement in selector.get("matchExpressions") or []:
        key, operator, values = requirement["key"], requirement["operator"], requirement.get("values") or []
        if operator == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif operator == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif operator == "Exists":
            parts.append(key)
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
        else:
            raise ProviderError(f"unsupported label selector operator {operator!r} for key {key!r}")
    return ",".join(parts)
