"""The associative lists of the built-in kinds: which lists merge item by item, and by which keys.

The API server knows them from its Go types (``+listType=map``, ``+listMapKey``); the shipped schemas
(``kroless/schemas``, generated from the kubernetes Python client) do not carry them, so they are listed here
by definition and property, as in the Kubernetes API reference. Server-side apply merges these lists by their
keys (two managers applying ports 80 and 443 to one container both keep theirs), and the OpenAPI documents
publish them as ``x-kubernetes-list-map-keys`` and patch merge keys for kubectl's strategic merge patches.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kroless.schemas.datafile import read_json_gz

FieldPath = tuple[str, ...]

_CONTAINER = {"ports": ("containerPort", "protocol"), "env": ("name",), "volumeMounts": ("mountPath",), "volumeDevices": ("devicePath",)}
LIST_MAP_KEYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("V1PodSpec", "containers"): ("name",),
    ("V1PodSpec", "initContainers"): ("name",),
    ("V1PodSpec", "ephemeralContainers"): ("name",),
    ("V1PodSpec", "volumes"): ("name",),
    ("V1PodSpec", "imagePullSecrets"): ("name",),
    ("V1PodSpec", "hostAliases"): ("ip",),
    ("V1PodSpec", "resourceClaims"): ("name",),
    ("V1PodSpec", "schedulingGates"): ("name",),
    ("V1PodSpec", "topologySpreadConstraints"): ("topologyKey", "whenUnsatisfiable"),
    **{("V1Container", field): keys for field, keys in _CONTAINER.items()},
    **{("V1EphemeralContainer", field): keys for field, keys in _CONTAINER.items()},
    ("V1ServiceSpec", "ports"): ("port", "protocol"),
    ("V1ObjectMeta", "ownerReferences"): ("uid",),
}
# What the API server fills in for a missing key before matching items (protocol defaults to TCP).
KEY_DEFAULTS = {"protocol": "TCP"}


@cache
def list_map_keys(api_version: str, kind: str) -> dict[FieldPath, tuple[str, ...]]:
    """The associative lists of a built-in kind by field path (``("spec", "template", "spec", "containers")``)."""
    bundle: dict[str, Any] = read_json_gz("kubernetes.json.gz")
    entry = bundle["kinds"].get(api_version, {}).get(kind)
    out: dict[FieldPath, tuple[str, ...]] = {}
    if entry is None:
        return out

    def walk(definition: str, path: FieldPath, depth: int) -> None:
        schema = bundle["definitions"].get(definition) or {}
        for name, sub in (schema.get("properties") or {}).items():
            keys = LIST_MAP_KEYS.get((definition, name))
            if keys:
                out[(*path, name)] = keys
            target = sub.get("items", sub) if sub.get("type") == "array" else sub
            ref = target.get("$ref") if isinstance(target, dict) else None
            if isinstance(ref, str) and depth < 12 and name != "status":
                walk(ref, (*path, name), depth + 1)

    walk(str(entry["ref"]), (), 0)
    return out
