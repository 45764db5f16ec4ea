"""The contract every provider meets, and the errors they raise.

A provider works on *manifests*: the fully rendered template of one node (apiVersion, kind, metadata, spec
...). ``apply`` makes the real object match the manifest and returns the *observed* object in the same
shape (metadata, spec as the provider sees it, status), which is what CEL expressions of dependent nodes
and readyWhen read. Identity is deterministic: the manifest's apiVersion/kind/namespace/name (plus the
AWS identifier the spec names), so a retry after a crash adopts what the first attempt created.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from kroless.errors import KrolessError, TerminalError
from kroless.model.rgd import KRO_DELETION_POLICY_ANNOTATION

ADOPT_ANNOTATION = "kroless.dev/adopt"
DELETION_POLICY_ANNOTATION = "kroless.dev/deletion-policy"
INSTANCE_TAG = "kroless:instance"
NODE_TAG = "kroless:node"


class DeletionPolicy(StrEnum):
    """What removing an object from its instance does: the instance is deleted, or the object's resource is
    pruned (removed from the RGD, includeWhen false, a forEach item gone)."""

    DELETE = "Delete"
    DETACH = "Detach"  # Kro's: left in place and released (Kro's labels and annotations stripped)
    RETAIN = "Retain"  # kroless's: left in place exactly as it is


def deletion_policy(manifest: dict[str, Any]) -> DeletionPolicy:
    """The policy an applied manifest carries: kroless's ``kroless.dev/deletion-policy: Retain`` (or
    ``Orphan``) annotation, else Kro's ``kro.run/deletion-policy: Detach``; anything else, or nothing, is
    Delete, as Kro reads an unknown value (a typo must not make an object undeletable)."""
    annotations = (manifest.get("metadata") or {}).get("annotations") or {}
    if str(annotations.get(DELETION_POLICY_ANNOTATION, "")).lower() in ("retain", "orphan"):
        return DeletionPolicy.RETAIN
    if annotations.get(KRO_DELETION_POLICY_ANNOTATION) == DeletionPolicy.DETACH:
        return DeletionPolicy.DETACH
    return DeletionPolicy.DELETE


class ProviderError(KrolessError):
    """The provider could not apply, read or delete (an AWS or Kubernetes API error, a bad field).

    Retriable or not as its cause is (:func:`kroless.errors.is_retriable`): a throttled or failing API is
    tried again, a refused request is not."""


class ConflictError(ProviderError, TerminalError):
    """The object exists but belongs to another instance, or to nobody, and the template did not opt in
    to adoption (annotation ``kroless.dev/adopt: "true"``)."""


class NotReadyError(ProviderError):
    """Something the object needs is not there yet (an ACK ``*Ref`` to an object not yet created): the
    reconcile waits and retries, as ACK requeues. Kro's graph has no edge for these references."""


class ImmutableFieldError(ProviderError, TerminalError):
    """The manifest changes a field the API cannot update in place; kroless never silently replaces."""


@dataclass(frozen=True)
class ObjectRef:
    """Where a manifest lives: Kubernetes-style identity (namespace is None for cluster-scoped kinds)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> ObjectRef:
        metadata = manifest.get("metadata") or {}
        return cls(manifest["apiVersion"], manifest["kind"], metadata["name"], metadata.get("namespace"))

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@dataclass(frozen=True)
class Ownership:
    """Who manages an object: the instance (``<namespace>/<name>`` of an RGD instance, its API) and the node id.

    Kubernetes objects carry it as Kro's labels; AWS resources as tags ``kroless:instance`` and
    ``kroless:node`` where the service supports tags (and always in the state table).
    """

    instance: str  # "<namespace>/<name>", or "<name>" for a cluster-scoped instance
    node: str
    rgd: str = ""
    instance_api_version: str = ""
    instance_kind: str = ""
    # position of the object in a forEach collection (Kro's kro.run/collection-index label)
    collection_index: int | None = None
    collection_size: int | None = None
    instance_uid: str = ""  # Kro's kro.run/instance-id label


class References(Protocol):
    """Lookups a provider needs from the rest of the system (ACK ``*Ref`` fields, Secret key refs)."""

    def observed(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The observed object kroless manages under that Kubernetes identity, if any."""

    def secret_value(self, namespace: str, name: str, key: str) -> str:
        """The decoded value of a Kubernetes Secret key (never logged, never stored)."""

    def claim(self, owner: Ownership, identity: str) -> None:
        """Remember, before a create whose ownership tags only a later call can write (S3's CreateBucket, then
        PutBucketTagging), that ``owner`` is creating ``identity``."""

    def claimed(self, owner: Ownership, identity: str) -> bool:
        """Whether ``owner`` claimed ``identity`` before creating it: a retry after a crash between the create
        and the tagging adopts its own untagged resource, and only that one."""


class Provider(Protocol):
    def handles(self, api_version: str, kind: str) -> bool:
        """Whether this provider manages the kind."""

    def apply(self, manifest: dict[str, Any], owner: Ownership, *, adopt: bool = False) -> dict[str, Any]:
        """Create or update to match the manifest; return the observed object.

        Raises ConflictError when the object exists and is not owned by ``owner`` (unless ``adopt``),
        ImmutableFieldError when an update needs a replacement, ProviderError for API errors.
        """

    def read(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        """The observed object, or None when it does not exist."""

    def delete(self, manifest: dict[str, Any], owner: Ownership | None = None) -> bool:
        """Start or continue deletion; True once the object is gone. (The manifest's
        :func:`deletion_policy` is the caller's to honour: the reconciler deletes, releases or keeps.)

        With ``owner``, an object that now says it belongs to another instance (adopted since) is left alone
        and counts as gone for this one: deleting an instance never deletes what another instance manages.
        """


@runtime_checkable
class Releasing(Provider, Protocol):
    """A provider that can let go of an object it keeps in place (Kro's deletionPolicy Detach); one that
    cannot (AWS kinds: their ownership is in tags and the state table) leaves the object as it is."""

    def release(self, manifest: dict[str, Any], owner: Ownership | None = None) -> None:
        """Strip Kro's labels and annotations from the object, leaving everything else (Kro's
        ``ReleaseKROMetadata``); nothing when it is gone or another instance's."""
