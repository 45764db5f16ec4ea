"""OpenAPI v3 schemas and scopes of the Kubernetes built-in kinds, shipped with kroless.

Kro reads a kind's schema from the API server to type-check the resource templates. kroless compiles
offline, so it carries the built-ins' schemas in ``kubernetes.json.gz`` (generated from the official
Kubernetes Python client by ``tools/gen_kubernetes_schemas.py``; regenerate it there, never by hand).

The file holds shared named definitions (a nested object is ``{"$ref": "V1PodSpec"}``) and, per
apiVersion and kind, the root definition and the scope. It is read once, on the first lookup; each
kind's schema is expanded into a plain, reference-free schema on first use and memoized. Recursive
definitions (only CustomResourceDefinition's JSONSchemaProps) stop at their second occurrence, which
becomes ``{"type": "object", "x-kubernetes-preserve-unknown-fields": true}``.

Importing this module costs nothing; the first lookup reads and parses the file (about 3 ms).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from kroless.schemas.datafile import read_json_gz

__all__ = ["builtin_kinds", "builtin_namespaced", "builtin_plural", "builtin_schema", "object_meta_schema"]

Schema = dict[str, Any]

DATA_FILE = "kubernetes.json.gz"
FORMAT_VERSION = 1

# where a recursive definition refers to itself (JSONSchemaProps.properties → JSONSchemaProps)
_RECURSION_STOP: Schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
# the schema keywords whose values are sub-schemas (a dict of them, a list of them, or one)
_SCHEMA_MAPS = ("properties",)
_SCHEMA_LISTS = ("oneOf", "anyOf", "allOf")
_SCHEMA_SINGLE = ("items", "additionalProperties")


class _Bundle:
    """The decoded data file plus the memo of expanded definitions."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{DATA_FILE}: format {data.get('format')!r}, expected {FORMAT_VERSION}")
        self.kinds: dict[str, dict[str, dict[str, Any]]] = data["kinds"]
        self.definitions: dict[str, Schema] = data["definitions"]
        self.source: str = data.get("source", "")
        self._expanded: dict[str, Schema] = {}
        self._lock = threading.Lock()

    def entry(self, api_version: str, kind: str) -> dict[str, Any] | None:
        return self.kinds.get(api_version, {}).get(kind)

    def expanded(self, name: str) -> Schema:
        with self._lock:
            schema, _ = self._definition(name, [])
            return schema

    def _definition(self, name: str, stack: list[str]) -> tuple[Schema, set[str]]:
        """Expansion of definition ``name``, and the definitions on ``stack`` whose recursion was cut.

        A result is memoized only when it did not cut a reference to a definition outside itself:
        then it is the same from wherever it is reached.
        """
        memo = self._expanded.get(name)
        if memo is not None:
            return memo, set()
        if name in stack:
            return dict(_RECURSION_STOP), {name}
        stack.append(name)
        schema, cut = self._node(self.definitions[name], stack)
        stack.pop()
        cut.discard(name)
        if not cut:
            self._expanded[name] = schema
        return schema, cut

    def _node(self, node: Schema, stack: list[str]) -> tuple[Schema, set[str]]:
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._definition(ref, stack)
        out = dict(node)
        cut: set[str] = set()
        for key in _SCHEMA_MAPS:
            if isinstance(node.get(key), dict):
                out[key] = {}
                for name, sub in node[key].items():
                    out[key][name], sub_cut = self._node(sub, stack)
                    cut |= sub_cut
        for key in _SCHEMA_LISTS:
            if isinstance(node.get(key), list):
                out[key] = []
                for sub in node[key]:
                    expanded, sub_cut = self._node(sub, stack)
                    out[key].append(expanded)
                    cut |= sub_cut
        for key in _SCHEMA_SINGLE:
            if isinstance(node.get(key), dict):
                out[key], sub_cut = self._node(node[key], stack)
                cut |= sub_cut
        return out, cut


@cache  # read on first use: the reconcile function's cold start never pays for it
def _load() -> _Bundle:
    return _Bundle(read_json_gz(DATA_FILE))


def builtin_schema(api_version: str, kind: str) -> Schema | None:
    """OpenAPI v3 schema of a whole built-in object (``apiVersion``, ``kind``, ``metadata``, ``spec``...).

    ``api_version`` as in a manifest: ``v1`` for the core group, ``apps/v1``... ``None`` when the kind
    is not a Kubernetes built-in of that apiVersion. The schema is shared between callers (and its
    sub-schemas between kinds, e.g. ObjectMeta): treat it as read-only, ``copy.deepcopy`` to change it.
    """
    bundle = _load()
    entry = bundle.entry(api_version, kind)
    if entry is None:
        return None
    return bundle.expanded(entry["ref"])


def builtin_namespaced(api_version: str, kind: str) -> bool | None:
    """True for a namespaced built-in, False for a cluster-scoped one, None when not a built-in.

    A kind's scope is the same in every version of its group, so an apiVersion kroless has no schema
    for (``apps/v1beta2``) still answers when another version of the group has the kind.
    """
    bundle = _load()
    entry = bundle.entry(api_version, kind)
    if entry is None:
        group = api_version.rpartition("/")[0]
        for other, kinds in bundle.kinds.items():
            if other.rpartition("/")[0] == group and kind in kinds:
                entry = kinds[kind]
                break
    return None if entry is None else bool(entry["namespaced"])


def builtin_plural(api_version: str, kind: str) -> str | None:
    """The resource name of a built-in (``Deployment`` → ``deployments``), None when not a built-in."""
    entry = _load().entry(api_version, kind)
    return None if entry is None else str(entry["plural"])


def object_meta_schema() -> Schema:
    """``metav1.ObjectMeta``, the ``metadata`` of every object: the API server serves it for CRDs too, whose
    own schema says only ``metadata: {type: object}``. Shared: treat it as read-only."""
    return _load().expanded("V1ObjectMeta")


def builtin_kinds() -> list[tuple[str, str]]:
    """Every (apiVersion, kind) with a shipped schema, sorted."""
    return sorted((api_version, kind) for api_version, kinds in _load().kinds.items() for kind in kinds)
