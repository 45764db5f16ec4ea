"""Table responses (``Accept: application/json;as=Table;g=meta.k8s.io;v=v1``): the columns ``kubectl get`` prints.

The API server, not kubectl, decides the columns: the built-ins' printers (pkg/printers/internalversion in
Kubernetes) and, for custom resources, the CRD's ``additionalPrinterColumns`` evaluated as JSONPath. The
common kinds get their kubectl columns here; every other built-in gets NAME and AGE, as a kind without a
printer does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kroless_cli.localcloud.kubernetes.kinds import Kind

Row = list[Any]
Column = tuple[str, str, int]  # name, type, priority (1: only with -o wide)
_MISSING = object()


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration: ``42s``, ``5m3s``, ``3h10m``, ``4d2h``."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // (24 * 365), (hours // 24) % 365
    if hours < 24 * 365 * 8:
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{years}y"


def _age(timestamp: Any, now: float) -> str:
    if not isinstance(timestamp, str) or not timestamp:
        return "<unknown>"
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return "<unknown>"
    return human_duration(now - then)


def _containers(obj: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    node: Any = obj
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return [c for c in node or [] if isinstance(c, dict)]


def _selector(selector: Any) -> str:
    labels = (selector or {}).get("matchLabels") if isinstance(selector, dict) and "matchLabels" in selector else selector
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) if isinstance(labels, dict) else ""


def _ports(spec: dict[str, Any]) -> str:
    out = []
    for port in spec.get("ports") or []:
        text = f"{port.get('port')}"
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        out.append(f"{text}/{port.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


def _external_ip(obj: dict[str, Any]) -> str:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    kind = spec.get("type", "ClusterIP")
    if kind == "ExternalName":
        return str(spec.get("externalName", ""))
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if kind == "LoadBalancer":
        found = [i.get("ip") or i.get("hostname") for i in ingress]
        return ",".join(x for x in found if x) or "<pending>"
    return ",".join(spec.get("externalIPs") or []) or "<none>"


def _workload(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return spec, status, _containers(obj, ("spec", "template", "spec", "containers"))


def _wide(containers: list[dict[str, Any]]) -> list[str]:
    return [",".join(str(c.get("name", "")) for c in containers), ",".join(str(c.get("image", "")) for c in containers)]


def _deployment(obj: dict[str, Any]) -> Row:
    spec, status, containers = _workload(obj)
    ready = f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}"
    return [ready, status.get("updatedReplicas", 0), status.get("availableReplicas", 0), *_wide(containers), _selector(spec.get("selector"))]


def _replicaset(obj: dict[str, Any]) -> Row:
    spec, status, containers = _workload(obj)
    return [spec.get("replicas", 1), status.get("replicas", 0), status.get("readyReplicas", 0), *_wide(containers), _selector(spec.get("selector"))]


def _statefulset(obj: dict[str, Any]) -> Row:
    spec, status, containers = _workload(obj)
    return [f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}", *_wide(containers)]


def _daemonset(obj: dict[str, Any]) -> Row:
    spec, status, containers = _workload(obj)
    node_selector = _selector(((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")) or "<none>"
    counts = [status.get(k, 0) for k in ("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled", "numberAvailable")]
    return [*counts, node_selector, *_wide(containers), _selector(spec.get("selector"))]


def _pod(obj: dict[str, Any]) -> Row:
    containers = _containers(obj, ("spec", "containers"))
    status = obj.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return [f"{len(containers) if ready else 0}/{len(containers)}", status.get("phase", "Pending"), 0, status.get("podIP") or "<none>", (obj.get("spec") or {}).get("nodeName") or "<none>", "<none>", "<none>"]


def _service(obj: dict[str, Any]) -> Row:
    spec = obj.get("spec") or {}
    return [spec.get("type", "ClusterIP"), spec.get("clusterIP") or "<none>", _external_ip(obj), _ports(spec), _selector(spec.get("selector")) or "<none>"]


def _job(obj: dict[str, Any]) -> Row:
    spec, status, containers = _workload(obj)
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    state = "Complete" if conditions.get("Complete") == "True" else "Failed" if conditions.get("Failed") == "True" else "Running"
    return [state, f"{status.get('succeeded', 0)}/{spec.get('completions', 1)}", _duration(status), *_wide(containers), _selector(spec.get("selector"))]


def _duration(status: dict[str, Any]) -> str:
    start, end = status.get("startTime"), status.get("completionTime")
    if not start:
        return ""
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()  # noqa: E731
    return human_duration((parse(end) if end else datetime.now(UTC).timestamp()) - parse(start))


def _count(key: str) -> Callable[[dict[str, Any]], Row]:
    return lambda obj: [len(obj.get(key) or {}) + (len(obj.get("binaryData") or {}) if key == "data" else 0)]


_PRINTERS: dict[tuple[str, str], tuple[list[Column], Callable[[dict[str, Any]], Row]]] = {
    ("apps", "Deployment"): ([("Ready", "string", 0), ("Up-to-date", "string", 0), ("Available", "string", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _deployment),
    ("apps", "ReplicaSet"): ([("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _replicaset),
    ("apps", "StatefulSet"): ([("Ready", "string", 0), ("Containers", "string", 1), ("Images", "string", 1)], _statefulset),
    ("apps", "DaemonSet"): (
        [("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0), ("Up-to-date", "integer", 0), ("Available", "integer", 0), ("Node Selector", "string", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)],
        _daemonset,
    ),
    ("", "Pod"): ([("Ready", "string", 0), ("Status", "string", 0), ("Restarts", "string", 0), ("IP", "string", 1), ("Node", "string", 1), ("Nominated Node", "string", 1), ("Readiness Gates", "string", 1)], _pod),
    ("", "Service"): ([("Type", "string", 0), ("Cluster-IP", "string", 0), ("External-IP", "string", 0), ("Port(s)", "string", 0), ("Selector", "string", 1)], _service),
    ("batch", "Job"): ([("Status", "string", 0), ("Completions", "string", 0), ("Duration", "string", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _job),
    ("", "ConfigMap"): ([("Data", "integer", 0)], _count("data")),
    ("", "Secret"): ([("Type", "string", 0), ("Data", "integer", 0)], lambda obj: [obj.get("type", "Opaque"), len(obj.get("data") or {})]),
    ("", "Namespace"): ([("Status", "string", 0)], lambda obj: [(obj.get("status") or {}).get("phase", "Active")]),
    ("", "ServiceAccount"): ([("Secrets", "string", 0)], lambda obj: [len(obj.get("secrets") or [])]),
}


# ---- CRD additionalPrinterColumns: the JSONPath subset CRDs use ------------------------------------------

_STEP = re.compile(r"""\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*['"]([^'"]*)['"]\)\]|\['([^']+)'\]""")


