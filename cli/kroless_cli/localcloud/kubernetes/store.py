"""The emulated cluster's state: objects, field managers, resourceVersions, simulated status.

:class:`Cluster` is the whole API behind the HTTP server, usable directly by tests and the local cloud
(for example to simulate drift: :meth:`Cluster.edit` changes an object as ``kubectl edit`` would,
:meth:`Cluster.remove` deletes it behind kroless's back). Errors are :class:`ApiError` carrying the
Kubernetes ``Status`` body the server returns.
"""

from __future__ import annotations

import builtins
import contextlib
import contextvars
import copy
import json
import os
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any, Protocol

from kroless_cli.localcloud.kubernetes import defaults, fields, patches, validation
from kroless_cli.localcloud.kubernetes.fields import Path
from kroless_cli.localcloud.kubernetes.kinds import BUILTIN_KINDS, Kind, kinds_of_crd
from kroless_cli.localcloud.kubernetes.listmaps import list_map_keys
from kroless_cli.localcloud.kubernetes.selectors import SelectorError, field_selector, label_selector
from kroless_cli.localcloud.kubernetes.status import simulated_status, timestamp

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
CRD_GROUP = "apiextensions.k8s.io"
STATE_VERSION = 1

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
# Kinds whose names need only be valid path segments (the RBAC kinds: ``system:controller:x``), not subdomains
_PATH_SEGMENT_NAMES = {("rbac.authorization.k8s.io", k) for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")}
# How many changes a watch can resume from (older resourceVersions get 410 Gone, as after etcd compaction)
EVENT_HISTORY = 10000
# Fields the API server refuses to change after creation (a replacement is needed).
_IMMUTABLE: dict[tuple[str, str], tuple[Path, ...]] = {
    ("apps", "Deployment"): (("f:spec", "f:selector"),),
    ("apps", "ReplicaSet"): (("f:spec", "f:selector"),),
    ("apps", "DaemonSet"): (("f:spec", "f:selector"),),
    ("apps", "StatefulSet"): (("f:spec", "f:selector"), ("f:spec", "f:serviceName"), ("f:spec", "f:volumeClaimTemplates")),
    ("batch", "Job"): (("f:spec", "f:selector"), ("f:spec", "f:template"), ("f:spec", "f:completions")),
    ("", "Service"): (("f:spec", "f:clusterIP"),),
    ("", "PersistentVolumeClaim"): (("f:spec", "f:accessModes"), ("f:spec", "f:storageClassName"), ("f:spec", "f:volumeName")),
    ("rbac.authorization.k8s.io", "RoleBinding"): (("f:roleRef",),),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): (("f:roleRef",),),
}


class ReadOnlySource(Protocol):
    """Kinds served from outside the store, read-only (kroless's RGD instances: ``rgd_apis.py``)."""

    def kinds(self) -> builtins.list[Kind]: ...

    def objects(self, kind: Kind) -> builtins.list[dict[str, Any]]: ...


