"""The identifiers kroless records for a node's resource in the ownership index (what drift looks up).

``physical_id`` is the AWS ARN when there is one, else the Kubernetes identity
``<apiVersion>/<kind>/<ns>/<name>``; AWS resources also get aliases ``alias:<service>/<Kind>/<value>`` for the
name or generated id CloudTrail events name them by, derived from the AWS provider's kind table (the same
table :mod:`kroless.drift.identity` reads to find the resource a call touched).
"""

from __future__ import annotations

import re
from typing import Any

from kroless.providers.aws import catalog
from kroless.providers.aws.table import Kind
from kroless.providers.base import ObjectRef
from kroless.providers.compare import fold

ALIAS_PREFIX = "alias:"


def alias(kind: Kind, value: str) -> str:
    return f"{ALIAS_PREFIX}{kind.service}/{kind.kind}/{value}"


def physical_id(observed: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The identifier drift events carry: the AWS ARN when there is one, else the Kubernetes identity."""
    arn = ((observed.get("status") or {}).get("ackResourceMetadata") or {}).get("arn")
    if arn:
        return str(arn)
    ref = ObjectRef.of(manifest)
    return f"{ref.api_version}/{ref.kind}/{ref.namespace or '_'}/{ref.name}"



def _ack_kind(manifest: dict[str, Any]) -> Kind | None:
    api_version = str(manifest.get("apiVersion", ""))
    if not api_version.endswith(".services.k8s.aws/v1alpha1"):
        return None
    return catalog.lookup(api_version.split(".")[0], str(manifest.get("kind", "")))


def _get(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _generated_id(kind: Kind, observed: dict[str, Any], arn: str) -> str | None:
    status = observed.get("status") or {}
    if kind.recorded:
        value = _get(observed, kind.recorded)
        if value:
            return str(value)
    for field, path in kind.status_paths.items():
        if path == kind.id and status.get(field):
            return str(status[field])
    if arn and "{id}" in kind.arn:
        pattern = re.escape(kind.arn).replace(r"\{id\}", "(?P<id>[^/:]+)")
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^:/]*", pattern)
        match = re.fullmatch(pattern, arn)
        if match:
            return match.group("id")
    leaf = fold(kind.id.rsplit(".", 1)[-1])
    for key, value in status.items():
        if fold(key) in (leaf, leaf.removesuffix("id") + "id") and isinstance(value, str):
            return value
    return None


def identifiers(observed: dict[str, Any], manifest: dict[str, Any], primary: str) -> list[str]:
    """The identifiers of a node's resource for the ownership index: ``primary`` (the ARN, or the
    Kubernetes identity ``<apiVersion>/<kind>/<ns>/<name>``) first, then the aliases CloudTrail events
    name an AWS resource by (its name or generated id, e.g. the DB instance identifier, the group id)."""
    out = [primary]
    kind = _ack_kind(manifest)
    if kind is None:
        return out
    if kind.name:
        name = (manifest.get("spec") or {}).get(kind.name)
        if isinstance(name, (str, int)) and str(name):
            out.append(alias(kind, str(name)))
    if kind.id:
        generated = _generated_id(kind, observed, primary if primary.startswith("arn:") else "")
        if generated:
            out.append(alias(kind, generated))
    return list(dict.fromkeys(out))
