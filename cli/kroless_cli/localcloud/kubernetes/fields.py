"""Field ownership for server-side apply, approximated the way kroless needs it.

A field path is a tuple of segments: ``"f:<key>"`` for a map key and ``"k:<name>"`` for an item of an
associative list. Lists whose items are all maps with a unique string ``name`` (containers, env, volumes,
ports with names) are associative and merged item by item; every other list is atomic (owned and replaced
as a whole), as are scalars and empty maps. Each manager owns the set of leaf paths it last applied or
changed; the store uses these sets to remove what an applier dropped and to detect conflicts.
"""

from __future__ import annotations

import copy
import json
from typing import Any

Path = tuple[str, ...]

# Fields that identify the object or belong to the server: never owned, never merged from a config.
SERVER_METADATA = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
}
_MISSING = object()


def is_keyed(items: Any) -> bool:
    """Whether a list is associative by ``name``."""
    if not isinstance(items, list) or not items:
        return False
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    return all(isinstance(n, str) for n in names) and len(set(names)) == len(names)


def config_fields(config: dict[str, Any], *, with_status: bool) -> set[Path]:
    """The leaf paths an applied config (or an object) sets, without identity and server fields."""
    paths: set[Path] = set()
    for key, value in config.items():
        if key in ("apiVersion", "kind") or (key == "status" and not with_status):
            continue
        if key == "metadata" and isinstance(value, dict):
            owned = {k: v for k, v in value.items() if k not in SERVER_METADATA}
            _collect(owned, ("f:metadata",), paths)
            continue
        _collect({key: value}, (), paths)
    return paths


def _collect(value: dict[str, Any], prefix: Path, paths: set[Path]) -> None:
    for key, child in value.items():
        path = (*prefix, f"f:{key}")
        if isinstance(child, dict) and child:
            _collect(child, path, paths)
        elif is_keyed(child):
            for item in child:
                item_path = (*path, f"k:{item['name']}")
                paths.add(item_path)
                _collect(item, item_path, paths)
        else:
            paths.add(path)


def get(obj: Any, path: Path) -> Any:
    """The value at ``path``, or ``MISSING``."""
    current = obj
    for segment in path:
        kind, _, key = segment.partition(":")
        if kind == "f" and isinstance(current, dict) and key in current:
            current = current[key]
        elif kind == "k" and isinstance(current, list):
            found = [item for item in current if isinstance(item, dict) and item.get("name") == key]
            if not found:
                return _MISSING
            current = found[0]
        else:
            return _MISSING
    return current


def exists(obj: Any, path: Path) -> bool:
    return get(obj, path) is not _MISSING


def remove(obj: Any, path: Path) -> None:
    parent = get(obj, path[:-1])
    kind, _, key = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(key, None)
    elif kind == "k" and isinstance(parent, list):
        parent[:] = [item for item in parent if not (isinstance(item, dict) and item.get("name") == key)]


def merge(target: dict[str, Any], config: dict[str, Any]) -> None:
    """Merge an applied config into an object: maps and associative lists recursively, the rest replaced."""
    for key, value in config.items():
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merge(current, value)
        elif is_keyed(value) and (is_keyed(current) or current == []):
            by_name = {item["name"]: item for item in current or []}
            for item in value:
                if item["name"] in by_name:
                    merge(by_name[item["name"]], item)
                else:
                    current.append(copy.deepcopy(item))  # type: ignore[union-attr]
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)


def under(path: Path, paths: set[Path]) -> bool:
    """Whether ``path`` or anything below it is in ``paths``."""
    n = len(path)
    return any(p[:n] == path for p in paths)


def prune_removed(obj: dict[str, Any], removed: set[Path], still_owned: set[Path]) -> None:
    """Remove the fields an applier dropped, unless someone else still owns them (or fields below them),
    then drop maps and associative items left empty by that and owned by nobody."""
    for path in sorted(removed, key=len, reverse=True):
        if len(path) >= 2 and path[-1] == "f:name" and path[-2].startswith("k:"):
            continue  # the key of an associative item goes with its item
        if not under(path, still_owned):
            remove(obj, path)
    parents = {path[:i] for path in removed for i in range(1, len(path))}
    for parent in sorted(parents, key=len, reverse=True):
        value = get(obj, parent)
        only_key = isinstance(value, dict) and parent[-1].startswith("k:") and set(value) <= {"name"}
        if (value == {} or value == [] or only_key) and not under(parent, still_owned):
            remove(obj, parent)


def changed_fields(old: dict[str, Any], new: dict[str, Any], *, with_status: bool) -> set[Path]:
    """Leaf paths of ``new`` whose value differs from ``old`` (what an Update operation takes over)."""
    return {p for p in config_fields(new, with_status=with_status) if get(old, p) != get(new, p)}


def fields_v1(paths: set[Path]) -> dict[str, Any]:
    """The ``fieldsV1`` rendering of a path set, as in ``metadata.managedFields``."""
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for segment in path:
            if segment.startswith("k:"):
                segment = "k:" + json.dumps({"name": segment[2:]}, separators=(",", ":"))
                node.setdefault(segment, {}).setdefault(".", {})
            node = node.setdefault(segment, {})
    return tree


def dotted(path: Path) -> str:
    """``.spec.replicas`` / ``.spec.containers[name="web"].image``: how conflicts name fields."""
    out = ""
    for segment in path:
        kind, _, key = segment.partition(":")
        out += f".{key}" if kind == "f" else f'[name="{key}"]'
    return out