class ApiError(Exception):
    """An API error with its Kubernetes ``Status`` body."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status(self) -> dict[str, Any]:
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


def _details(kind: Kind, name: str) -> dict[str, Any]:
    details = {"name": name, "kind": kind.plural}
    if kind.group:
        details["group"] = kind.group
    return details


def not_found(kind: Kind, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{kind.resource} "{name}" not found', _details(kind, name))


def invalid(kind: Kind, name: str, causes: list[str]) -> ApiError:
    message = f'{kind.qualified_kind} "{name}" is invalid: ' + (causes[0] if len(causes) == 1 else "[" + ", ".join(causes) + "]")
    return ApiError(422, "Invalid", message, {**_details(kind, name), "kind": kind.kind, "causes": validation.causes(causes)})


@dataclass
class RequestOptions:
    """What one API request asks of the writes it makes: ``dryRun=All`` and ``fieldValidation``; the
    warnings the server answers with (``Warning`` headers) are collected here."""

    dry_run: bool = False
    field_validation: str = "Warn"
    warnings: list[str] = field(default_factory=list)


_REQUEST: contextvars.ContextVar[RequestOptions | None] = contextvars.ContextVar("kroless_k8s_request", default=None)


def _options() -> RequestOptions:
    return _REQUEST.get() or RequestOptions()


@dataclass(frozen=True)
class Event:
    """One watch event: ``ADDED``, ``MODIFIED`` or ``DELETED`` of an object at a resourceVersion."""

    resource_version: int
    type: str
    group: str
    kind: str
    namespace: str
    object: dict[str, Any]


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


@dataclass
class Managed:
    """One ``managedFields`` entry: a manager, its operation (Apply or Update) and the fields it owns."""

    operation: str
    api_version: str
    time: float
    paths: set[Path] = field(default_factory=set)


@dataclass
class Entry:
    group: str
    kind: str
    obj: dict[str, Any]
    managers: dict[tuple[str, str], Managed] = field(default_factory=dict)
    changed_at: float = 0.0  # wall time of the last generation change: simulated status counts from it

    @property
    def namespace(self) -> str:
        return str(self.obj["metadata"].get("namespace") or "")

    @property
    def name(self) -> str:
        return str(self.obj["metadata"]["name"])


class Cluster:
    """An in-memory Kubernetes API: kinds, objects and their field managers, guarded by one lock.

    ``ready_delay`` is how long after a spec change simulated workloads report ready (0 = at once);
    ``crd_delay`` how long a CRD takes to become Established (its kinds are served from then on).
    """

    def __init__(self, *, ready_delay: float = 0.2, crd_delay: float = 0.0, clock: Callable[[], float] = time.time) -> None:
        self.ready_delay = ready_delay
        self.crd_delay = crd_delay
        self.clock = clock
        self._lock = threading.RLock()
        self._entries: dict[tuple[str, str, str, str], Entry] = {}
        self._resource_version = 0
        self._next_ip = 1
        self.on_change: Callable[[], None] | None = None  # persistence hook, called after each write
        # watches: what the last published state was, and the changes since (see _publish)
        self._changes = threading.Condition(self._lock)
        self._published: dict[tuple[str, str, str, str], tuple[str, dict[str, Any]]] = {}
        self._events: deque[Event] = deque(maxlen=EVENT_HISTORY)
        self._dry_run_depth = 0
        self.read_only: ReadOnlySource | None = None
        for namespace in SYSTEM_NAMESPACES:
            self._insert(self.kind_for("v1", "Namespace"), "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}, "kube-apiserver")

    # ---- kinds -------------------------------------------------------------------------------------------

    def kinds(self) -> list[Kind]:
        """Every kind served now: the built-ins and the versions of each Established CRD."""
        with self._lock:
            served = list(BUILTIN_KINDS)
            now = self.clock()
            for entry in self._entries.values():
                if (entry.group, entry.kind) == (CRD_GROUP, "CustomResourceDefinition") and now - entry.changed_at >= self.crd_delay:
                    served.extend(k for k in kinds_of_crd(entry.obj) if k.kind and k.plural)
        if self.read_only is not None:
            taken = {(k.group, k.kind) for k in served}
            served.extend(k for k in self.read_only.kinds() if (k.group, k.kind) not in taken)
        return served

    def kind_for(self, api_version: str, kind: str) -> Kind:
        group, _, version = api_version.rpartition("/")
        for candidate in self.kinds():
            if (candidate.group, candidate.version, candidate.kind) == (group, version, kind):
                return candidate
        raise ApiError(404, "NotFound", f'the server could not find the requested resource: no kind "{kind}" is registered for version "{api_version}"')

    def kind_by_plural(self, group: str, version: str, plural: str) -> Kind | None:
        for candidate in self.kinds():
            if (candidate.group, candidate.version, candidate.plural) == (group, version, plural):
                return candidate
        return None

    # ---- reads -------------------------------------------------------------------------------------------

    def get(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any]:
        if kind.read_only:
            found = [o for o in self._read_only_objects(kind) if o["metadata"]["name"] == name and (not kind.namespaced or o["metadata"].get("namespace") == namespace)]
            if not found:
                raise not_found(kind, name)
            return found[0]
        with self._lock:
            return self._render(kind, self._entry(kind, namespace, name))

    def _read_only_objects(self, kind: Kind) -> builtins.list[dict[str, Any]]:
        return self.read_only.objects(kind) if self.read_only is not None else []

    def list(self, kind: Kind, namespace: str | None = None, labels: str | None = None, field_filter: str | None = None) -> dict[str, Any]:
        try:
            match_labels, match_fields = label_selector(labels), field_selector(field_filter)
        except SelectorError as err:
            raise bad_request(str(err)) from err
        outside = self._read_only_objects(kind) if kind.read_only else []  # read before taking the lock
        with self._lock:
            candidates = outside if kind.read_only else [entry.obj for entry in self._of_kind(kind)]
            selected = [
                obj
                for obj in candidates
                if (not namespace or obj["metadata"].get("namespace") == namespace)
                and match_labels(obj["metadata"].get("labels") or {})
                and match_fields(obj)
            ]
            items = selected if kind.read_only else [self._render(kind, self._entry(kind, obj["metadata"].get("namespace"), obj["metadata"]["name"])) for obj in selected]
            items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            return {"apiVersion": kind.api_version, "kind": f"{kind.kind}List", "metadata": {"resourceVersion": str(self._resource_version)}, "items": items}

    # ---- writes ------------------------------------------------------------------------------------------

    def create(self, kind: Kind, namespace: str | None, body: dict[str, Any], manager: str) -> dict[str, Any]:
        with self._lock:
            obj = self._incoming(kind, namespace, body)
            metadata = obj["metadata"]
            if not metadata.get("name") and metadata.get("generateName"):
                metadata["name"] = metadata["generateName"] + uuid.uuid4().hex[:5]
            if self._find(kind, namespace, metadata.get("name", "")) is not None:
                name = metadata["name"]
                raise ApiError(409, "AlreadyExists", f'{kind.resource} "{name}" already exists', _details(kind, name))
            entry = self._insert(kind, namespace or "", obj, manager)
            return self._render(kind, entry)

    def replace(self, kind: Kind, namespace: str | None, name: str, body: dict[str, Any], manager: str, *, subresource: str = "") -> dict[str, Any]:
        with self._lock:
            entry = self._entry(kind, namespace, name)
            incoming = self._incoming(kind, namespace, body, name=name)
            expected = (body.get("metadata") or {}).get("resourceVersion")
            if expected and expected != entry.obj["metadata"]["resourceVersion"]:
                raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {kind.resource} "{name}": the object has been modified; please apply your changes to the latest version and try again', _details(kind, name))
            new = copy.deepcopy(entry.obj)
            if subresource == "status":
                new["status"] = incoming.get("status", {})
            else:
                status = new.get("status")
                kept_metadata = {k: v for k, v in new["metadata"].items() if k in ("uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp")}
                new = incoming
                new["metadata"].update(kept_metadata)
                if kind.status_subresource:
                    new.pop("status", None)
                    if status is not None:
                        new["status"] = status
            return self._render(kind, self._update(kind, entry, new, manager))

    def patch(self, kind: Kind, namespace: str | None, name: str, patch: Any, patch_type: str, manager: str | None, *, force: bool = False, subresource: str = "") -> dict[str, Any]:
        """``apply`` (server-side apply), ``merge`` (RFC 7386), ``json`` (RFC 6902) or ``strategic``
        (approximated: associative lists merge by ``name``, other lists are replaced)."""
        if patch_type == "apply":
            if not manager:
                raise bad_request("PATCH request must specify fieldManager for apply requests")
            return self.apply(kind, namespace, name, patch, manager, force=force)
        with self._lock:
            entry = self._entry(kind, namespace, name)
            new = copy.deepcopy(entry.obj)
            if patch_type == "merge":
                new = patches.json_merge(new, patch)
            elif patch_type == "json":
                try:
                    new = patches.json_patch(new, patch)
                except patches.PatchError as err:
                    raise invalid(kind, name, [str(err)]) from err
            elif kind.schema is not None or not isinstance(patch, dict):
                raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
            else:
                try:
                    new = patches.strategic_merge(new, patch, list_map_keys(kind.api_version, kind.kind))
                except patches.PatchError as err:
                    raise invalid(kind, name, [str(err)]) from err
            if subresource == "status":
                status = new.get("status")
                new = copy.deepcopy(entry.obj)
                new["status"] = status
            elif kind.status_subresource:
                new["status"] = copy.deepcopy(entry.obj.get("status"))
            new = self._incoming(kind, namespace, new, name=name)
            return self._render(kind, self._update(kind, entry, new, manager or "unknown"))

    def apply(self, kind: Kind, namespace: str | None, name: str, config: dict[str, Any], manager: str, *, force: bool = False) -> dict[str, Any]:
        """Server-side apply: merge ``config``, drop what ``manager`` applied before and no longer does,
        and refuse (409) to change a field another manager owns unless ``force``."""
        for required in ("apiVersion", "kind"):
            if not config.get(required):
                raise bad_request(f"{required} must be set")
        with self._lock:
            config = self._incoming(kind, namespace, config, name=name)
            with_status = not kind.status_subresource
            keys = list_map_keys(kind.api_version, kind.kind)
            applied = fields.config_fields(config, with_status=with_status, keys=keys)
            if kind.status_subresource:
                config.pop("status", None)
            entry = self._find(kind, namespace, name)
            if entry is None:
                return self._render(kind, self._insert(kind, namespace or "", config, manager, applied=applied))

            conflicts = [
                (key, path)
                for key, managed in entry.managers.items()
                if key != (manager, "Apply")
                for path in applied & managed.paths
                if not path[-1].startswith("k:")  # an item's membership is shared; only its fields conflict
                and fields.get(entry.obj, path) != fields.get(config, path)
            ]
            if conflicts and not force and manager == "kubectl" and _last_applied_covers(entry.obj, {path for _, path in conflicts}, keys):
                force = True
            if conflicts and not force:
                listing = "\n".join(f'* conflict with "{key[0]}" using {entry.managers[key].api_version}: {fields.dotted(path)}' for key, path in sorted(conflicts))
                noun = "conflict" if len(conflicts) == 1 else "conflicts"
                message = f"Apply failed with {len(conflicts)} {noun}: " + (listing[2:] if len(conflicts) == 1 else listing)
                raise ApiError(409, "Conflict", message, {**_details(kind, name), "causes": [{"reason": "FieldManagerConflict", "message": f'conflict with "{key[0]}"', "field": fields.dotted(path)} for key, path in conflicts]})
            for key, path in conflicts:
                entry.managers[key].paths.discard(path)

            previous = entry.managers.get((manager, "Apply"))
            others: set[Path] = set().union(*(m.paths for k, m in entry.managers.items() if k != (manager, "Apply")))
            new = copy.deepcopy(entry.obj)
            if previous:
                fields.prune_removed(new, previous.paths - applied, others | applied)
            fields.merge(new, {k: v for k, v in config.items() if k != "metadata"}, keys)
            fields.merge(new["metadata"], {k: v for k, v in config["metadata"].items() if k not in fields.SERVER_METADATA}, keys, ("f:metadata",))
            entry.managers[(manager, "Apply")] = Managed("Apply", kind.api_version, self.clock(), applied)
            return self._render(kind, self._update(kind, entry, new, None))

    def delete(self, kind: Kind, namespace: str | None, name: str, *, propagation: str = "Background") -> dict[str, Any] | None:
        """Delete; returns the object when finalizers keep it (with ``deletionTimestamp``), else None."""
        with self._lock:
            entry = self._entry(kind, namespace, name)
            result = self._delete(entry, propagation)
            self._changed()
            return None if result is None else self._render(kind, result)

    # ---- the /scale subresource -------------------------------------------------------------------------

    def scale(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any]:
        """The object's ``autoscaling/v1`` Scale: desired replicas, current replicas and the label selector."""
        with self._lock:
            obj = self._render(kind, self._entry(kind, namespace, name))
        spec_path, status_path, selector_path = _scale_paths(kind)
        selector = _dotted_get(obj, selector_path) if selector_path else None
        if isinstance(selector, dict):
            selector = ",".join(f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items()))
        metadata = {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in obj["metadata"]}
        status: dict[str, Any] = {"replicas": _dotted_get(obj, status_path) or 0}
        if selector:
            status["selector"] = selector
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata, "spec": {"replicas": _dotted_get(obj, spec_path) or 0}, "status": status}

    def set_scale(self, kind: Kind, namespace: str | None, name: str, scale: Any, manager: str) -> dict[str, Any]:
        """Write a Scale's ``spec.replicas`` back to the object (``kubectl scale``)."""
        replicas = scale.get("spec", {}).get("replicas") if isinstance(scale, dict) and isinstance(scale.get("spec"), dict) else None
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise ApiError(422, "Invalid", f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: {json.dumps(replicas)}: must be a non-negative integer', {**_details(kind, name), "kind": "Scale", "causes": [{"reason": "FieldValueInvalid", "message": "must be a non-negative integer", "field": "spec.replicas"}]})
        spec_path = _scale_paths(kind)[0]
        with self._lock:
            entry = self._entry(kind, namespace, name)
            new = copy.deepcopy(entry.obj)
            _dotted_set(new, spec_path, replicas)
            self._update(kind, entry, self._incoming(kind, namespace, new, name=name), manager)
            return self.scale(kind, namespace, name)

    # ---- out of band (tests and the local cloud) ------------------------------------------------------

    def edit(self, api_version: str, kind: str, name: str, namespace: str | None = None, *, change: Callable[[dict[str, Any]], None], manager: str = "kubectl-edit") -> dict[str, Any]:
        """Change an object the way ``kubectl edit`` does (an Update by another field manager)."""
        resolved = self.kind_for(api_version, kind)
        with self._lock:
            entry = self._entry(resolved, namespace, name)
            new = copy.deepcopy(entry.obj)
            change(new)
            return self._render(resolved, self._update(resolved, entry, self._incoming(resolved, namespace, new, name=name), manager))

    def add(self, manifest: dict[str, Any], *, manager: str = "kubectl") -> dict[str, Any]:
        """Create an object from a manifest as another client would (``kubectl create``)."""
        kind = self.kind_for(manifest["apiVersion"], manifest["kind"])
        return self.create(kind, (manifest.get("metadata") or {}).get("namespace") or ("default" if kind.namespaced else None), manifest, manager)

    def remove(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> None:
        """Delete an object behind kroless's back (finalizers ignored)."""
        resolved = self.kind_for(api_version, kind)
        with self._lock:
            entry = self._entry(resolved, namespace, name)
            self._drop(entry)
            self._changed()

    def read(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The object, or None (a convenience for tests)."""
        resolved = self.kind_for(api_version, kind)
        with self._lock:
            entry = self._find(resolved, namespace, name)
            return None if entry is None else self._render(resolved, entry)

    def objects(self) -> Iterator[dict[str, Any]]:
        """Every stored object (a snapshot), for inspection."""
        with self._lock:
            snapshot = [copy.deepcopy(e.obj) for e in self._entries.values()]
        yield from snapshot

    # ---- persistence -------------------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        with self._lock:
            return {
                "version": STATE_VERSION,
                "resourceVersion": self._resource_version,
                "nextIP": self._next_ip,
                "objects": [
                    {
                        "group": e.group,
                        "kind": e.kind,
                        "object": e.obj,
                        "changedAt": e.changed_at,
                        "managers": [{"manager": k[0], "operation": k[1], "apiVersion": m.api_version, "time": m.time, "fields": sorted(list(p) for p in m.paths)} for k, m in e.managers.items()],
                    }
                    for e in self._entries.values()
                ],
            }

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported Kubernetes emulator state version: {state.get('version')!r}")
        with self._lock:
            self._entries.clear()
            self._resource_version = int(state["resourceVersion"])
            self._next_ip = int(state.get("nextIP", 1))
            for item in state["objects"]:
                managers = {(m["manager"], m["operation"]): Managed(m["operation"], m["apiVersion"], m["time"], {tuple(p) for p in m["fields"]}) for m in item["managers"]}
                entry = Entry(item["group"], item["kind"], item["object"], managers, item["changedAt"])
                self._entries[(entry.group, entry.kind, entry.namespace, entry.name)] = entry
            self._published = {key: (str(e.obj["metadata"]["resourceVersion"]), self._rendered(e, str(e.obj.get("apiVersion", "")))) for key, e in self._entries.items()}
            self._events.clear()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state as JSON (atomically: a crash leaves the previous file intact)."""
        target = FilePath(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(target.suffix + ".tmp")
        temporary.write_text(json.dumps(self.dump(), separators=(",", ":")))
        os.replace(temporary, target)

    def load(self, path: str | os.PathLike[str]) -> None:
        self.restore(json.loads(FilePath(path).read_text()))

    # ---- internals ---------------------------------------------------------------------------------------

    def _of_kind(self, kind: Kind) -> builtins.list[Entry]:
        return [e for e in self._entries.values() if (e.group, e.kind) == (kind.group, kind.kind)]

    def _find(self, kind: Kind, namespace: str | None, name: str) -> Entry | None:
        return self._entries.get((kind.group, kind.kind, (namespace or "") if kind.namespaced else "", name))

    def _entry(self, kind: Kind, namespace: str | None, name: str) -> Entry:
        entry = self._find(kind, namespace, name)
        if entry is None:
            raise not_found(kind, name)
        return entry

    def _next_rv(self) -> str:
        self._resource_version += 1
        return str(self._resource_version)

    def _changed(self) -> None:
        if self._dry_run_depth:
            return
        self._publish()
        if self.on_change is not None:
            self.on_change()

    def _publish(self) -> None:
        """Turn what changed since the last call into watch events (objects whose resourceVersion moved,
        objects gone), and wake the watches. Called after every write and by watches polling for
        simulated status changes."""
        current: dict[tuple[str, str, str, str], tuple[str, dict[str, Any]]] = {}
        events: list[Event] = []
        for key, entry in self._entries.items():
            rv = str(entry.obj["metadata"]["resourceVersion"])
            seen = self._published.get(key)
            if seen is not None and seen[0] == rv:
                current[key] = seen
                continue
            obj = self._rendered(entry, str(entry.obj.get("apiVersion", "")))
            current[key] = (rv, obj)
            events.append(Event(int(rv), "ADDED" if seen is None else "MODIFIED", entry.group, entry.kind, entry.namespace, obj))
        for key, (_, obj) in self._published.items():
            if key not in current:
                gone = copy.deepcopy(obj)
                gone["metadata"]["resourceVersion"] = self._next_rv()
                events.append(Event(int(gone["metadata"]["resourceVersion"]), "DELETED", key[0], key[1], key[2], gone))
        self._published = current
        if events:
            with self._changes:
                self._events.extend(sorted(events, key=lambda e: e.resource_version))
                self._changes.notify_all()

    @contextlib.contextmanager
    def request(self, options: RequestOptions) -> Iterator[RequestOptions]:
        """Serve one request with ``options``: under ``dry_run`` every write is validated, defaulted and
        answered, then undone (nothing stored, saved, published or counted)."""
        token = _REQUEST.set(options)
        try:
            if not options.dry_run:
                yield options
                return
            with self._lock:
                saved = (copy.deepcopy(self._entries), self._resource_version, self._next_ip)
                self._dry_run_depth += 1
                try:
                    yield options
                finally:
                    self._dry_run_depth -= 1
                    self._entries, self._resource_version, self._next_ip = saved
        finally:
            _REQUEST.reset(token)

    def watch(self, kind: Kind, namespace: str | None, since: int, timeout: float) -> builtins.list[Event]:
        """The events of ``kind`` (in ``namespace``) after resourceVersion ``since``, waiting up to ``timeout``
        seconds for one. 410 Gone when ``since`` is older than the history kept."""
        with self._changes:
            self.poll()
            if self._events and since < self._events[0].resource_version - 1 and len(self._events) == self._events.maxlen:
                raise ApiError(410, "Expired", f"too old resource version: {since} ({self._events[0].resource_version - 1})")

            def matching() -> builtins.list[Event]:
                return [e for e in self._events if e.resource_version > since and (e.group, e.kind) == (kind.group, kind.kind) and (not namespace or e.namespace == namespace)]

            found = matching()
            if not found and timeout > 0:
                self._changes.wait(timeout)
                self.poll()
                found = matching()
            return found

    @property
    def resource_version(self) -> int:
        return self._resource_version

    def poll(self) -> None:
        """Bring every object's simulated status up to date and publish what changed (watches call this,
        since status flips with time, not with a request)."""
        with self._lock:
            for entry in self._entries.values():
                self._settle(entry)
            if not self._dry_run_depth:
                self._publish()

    def _incoming(self, kind: Kind, namespace: str | None, body: dict[str, Any], *, name: str | None = None) -> dict[str, Any]:
        """A copy of a request body checked against the URL, with apiVersion/kind/namespace filled in."""
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON or YAML object")
        obj = copy.deepcopy(body)
        if obj.get("kind") and obj["kind"] != kind.kind:
            raise bad_request(f"the kind of the provided object ({obj['kind']}) does not match the kind of the request ({kind.kind})")
        obj["apiVersion"], obj["kind"] = kind.api_version, kind.kind
        metadata = obj.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise bad_request("metadata must be an object")
        if name is not None:
            if metadata.get("name") and metadata["name"] != name:
                raise bad_request(f"the name of the object ({metadata['name']}) does not match the name on the URL ({name})")
            metadata["name"] = name
        if kind.namespaced:
            if metadata.get("namespace") and namespace and metadata["namespace"] != namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
            metadata["namespace"] = namespace or metadata.get("namespace")
        else:
            metadata.pop("namespace", None)
        for server_field in ("managedFields", "selfLink"):
            metadata.pop(server_field, None)
        for string_map in ("labels", "annotations"):  # map[string]string in Go: a JSON null decodes to ""
            values = metadata.get(string_map)
            if isinstance(values, dict):
                metadata[string_map] = {key: "" if value is None else value for key, value in values.items()}
        return obj

    def _validate(self, kind: Kind, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        metadata = obj["metadata"]
        name = metadata.get("name") or ""
        if not name:
            raise invalid(kind, "", ["metadata.name: Required value: name or generateName is required"])
        if (kind.group, kind.kind) in _PATH_SEGMENT_NAMES:
            if name in (".", "..") or "/" in name or "%" in name:
                raise invalid(kind, name, [f'metadata.name: Invalid value: "{name}": may not be \'.\' or \'..\' and may not contain \'/\' or \'%\''])
        elif not (_LABEL if kind.kind == "Namespace" else _SUBDOMAIN).fullmatch(name) or len(name) > (63 if kind.kind == "Namespace" else 253):
            what = "RFC 1123 label" if kind.kind == "Namespace" else "RFC 1123 subdomain"
            raise invalid(kind, name, [f'metadata.name: Invalid value: "{name}": a lowercase {what} must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character'])
        causes = []
        for key, value in (metadata.get("labels") or {}).items():
            label_name = key.rpartition("/")[2]
            if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.fullmatch(value):
                causes.append(f'metadata.labels: Invalid value: "{value}": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', must start and end with an alphanumeric character, and be no more than 63 characters')
            if len(label_name) > 63 or not _LABEL_NAME.fullmatch(label_name):
                causes.append(f'metadata.labels: Invalid value: "{key}": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character, and be no more than 63 characters')
        for key, value in (metadata.get("annotations") or {}).items():
            if not isinstance(value, str):
                causes.append(f"metadata.annotations.{key}: Invalid value: annotation values must be strings")
        violations, unknown = validation.check(kind, obj, old)
        causes.extend(violations)
        if unknown:
            options = _options()
            if options.field_validation == "Strict" and not causes:
                listing = ", ".join(f'unknown field "{f}"' for f in unknown)
                raise bad_request(f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: strict decoding error: {listing}')
            if options.field_validation != "Ignore":
                options.warnings.extend(f'unknown field "{f}"' for f in unknown)
        if old is not None:
            for path in _IMMUTABLE.get((kind.group, kind.kind), ()):
                before, after = fields.get(old, path), fields.get(obj, path)
                if fields.exists(old, path) and before != after:
                    causes.append(f"{fields.dotted(path)[1:]}: Invalid value: {json.dumps(after) if fields.exists(obj, path) else 'null'}: field is immutable")
            if (kind.group, kind.kind) in (("", "ConfigMap"), ("", "Secret")) and old.get("immutable"):
                if any(old.get(k) != obj.get(k) for k in ("data", "binaryData", "stringData")):
                    causes.append("data: Forbidden: field is immutable when `immutable` is set")
        if causes:
            raise invalid(kind, name, causes)

    def _default(self, kind: Kind, obj: dict[str, Any]) -> None:
        """The API server's defaults (defaults.py), and a cluster IP for a Service that needs one."""
        defaults.apply(kind.group, kind.kind, obj)
        spec = obj.get("spec")
        if (kind.group, kind.kind) == ("", "Service") and isinstance(spec, dict):
            if spec["type"] != "ExternalName" and not spec.get("clusterIP"):
                spec["clusterIP"] = f"10.96.{self._next_ip // 250}.{self._next_ip % 250 + 1}"
                self._next_ip += 1
            if spec.get("clusterIP"):
                spec["clusterIPs"] = [spec["clusterIP"]]

    def _check_namespace(self, kind: Kind, namespace: str) -> None:
        if not kind.namespaced:
            return
        ns = self._entries.get(("", "Namespace", "", namespace))
        if ns is None:
            raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found', {"name": namespace, "kind": "namespaces"})
        if ns.obj["metadata"].get("deletionTimestamp"):
            raise ApiError(403, "Forbidden", f"unable to create new content in namespace {namespace} because it is being terminated", {"name": namespace, "kind": "namespaces"})

    def _insert(self, kind: Kind, namespace: str, obj: dict[str, Any], manager: str, *, applied: set[Path] | None = None) -> Entry:
        """Create an object; ``manager`` owns ``applied`` (an Apply) or everything it set (an Update)."""
        obj = copy.deepcopy(obj)
        if kind.namespaced and not namespace:
            raise bad_request("the namespace of the object must be set")
        self._check_namespace(kind, namespace)
        self._default(kind, obj)
        self._validate(kind, obj, None)
        now = self.clock()
        metadata = obj["metadata"]
        metadata.update(uid=str(uuid.uuid4()), creationTimestamp=timestamp(now), generation=1, resourceVersion=self._next_rv())
        if kind.status_subresource:
            obj.pop("status", None)
        entry = Entry(kind.group, kind.kind, obj, {}, now)
        if applied is not None:
            entry.managers[(manager, "Apply")] = Managed("Apply", kind.api_version, now, applied)
        else:
            entry.managers[(manager, "Update")] = Managed("Update", kind.api_version, now, fields.config_fields(obj, with_status=not kind.status_subresource, keys=list_map_keys(kind.api_version, kind.kind)))
        self._entries[(kind.group, kind.kind, namespace if kind.namespaced else "", metadata["name"])] = entry
        self._settle(entry)
        self._changed()
        return entry

    def _update(self, kind: Kind, entry: Entry, new: dict[str, Any], manager: str | None) -> Entry:
        """Store ``new`` as the object's next state; ``manager`` (an Update operation) takes the changed fields."""
        old = entry.obj
        self._default(kind, new)
        self._validate(kind, new, old)
        with_status = not kind.status_subresource
        if manager is not None:
            changed = fields.changed_fields(old, new, with_status=with_status, keys=list_map_keys(kind.api_version, kind.kind))
            for managed in entry.managers.values():
                managed.paths -= changed
            mine = entry.managers.setdefault((manager, "Update"), Managed("Update", kind.api_version, self.clock()))
            mine.paths |= changed
            mine.time = self.clock()
        for key, managed in list(entry.managers.items()):
            managed.paths = {p for p in managed.paths if fields.exists(new, p)}
            if not managed.paths:
                del entry.managers[key]

        def body(obj: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in obj.items() if k not in ("metadata", "status")}

        metadata = new["metadata"]
        for kept in ("uid", "creationTimestamp", "generation", "deletionTimestamp"):
            if kept in old["metadata"]:
                metadata[kept] = old["metadata"][kept]
        if body(old) != body(new):
            metadata["generation"] = int(old["metadata"].get("generation", 1)) + 1
            entry.changed_at = self.clock()
        if new != old:
            metadata["resourceVersion"] = self._next_rv()
        else:
            metadata["resourceVersion"] = old["metadata"]["resourceVersion"]
        entry.obj = new
        if metadata.get("deletionTimestamp") and not metadata.get("finalizers"):
            self._drop(entry)
        self._settle(entry)
        self._changed()
        return entry

    def _settle(self, entry: Entry) -> None:
        """Bring simulated status up to date (bumping resourceVersion when it changed)."""
        delay = self.crd_delay if (entry.group, entry.kind) == (CRD_GROUP, "CustomResourceDefinition") else self.ready_delay
        status = simulated_status(entry.group, entry.kind, entry.obj, entry.changed_at, self.clock(), delay)
        if status is not None and entry.obj.get("status") != status:
            entry.obj["status"] = status
            entry.obj["metadata"]["resourceVersion"] = self._next_rv()

    def _render(self, kind: Kind, entry: Entry) -> dict[str, Any]:
        self._settle(entry)
        return self._rendered(entry, kind.api_version)

    def _rendered(self, entry: Entry, api_version: str) -> dict[str, Any]:
        obj = copy.deepcopy(entry.obj)
        obj["apiVersion"] = api_version
        obj["metadata"]["managedFields"] = [
            {
                "manager": manager,
                "operation": operation,
                "apiVersion": managed.api_version,
                "time": timestamp(managed.time),
                "fieldsType": "FieldsV1",
                "fieldsV1": fields.fields_v1(managed.paths),
            }
            for (manager, operation), managed in sorted(entry.managers.items())
        ]
        return obj

    def _delete(self, entry: Entry, propagation: str) -> Entry | None:
        metadata = entry.obj["metadata"]
        if (entry.group, entry.kind) == ("", "Namespace"):
            contents = [e for e in self._entries.values() if e.namespace == entry.name and e is not entry]
            for child in contents:
                self._delete(child, "Background")
            if any(e.namespace == entry.name for e in self._entries.values() if e is not entry):
                metadata.setdefault("deletionTimestamp", timestamp(self.clock()))
                metadata["resourceVersion"] = self._next_rv()
                self._settle(entry)
                return entry
            self._drop(entry)
            return None
        if metadata.get("finalizers"):
            if not metadata.get("deletionTimestamp"):
                metadata["deletionTimestamp"] = timestamp(self.clock())
                metadata["deletionGracePeriodSeconds"] = 0
                metadata["resourceVersion"] = self._next_rv()
            return entry
        self._drop(entry, orphan=propagation == "Orphan")
        return None

    def _drop(self, entry: Entry, *, orphan: bool = False) -> None:
        """Remove an entry for good, with what depends on it: ownerReference dependents (unless orphaned),
        the custom resources of a CRD, and a terminating namespace that became empty."""
        key = (entry.group, entry.kind, entry.namespace, entry.name)
        if self._entries.pop(key, None) is None:
            return
        uid = entry.obj["metadata"].get("uid")
        for other in list(self._entries.values()):
            refs = other.obj["metadata"].get("ownerReferences") or []
            if any(ref.get("uid") == uid for ref in refs):
                if orphan:
                    other.obj["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
                    other.obj["metadata"]["resourceVersion"] = self._next_rv()
                else:
                    self._delete(other, "Background")
        if (entry.group, entry.kind) == (CRD_GROUP, "CustomResourceDefinition"):
            spec = entry.obj.get("spec") or {}
            group, kind_name = spec.get("group", ""), (spec.get("names") or {}).get("kind", "")
            for other in [e for e in self._entries.values() if (e.group, e.kind) == (group, kind_name)]:
                self._drop(other)
        namespace = self._entries.get(("", "Namespace", "", entry.namespace)) if entry.namespace else None
        if namespace and namespace.obj["metadata"].get("deletionTimestamp"):
            if not any(e.namespace == entry.namespace for e in self._entries.values() if e is not namespace):
                self._drop(namespace)


def _scale_paths(kind: Kind) -> tuple[str, str, str]:
    """Where a kind keeps desired replicas, current replicas and its label selector (a CRD says so)."""
    if kind.scale is not None:
        return (str(kind.scale.get("specReplicasPath", ".spec.replicas")), str(kind.scale.get("statusReplicasPath", ".status.replicas")), str(kind.scale.get("labelSelectorPath") or ""))
    return ".spec.replicas", ".status.replicas", ".spec.selector"


def _dotted_get(obj: Any, path: str) -> Any:
    for key in [p for p in path.split(".") if p]:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _dotted_set(obj: dict[str, Any], path: str, value: Any) -> None:
    keys = [p for p in path.split(".") if p]
    for key in keys[:-1]:
        obj = obj.setdefault(key, {})
    obj[keys[-1]] = value


def _last_applied_covers(obj: dict[str, Any], paths: set[Path], keys: fields.Keys) -> bool:
    """Whether ``paths`` all belong to the object's client-side apply configuration: kubectl's server-side apply
    then takes them over without conflict, the upgrade path from ``kubectl apply`` to ``kubectl apply
    --server-side`` (k8s.io/apiserver .../fieldmanager/lastappliedmanager.go: for manager "kubectl" only)."""
    annotation = (obj["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/last-applied-configuration")
    try:
        last_applied = json.loads(annotation) if annotation else None
    except ValueError:
        return False
    if not isinstance(last_applied, dict):
        return False
    return paths <= fields.config_fields(last_applied, with_status=False, keys=keys)
