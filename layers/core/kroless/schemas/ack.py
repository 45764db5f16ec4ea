"""The CRD schemas of the ACK kinds (``<service>.services.k8s.aws``), shipped with kroless.

Kro type-checks a template against the schema of the kind's installed CRD. kroless compiles without a
cluster, so it carries ACK's CRDs in ``ack.json.gz`` (generated from ACK's ``config/crd/bases`` by
``tools/gen_ack_schemas.py``; regenerate it there, never by hand): per apiVersion and kind, the plural, short
names, scope and the ``openAPIV3Schema`` without descriptions, each schema stored as a JSON string.

Importing this module costs nothing. The first lookup reads the file and parses its index (a few
milliseconds); a kind's schema is parsed when it is first asked for and memoized. ``metadata`` is
``metav1.ObjectMeta``, as the API server serves it for every CRD (the CRD itself says only ``type: object``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from kroless.schemas.datafile import read_json_gz

__all__ = ["GROUP_SUFFIX", "RUNTIME_GROUP", "AckKind", "ack_kind", "ack_kinds", "ack_schema", "is_ack_group", "service_of"]

Schema = dict[str, Any]

DATA_FILE = "ack.json.gz"
FORMAT_VERSION = 1
# every ACK service controller serves the API group <service>.services.k8s.aws; ACK's runtime kinds
# (IAMRoleSelector, FieldExport, AdoptedResource) are in services.k8s.aws itself, which this does not match
GROUP_SUFFIX = ".services.k8s.aws"
RUNTIME_GROUP = "services.k8s.aws"


@dataclass(frozen=True)
class AckKind:
    """One kind of one ACK controller, as its CRD names it."""

    group: str
    version: str
    kind: str
    plural: str
    short_names: tuple[str, ...]
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def service(self) -> str:
        return service_of(self.group)


def is_ack_group(group: str) -> bool:
    """``s3.services.k8s.aws`` is; ``services.k8s.aws`` (ACK's runtime) and ``apps`` are not."""
    return group.endswith(GROUP_SUFFIX) and len(group) > len(GROUP_SUFFIX)


def service_of(group: str) -> str:
    """``ec2.services.k8s.aws`` → ``ec2``: the controller's service name."""
    return group.removesuffix(GROUP_SUFFIX)


class _Bundle:
    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{DATA_FILE}: format {data.get('format')!r}, expected {FORMAT_VERSION}")
        self.source: str = data.get("source", "")
        self.entries: dict[str, dict[str, dict[str, Any]]] = data["kinds"]
        self.kinds = {
            (api_version, kind): _kind(api_version, kind, entry)
            for api_version, kinds in self.entries.items()
            for kind, entry in kinds.items()
        }
        self._schemas: dict[tuple[str, str], Schema] = {}
        self._lock = threading.Lock()

    def schema(self, api_version: str, kind: str) -> Schema | None:
        key = (api_version, kind)
        schema = self._schemas.get(key)
        if schema is not None:
            return schema
        entry = self.entries.get(api_version, {}).get(kind)
        if entry is None:
            return None
        import json

        from kroless.schemas.kubernetes import object_meta_schema

        schema = json.loads(entry["schema"])
        schema["properties"] = {**schema.get("properties", {}), "metadata": object_meta_schema()}
        with self._lock:
            return self._schemas.setdefault(key, schema)


def _kind(api_version: str, kind: str, entry: dict[str, Any]) -> AckKind:
    group, _, version = api_version.rpartition("/")
    return AckKind(
        group=group,
        version=version,
        kind=kind,
        plural=entry["plural"],
        short_names=tuple(entry.get("shortNames") or ()),
        namespaced=entry["scope"] == "Namespaced",
    )


@cache  # read on first use: the reconcile function's cold start never pays for it
def _load() -> _Bundle:
    return _Bundle(read_json_gz(DATA_FILE))


def ack_kind(api_version: str, kind: str) -> AckKind | None:
    """The ACK kind of that apiVersion (``s3.services.k8s.aws/v1alpha1``) and kind, or None."""
    return _load().kinds.get((api_version, kind))


def ack_schema(api_version: str, kind: str) -> Schema | None:
    """OpenAPI v3 schema of a whole ACK object (``apiVersion``, ``kind``, ``metadata``, ``spec``, ``status``).

    ``None`` when ACK has no such kind in that apiVersion. Shared between callers: treat it as read-only.
    """
    return _load().schema(api_version, kind)


def ack_kinds(group: str | None = None) -> list[AckKind]:
    """Every ACK kind (or those of one API group, any version), sorted by group, kind and version."""
    kinds = (k for k in _load().kinds.values() if group is None or k.group == group)
    return sorted(kinds, key=lambda k: (k.group, k.kind, k.version))
