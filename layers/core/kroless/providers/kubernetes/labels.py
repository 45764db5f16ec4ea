"""Kro's labels on every object kroless manages (kro-reference §6.14), and the ownership check.

An object belongs to an instance when its ``kro.run/instance-name``/``-namespace`` labels name that
instance and ``app.kubernetes.io/managed-by`` is ``kroless``. The node id is not part of the check, so a
node renamed in a new revision of the RGD takes its object over instead of conflicting with itself.
"""

from __future__ import annotations

from typing import Any

from kroless.providers.base import Ownership
from kroless.settings import NAME

KRO_VERSION = NAME
MANAGED_BY = NAME

OWNED = "kro.run/owned"
KRO_VERSION_LABEL = "kro.run/kro-version"
INSTANCE_ID = "kro.run/instance-id"
INSTANCE_NAME = "kro.run/instance-name"
INSTANCE_NAMESPACE = "kro.run/instance-namespace"
INSTANCE_KIND = "kro.run/instance-kind"
INSTANCE_GROUP = "kro.run/instance-group"
INSTANCE_VERSION = "kro.run/instance-version"
NODE_ID = "kro.run/node-id"
COLLECTION_INDEX = "kro.run/collection-index"
COLLECTION_SIZE = "kro.run/collection-size"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
APPLYSET_PART_OF = "applyset.kubernetes.io/part-of"
KRO_PREFIXES = ("kro.run/", "internal.kro.run/")


def instance_identity(owner: Ownership) -> tuple[str | None, str]:
    """``(namespace, name)`` of the instance; namespace is None for a cluster-scoped instance."""
    namespace, _, name = owner.instance.rpartition("/")
    return (namespace or None), name


def kro_labels(owner: Ownership) -> dict[str, str]:
    namespace, name = instance_identity(owner)
    labels = {
        OWNED: "true",
        KRO_VERSION_LABEL: KRO_VERSION,
        INSTANCE_NAME: name,
        NODE_ID: owner.node,
        MANAGED_BY_LABEL: MANAGED_BY,
    }
    if namespace:
        labels[INSTANCE_NAMESPACE] = namespace
    api_version = owner.instance_api_version
    if api_version:
        group, _, version = api_version.rpartition("/")
        labels[INSTANCE_GROUP] = group
        labels[INSTANCE_VERSION] = version
    if owner.collection_index is not None:
        labels[COLLECTION_INDEX] = str(owner.collection_index)
        labels[COLLECTION_SIZE] = str(owner.collection_size or 0)
    for value, label in ((owner.instance_kind, INSTANCE_KIND), (owner.instance_uid, INSTANCE_ID)):
        if value:
            labels[label] = value
    return labels


def owner_of(labels: dict[str, Any]) -> str | None:
    """The instance (``ns/name`` or ``name``) an object's labels say owns it, if kroless manages it."""
    if labels.get(MANAGED_BY_LABEL) != MANAGED_BY or not labels.get(INSTANCE_NAME):
        return None
    namespace = labels.get(INSTANCE_NAMESPACE)
    return f"{namespace}/{labels[INSTANCE_NAME]}" if namespace else str(labels[INSTANCE_NAME])


def is_owned_by(labels: dict[str, Any], owner: Ownership) -> bool:
    if owner_of(labels) != owner.instance.lstrip("/"):
        return False
    expected = kro_labels(owner)
    # Two RGDs can have instances of the same name: when both sides know the kind, it must match.
    return all(labels.get(key) in (None, expected[key]) for key in (INSTANCE_KIND, INSTANCE_GROUP) if key in expected)


def kro_keys(mapping: dict[str, Any]) -> list[str]:
    """The labels (or annotations) releasing an object strips: every ``kro.run/`` and ``internal.kro.run/``
    key, ApplySet membership, and ``app.kubernetes.io/managed-by`` when it names kroless (a key other tools
    share). Kro's ``pkg/metadata/release.go#isKROKey`` and ``orphan.go``."""
    return sorted(
        key
        for key, value in mapping.items()
        if key.startswith(KRO_PREFIXES) or key == APPLYSET_PART_OF or (key == MANAGED_BY_LABEL and value == MANAGED_BY)
    )