def jsonpath(obj: Any, path: str) -> Any:
    """The value at a CRD column's ``jsonPath`` (``.spec.size``, ``.a[0].b``, ``.conditions[?(@.type=="Ready")].status``)."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    values = [obj]
    position = 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            return _MISSING
        position = match.end()
        field, index, filter_key, filter_value, quoted = match.groups()
        out: list[Any] = []
        for value in values:
            if field is not None or quoted is not None:
                key = field if field is not None else quoted
                if isinstance(value, dict) and key in value:
                    out.append(value[key])
            elif index is not None:
                if isinstance(value, list) and int(index) < len(value):
                    out.append(value[int(index)])
            elif isinstance(value, list):
                out.extend(item for item in value if isinstance(item, dict) and str(jsonpath(item, "." + filter_key)) == filter_value)
        values = out
    return values[0] if len(values) == 1 else (values if values else _MISSING)


def _custom_cell(value: Any, column: dict[str, Any], now: float) -> Any:
    if value is _MISSING or value is None:
        return None
    if column.get("type") == "date":
        return _age(value, now)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return value


# ---- the Table ---------------------------------------------------------------------------------------------


def _definition(name: str, type_: str, priority: int, description: str = "", fmt: str = "") -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}


def columns_and_cells(kind: Kind, now: float) -> tuple[list[dict[str, Any]], Callable[[dict[str, Any]], Row]]:
    """The column definitions of ``kind`` and a function giving an object's cells."""
    name_column = _definition("Name", "string", 0, "Name must be unique within a namespace.", "name")
    age = lambda obj: _age(obj["metadata"].get("creationTimestamp"), now)  # noqa: E731
    if kind.printer_columns:
        custom = list(kind.printer_columns)
        definitions = [name_column] + [_definition(c.get("name", ""), c.get("type", "string"), int(c.get("priority", 0)), c.get("description", ""), c.get("format", "")) for c in custom]
        return definitions, lambda obj: [obj["metadata"]["name"], *(_custom_cell(jsonpath(obj, c.get("jsonPath", "")), c, now) for c in custom)]
    if (kind.group, kind.kind) == ("apiextensions.k8s.io", "CustomResourceDefinition"):
        return [name_column, _definition("Created At", "date", 0)], lambda obj: [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp")]
    printer = _PRINTERS.get((kind.group, kind.kind))
    if printer is None:
        return [name_column, _definition("Age", "string", 0)], lambda obj: [obj["metadata"]["name"], age(obj)]
    extra, cells = printer
    normal = [c for c in extra if c[2] == 0]
    wide = [c for c in extra if c[2] == 1]
    definitions = [name_column] + [_definition(n, t, p) for n, t, p in normal] + [_definition("Age", "string", 0)] + [_definition(n, t, p) for n, t, p in wide]

    def row(obj: dict[str, Any]) -> Row:
        values = cells(obj)
        return [obj["metadata"]["name"], *values[: len(normal)], age(obj), *values[len(normal) :]]

    return definitions, row


def table(kind: Kind, objects: list[dict[str, Any]], resource_version: str, now: float, include_object: str = "Metadata") -> dict[str, Any]:
    """A ``meta.k8s.io/v1`` Table of ``objects``; ``include_object`` as the ``includeObject`` parameter."""
    definitions, cells = columns_and_cells(kind, now)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version}, "columnDefinitions": definitions, "rows": rows}
