"""The patch formats of a PATCH request other than server-side apply: JSON merge patch and JSON patch."""

from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    """A JSON patch that cannot be applied (a missing path, a failed ``test``): the request's fault."""


def json_merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path and not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]


def _parent(doc: Any, parts: list[str], path: str) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PatchError(f"doc is missing path: {path!r}")
    return node, parts[-1]


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    parent, key = _parent(doc, parts, path)
    if isinstance(parent, dict) and key in parent:
        return parent[key]
    if isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
        return parent[int(key)]
    raise PatchError(f"doc is missing path: {path!r}")


def _remove(doc: Any, path: str) -> Any:
    parent, key = _parent(doc, _pointer(path), path)
    if isinstance(parent, dict) and key in parent:
        return parent.pop(key)
    if isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
        return parent.pop(int(key))
    raise PatchError(f"doc is missing path: {path!r}")


def _add(doc: Any, path: str, value: Any, *, replace: bool = False) -> Any:
    parts = _pointer(path)
    if not parts:
        return copy.deepcopy(value)
    parent, key = _parent(doc, parts, path)
    if isinstance(parent, dict):
        if replace and key not in parent:
            raise PatchError(f"doc is missing key: {path!r}")
        parent[key] = copy.deepcopy(value)
    elif isinstance(parent, list):
        index = len(parent) if key == "-" and not replace else int(key) if key.isdigit() else -1
        if index < 0 or index > len(parent) or (replace and index >= len(parent)):
            raise PatchError(f"invalid index in path: {path!r}")
        if replace:
            parent[index] = copy.deepcopy(value)
        else:
            parent.insert(index, copy.deepcopy(value))
    else:
        raise PatchError(f"doc is missing path: {path!r}")
    return doc


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902: ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test``, applied to a copy of ``doc``."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(doc)
    for operation in operations:
        if not isinstance(operation, dict):
            raise PatchError("a JSON patch operation must be an object")
        op, path, source = operation.get("op"), str(operation.get("path")), str(operation.get("from"))
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"operation {op!r} needs a value")
        if op == "add":
            doc = _add(doc, path, operation["value"])
        elif op == "replace":
            doc = _add(doc, path, operation["value"], replace=True)
        elif op == "remove":
            _remove(doc, path)
        elif op == "move":
            doc = _add(doc, path, _remove(doc, source))
        elif op == "copy":
            doc = _add(doc, path, _get(doc, source))
        elif op == "test":
            if _get(doc, path) != operation["value"]:
                raise PatchError(f"testing value {path} failed")
        else:
            raise PatchError(f"unexpected kind of JSON patch operation: {op!r}")
    return doc


def strategic_merge(target: Any, patch: Any, list_keys: dict[tuple[str, ...], tuple[str, ...]], path: tuple[str, ...] = ()) -> Any:
    """A strategic merge patch (apimachinery's strategicpatch) on a copy of ``target``: maps merge, ``null``
    deletes, the lists in ``list_keys`` (field path → merge keys) merge item by item on their first key,
    other lists are replaced; the directives ``$patch`` (replace, delete), ``$retainKeys``,
    ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>`` are honoured."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.partition("/")[2]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [item for item in result[field] if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and (*path, key) in list_keys:
            result[key] = _merge_list(result.get(key), value, list_keys, (*path, key))
        elif isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = strategic_merge(result.get(key), value, list_keys, (*path, key))
        else:
            result[key] = copy.deepcopy(value)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(current: Any, items: list[Any], list_keys: dict[tuple[str, ...], tuple[str, ...]], path: tuple[str, ...]) -> list[Any]:
    merge_key = list_keys[path][0]
    out = [copy.deepcopy(item) for item in current] if isinstance(current, list) else []
    for item in items:
        if not isinstance(item, dict) or merge_key not in item:
            raise PatchError(f"map: {item!r} does not contain declared merge key: {merge_key}")
        index = next((i for i, old in enumerate(out) if isinstance(old, dict) and old.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                out.pop(index)
        elif index is None:
            out.append(strategic_merge({}, item, list_keys, path))
        else:
            out[index] = strategic_merge(out[index], item, list_keys, path)
    return out
