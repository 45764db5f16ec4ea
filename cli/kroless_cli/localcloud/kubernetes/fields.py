"""Field ownership for server-side apply, approximated the way kroless needs it.

A field path is a tuple of segments: ``"f:<key>"`` for a map key and ``"k:<json>"`` for an item of an
associative list, as in ``managedFields`` (``k:{"name":"web"}``, ``k:{"containerPort":80,"protocol":"TCP"}``).
A list is associative when the kind's schema says so (``listmaps.py``: container ports by containerPort and
protocol, env by name...), or else when its items are all maps with a unique string ``name``; associative
lists are merged item by item, every other list is atomic (owned and replaced as a whole), as are scalars
and empty maps. Each manager owns the set of leaf paths it last applied or changed; the store uses these
sets to remove what an applier dropped and to detect conflicts.

Every function takes ``keys``: the list-map keys by field path (``("spec", "ports")`` → ``("port",
"protocol")``), empty for kinds with no schema-declared associative lists.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kroless_cli.localcloud.kubernetes.listmaps import KEY_DEFAULTS

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


Keys = dict[tuple[str, ...], tuple[str, ...]]
NO_KEYS: Keys = {}


def _field_path(path: Path) -> tuple[str, ...]:
    """The map keys along ``path``, list items skipped: where a list sits in the schema."""
    return tuple(segment[2:] for segment in path if segment.startswith("f:"))


def item_keys(items: Any, where: Path, keys: Keys) -> tuple[str, ...] | None:
    """The keys identifying the items of the list at ``where``, or None when the list is atomic."""
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        return None
    declared = keys.get(_field_path(where))
    if declared:
        identities = [_identity(item, declared) for item in items]
        return declared if len(set(identities)) == len(identities) else None
    names = [item.get("name") for item in items]
    return ("name",) if all(isinstance(n, str) for n in names) and len(set(names)) == len(names) else None


def _key_values(item: dict[str, Any], key_names: tuple[str, ...]) -> dict[str, Any]:
    return {k: item.get(k, KEY_DEFAULTS.get(k)) for k in key_names}


def _identity(item: dict[str, Any], key_names: tuple[str, ...]) -> str:
    return json.dumps(_key_values(item, key_names), sort_keys=True, separators=(",", ":"))


def item_segment(item: dict[str, Any], key_names: tuple[str, ...]) -> str:
    return "k:" + _identity(item, key_names)


def _segment_keys(segment: str) -> dict[str, Any]:
    try:
        parsed = json.loads(segment[2:])
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {"name": segment[2:]}  # a state saved as k:<name>


def _matches(item: Any, wanted: dict[str, Any]) -> bool:
    return isinstance(item, dict) and all(item.get(k, KEY_DEFAULTS.get(k)) == v for k, v in wanted.items())


def config_fields(config: dict[str, Any], *, with_status: bool, keys: Keys = NO_KEYS) -> set[Path]:
    """The leaf paths an applied config (or an object) sets, without identity and server fields."""
    paths: set[Path] = set()
    for key, value in config.items():
        if key in ("apiVersion", "kind") or (key == "status" and not with_status):
            continue
        if key == "metadata" and isinstance(value, dict):
            owned = {k: v for k, v in value.items() if k not in SERVER_METADATA}
            _collect(owned, ("f:metadata",), paths, keys)
            continue
        _collect({key: value}, (), paths, keys)
    return paths


def _collect(value: dict[str, Any], prefix: Path, paths: set[Path], keys: Keys) -> None:
    for key, child in value.items():
        path = (*prefix, f"f:{key}")
        key_names = item_keys(child, path, keys)
        if isinstance(child, dict) and child:
            _collect(child, path, paths, keys)
        elif key_names:
            for item in child:
                item_path = (*path, item_segment(item, key_names))
                paths.add(item_path)
                _collect(item, item_path, paths, keys)
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
            wanted = _segment_keys(segment)
            found = [item for item in current if _matches(item, wanted)]
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
        wanted = _segment_keys(path[-1])
        parent[:] = [item for item in parent if not _matches(item, wanted)]


def merge(target: dict[str, Any], config: dict[str, Any], keys: Keys = NO_KEYS, prefix: Path = ()) -> None:
    """Merge an applied config into an object: maps and associative lists recursively, the rest replaced."""
    for key, value in config.items():
        path = (*prefix, f"f:{key}")
        current = target.get(key)
        key_names = item_keys(value, path, keys)
        if isinstance(value, dict) and isinstance(current, dict):
            merge(current, value, keys, path)
        elif key_names and (item_keys(current, path, keys) == key_names or current == []):
            by_identity = {_identity(item, key_names): item for item in current or []}
            for item in value:
                existing = by_identity.get(_identity(item, key_names))
                if existing is not None:
                    merge(existing, item, keys, (*path, item_segment(item, key_names)))
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
        if len(path) >= 2 and path[-2].startswith("k:") and path[-1][2:] in _segment_keys(path[-2]):
            continue  # the keys of an associative item go with their item
        if not under(path, still_owned):
            remove(obj, path)
    parents = {path[:i] for path in removed for i in range(1, len(path))}
    for parent in sorted(parents, key=len, reverse=True):
        value = get(obj, parent)
        only_key = isinstance(value, dict) and parent[-1].startswith("k:") and set(value) <= set(_segment_keys(parent[-1]))
        if (value == {} or value == [] or only_key) and not under(parent, still_owned):
            remove(obj, parent)


def changed_fields(old: dict[str, Any], new: dict[str, Any], *, with_status: bool, keys: Keys = NO_KEYS) -> set[Path]:
    """Leaf paths of ``new`` whose value differs from ``old`` (what an Update operation takes over)."""
    return {p for p in config_fields(new, with_status=with_status, keys=keys) if get(old, p) != get(new, p)}


def fields_v1(paths: set[Path]) -> dict[str, Any]:
    """The ``fieldsV1`` rendering of a path set, as in ``metadata.managedFields``."""
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for segment in path:
            if segment.startswith("k:"):
                if not segment.startswith("k:{"):  # a state saved as k:<name>
                    segment = "k:" + json.dumps(_segment_keys(segment), sort_keys=True, separators=(",", ":"))
                node.setdefault(segment, {}).setdefault(".", {})
            node = node.setdefault(segment, {})
    return tree


def dotted(path: Path) -> str:
    """``.spec.replicas`` / ``.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]``: how
    conflicts name fields."""
    out = ""
    for segment in path:
        kind, _, key = segment.partition(":")
        if kind == "f":
            out += f".{key}"
        else:
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in _segment_keys(segment).items()) + "]"
    return out
