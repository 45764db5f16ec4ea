"""The OpenAPI documents of the emulated API server: ``/openapi/v2`` and ``/openapi/v3/<group-version>``.

kubectl reads them for client-side validation (or, when the PATCH operations of a kind list the
``fieldValidation`` query parameter, to learn that the server validates), for the strategic merge patches of
client-side ``apply`` and for ``explain``. They are built from the schemas kroless ships for the built-in kinds
(``kroless/schemas/kubernetes.json.gz``: structure and types, no descriptions) and from the schemas of the
registered CRDs, with the API server's vendor extensions kubectl looks for: ``x-kubernetes-group-version-kind``
on the kinds and their operations, ``x-kubernetes-action``, and the patch merge keys of the list-map lists.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from functools import cache
from typing import Any

from kroless.schemas.datafile import read_json_gz
from kroless_cli.localcloud.kubernetes.kinds import Kind
from kroless_cli.localcloud.kubernetes.listmaps import LIST_MAP_KEYS

Schema = dict[str, Any]

_VERSION_PREFIX = re.compile(r"^(V\d+(?:alpha\d+|beta\d+)?)(.+)$")
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
_WRITE_PARAMETERS = ("dryRun", "fieldManager", "fieldValidation")


@cache
def _bundle() -> dict[str, Any]:
    data: dict[str, Any] = read_json_gz("kubernetes.json.gz")
    return data


def component_name(definition: str) -> str:
    """``V1DeploymentSpec`` → ``io.k8s.api.v1.DeploymentSpec``: kubectl explain shows what follows the last dot."""
    match = _VERSION_PREFIX.match(definition)
    version, name = (match.group(1).lower(), match.group(2)) if match else ("v1", definition)
    return f"io.k8s.api.{version}.{name}"


def _gvk(kind: Kind) -> dict[str, str]:
    return {"group": kind.group, "version": kind.version, "kind": kind.kind}


def _with_refs(node: Any, prefix: str, seen: set[str], owner: str = "") -> Any:
    """A shipped definition with its ``{"$ref": "V1PodSpec"}`` references pointed at ``prefix`` (and the
    referenced definitions collected in ``seen``), plus the list-map extensions of the lists it has."""
    if isinstance(node, list):
        return [_with_refs(item, prefix, seen) for item in node]
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            seen.add(value)
            out[key] = prefix + component_name(value)
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: _with_refs(sub, prefix, seen) for name, sub in value.items()}
            for name, sub in out[key].items():
                keys = LIST_MAP_KEYS.get((owner, name))
                if keys and sub.get("type") == "array":
                    sub.update({"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": list(keys), "x-kubernetes-patch-merge-key": keys[0], "x-kubernetes-patch-strategy": "merge"})
        else:
            out[key] = _with_refs(value, prefix, seen)
    return out


def _builtin_definitions(roots: list[str], prefix: str) -> dict[str, Schema]:
    """The named definitions reachable from ``roots``, keyed by component name, references rewritten."""
    definitions = _bundle()["definitions"]
    out: dict[str, Schema] = {}
    pending, done = list(roots), set()
    while pending:
        name = pending.pop()
        if name in done or name not in definitions:
            continue
        done.add(name)
        seen: set[str] = set()
        out[component_name(name)] = _with_refs(definitions[name], prefix, seen, owner=name)
        pending.extend(seen - done)
    return out


def _custom_schema(kind: Kind, prefix: str) -> Schema:
    """A CRD version's schema as the API server publishes it: metadata is ObjectMeta, apiVersion and kind typed."""
    schema: Schema = copy.deepcopy(kind.schema) if isinstance(kind.schema, dict) else {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    properties: Schema = schema.setdefault("properties", {})
    properties["apiVersion"] = {"type": "string"}
    properties["kind"] = {"type": "string"}
    properties["metadata"] = {"$ref": prefix + component_name("V1ObjectMeta")}
    schema.setdefault("type", "object")
    return schema


def _root_definition(kind: Kind) -> str | None:
    entry = _bundle()["kinds"].get(kind.api_version, {}).get(kind.kind)
    return None if entry is None or kind.schema is not None else str(entry["ref"])


def _kind_schemas(kinds: list[Kind], prefix: str) -> tuple[dict[str, Schema], dict[Kind, str]]:
    """Components for ``kinds`` (with what they reference) and the component name of each kind."""
    roots = [root for kind in kinds if (root := _root_definition(kind))]
    components = _builtin_definitions([*roots, "V1ObjectMeta", "V1Status"], prefix)
    names: dict[Kind, str] = {}
    for kind in kinds:
        root = _root_definition(kind)
        if root is not None:
            name = component_name(root)
        else:
            name = ".".join(reversed(kind.group.split("."))) + f".{kind.version}.{kind.kind}"
            components[name] = _custom_schema(kind, prefix)
        components[name]["x-kubernetes-group-version-kind"] = [_gvk(kind)]
        names[kind] = name
    return components, names


def _parameter(name: str, v3: bool) -> dict[str, Any]:
    schema = {"type": "boolean"} if name in ("watch", "force") else {"type": "string"}
    return {"name": name, "in": "query", "uniqueItems": True, **({"schema": schema} if v3 else schema)}


def _operation(kind: Kind, action: str, ref: str, v3: bool, parameters: tuple[str, ...] = ()) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{action}{kind.kind}",
        "parameters": [_parameter(p, v3) for p in parameters],
        "responses": {"200": {"description": "OK", **({"content": {"application/json": {"schema": {"$ref": ref}}}} if v3 else {"schema": {"$ref": ref}})}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(kind),
    }
    if action in ("post", "put", "patch"):
        types = list(_PATCH_TYPES) if action == "patch" else ["application/json"]
        if action == "patch" and kind.schema is None:
            types.insert(2, "application/strategic-merge-patch+json")  # built-ins only, as on a cluster
        if v3:
            operation["requestBody"] = {"content": {t: {"schema": {"$ref": ref} if action != "patch" else {"type": "object"}} for t in types}, "required": True}
        else:
            operation["consumes"] = types
            operation["parameters"].append({"name": "body", "in": "body", "required": True, "schema": {"$ref": ref} if action != "patch" else {"type": "object"}})
    return operation


def _paths(kinds: list[Kind], names: dict[Kind, str], prefix: str, v3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for kind in kinds:
        base = f"/api/{kind.version}" if not kind.group else f"/apis/{kind.group}/{kind.version}"
        scope = f"{base}/namespaces/{{namespace}}" if kind.namespaced else base
        ref = prefix + names[kind]
        collection = {"get": _operation(kind, "list", ref, v3, ("labelSelector", "fieldSelector", "watch", "resourceVersion", "limit"))}
        item = {"get": _operation(kind, "get", ref, v3)}
        if not kind.read_only:
            collection["post"] = _operation(kind, "post", ref, v3, _WRITE_PARAMETERS)
            collection["delete"] = _operation(kind, "deletecollection", ref, v3, ("dryRun", "labelSelector"))
            item["put"] = _operation(kind, "put", ref, v3, _WRITE_PARAMETERS)
            item["patch"] = _operation(kind, "patch", ref, v3, (*_WRITE_PARAMETERS, "force"))
            item["delete"] = _operation(kind, "delete", ref, v3, ("dryRun", "propagationPolicy"))
        paths[f"{scope}/{kind.plural}"] = collection
        paths[f"{scope}/{kind.plural}/{{name}}"] = item
        if kind.status_subresource and not kind.read_only:
            paths[f"{scope}/{kind.plural}/{{name}}/status"] = {"get": _operation(kind, "get", ref, v3), "patch": _operation(kind, "patch", ref, v3, _WRITE_PARAMETERS)}
        if kind.namespaced:
            paths[f"{base}/{kind.plural}"] = {"get": _operation(kind, "list", ref, v3, ("labelSelector", "fieldSelector", "watch"))}
    return paths


def group_version_path(kind: Kind) -> str:
    """``api/v1``, ``apis/apps/v1``: the key of a group-version in ``/openapi/v3``."""
    return f"api/{kind.version}" if not kind.group else f"apis/{kind.group}/{kind.version}"


def document(kinds: list[Kind], *, v3: bool) -> dict[str, Any]:
    """The OpenAPI 3.0 document of one group-version (``kinds`` all of it), or with ``v3`` false the Swagger 2.0
    document of every kind served (JSON only: the emulator does not speak protobuf)."""
    prefix = "#/components/schemas/" if v3 else "#/definitions/"
    schemas, names = _kind_schemas(kinds, prefix)
    head = {"openapi": "3.0.0"} if v3 else {"swagger": "2.0"}
    tail = {"components": {"schemas": schemas}} if v3 else {"definitions": schemas}
    return {**head, "info": {"title": "Kubernetes", "version": "v1.33.0-kroless"}, "paths": _paths(kinds, names, prefix, v3=v3), **tail}


def v3_index(kinds: list[Kind]) -> dict[str, Any]:
    """``/openapi/v3``: each group-version with a URL whose hash changes with its document (kubectl caches by it)."""
    by_path: dict[str, list[Kind]] = {}
    for kind in kinds:
        by_path.setdefault(group_version_path(kind), []).append(kind)
    paths = {}
    for path, served in sorted(by_path.items()):
        digest = hashlib.sha512(json.dumps(document(served, v3=True), sort_keys=True).encode()).hexdigest()[:32].upper()
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}
