"""What applying files would do: every document checked before anything is sent, then compared with live state.

``apply`` checks all documents first (:func:`prepare`), so a bad document applies nothing of the files; ``kroless
diff`` and ``apply --dry-run`` then compare each with what the target holds (:func:`changes`) and print a change
set in CloudFormation's terms: Add, Modify, Remove per resource, nothing sent.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from kroless.compiler import is_rgd, validate_instance_document
from kroless.errors import KrolessError
from kroless.graph import Graph
from kroless.model import Document, load_path
from kroless.providers.base import DeletionPolicy, deletion_policy
from kroless.schemas.kubernetes import builtin_schema
from kroless.store import InstanceKey, NodeRecord
from kroless_cli.commands.commands import no_matches
from kroless_cli.commands.output import table
from kroless_cli.commands.target import Target, target_of

GONE = {"SKIPPED", "DELETED"}  # node states with no object behind them


@dataclass
class Prepared:
    """A checked document: the body to send; for an instance, its RGD's graph, its key and its spec with defaults."""

    document: Document
    body: dict[str, Any]
    graph: Graph | None = None
    key: InstanceKey | None = None
    defaulted: dict[str, Any] = field(default_factory=dict)


@dataclass
class Change:
    action: str  # Add | Modify | Remove, as in a CloudFormation change set
    resource: str
    kind: str
    details: list[str] = field(default_factory=list)


def located_name(document: Document) -> str:
    """The document's name and its place in its file (1-based, as the loader counts)."""
    return f"{document.name or '<no name>'} (document {document.index + 1})"


def prepare(target: Target, documents: list[Document], namespace: str | None = None) -> list[Prepared]:
    """Check every document as apply would (RGDs compile, instances validate against their RGD among the files or
    registered, their namespace exists); the first problem raises, naming file and document."""
    graphs: dict[tuple[str, str], Graph] = {}
    declared_namespaces = {d.name for d in documents if (d.api_version, d.kind) == ("v1", "Namespace")}
    existing: dict[str, bool] = {}
    prepared = []
    rgds = [d for d in documents if is_rgd(d)]
    for document in sorted(documents, key=lambda d: not is_rgd(d)):  # RGDs first: their APIs, then instances
        try:
            if is_rgd(document):
                # compiled with the registered RGDs and the files' others: an RGD may use the API of one beside it
                graph = target.registry.compile_with_registered(document.name, rgds)[document.name]
                graphs[(graph.instance_api_version, graph.kind)] = graph
                prepared.append(Prepared(document, document.body, graph))
                continue
            api = (document.api_version, document.kind)
            rgd = None if api in graphs else target.registry.apis().get(api)
            if api not in graphs and rgd is None:
                if builtin_schema(*api) is None:
                    raise KrolessError(no_matches(document, "among the files or registered: apply its RGD first"))
                if target.kubernetes_url is None:
                    raise KrolessError(f"{document.kind} is not an RGD or an instance of one; apply it with kubectl")
                prepared.append(Prepared(document, document.body))
                continue
            graph = graphs.get(api) or target.registry.graph(str(rgd))
            body = with_namespace(document.body, namespace) if graph.namespaced else document.body
            defaulted = validate_instance_document(graph, body, redact_values=False, strict=True)  # the user's terminal, as kubectl
            key = InstanceKey.from_manifest(defaulted, cluster_scoped=not graph.namespaced)
            if graph.namespaced and key.namespace not in declared_namespaces:
                _require_namespace(target, key.namespace, existing)
            prepared.append(Prepared(document, body, graph, key, defaulted))
        except KrolessError as err:
            if err.name in (None, "", document.name):
                err.name = located_name(document)
            raise err.at(file=document.file) from None
    return prepared


def with_namespace(body: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    """kubectl's ``-n`` on ``apply -f``: fills in a missing namespace, refuses a different one."""
    metadata = dict(body.get("metadata") or {})
    if namespace is None:
        return body
    if metadata.get("namespace") and metadata["namespace"] != namespace:
        raise KrolessError(
            f'the namespace from the provided object "{metadata["namespace"]}" does not match the namespace '
            f'"{namespace}". You must pass \'--namespace={metadata["namespace"]}\' to perform this operation.'
        )
    return {**body, "metadata": {**metadata, "namespace": namespace}}


def _require_namespace(target: Target, namespace: str, existing: dict[str, bool]) -> None:
    """The API server refuses an object in a namespace that does not exist; so does kroless (where it can ask:
    the local cloud's Kubernetes API)."""
    if target.kubernetes_url is None:
        return
    if namespace not in existing:
        provider = kubernetes(target)
        existing[namespace] = provider.read({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}) is not None
    if not existing[namespace]:
        raise KrolessError(f'namespaces "{namespace}" not found')


def kubernetes(target: Target) -> Any:
    from kroless.providers.kubernetes import KubernetesProvider

    return KubernetesProvider.from_host(str(target.kubernetes_url))


# -- the change set ----------------------------------------------------------------------------------------


def changes(target: Target, prepared: list[Prepared]) -> list[Change]:
    found: list[Change] = []
    for item in prepared:
        if is_rgd(item.document):
            found += _rgd_changes(target, item)
        elif item.key is None:
            found += _plain_changes(target, item)
        else:
            found += _instance_changes(target, item)
    return found


def _rgd_changes(target: Target, item: Prepared) -> list[Change]:
    name = item.document.name
    record = target.store.get_rgd(name)
    if record is None:
        return [Change("Add", name, "ResourceGraphDefinition")]
    old_spec, new_spec = record.document.get("spec") or {}, item.body.get("spec") or {}
    if old_spec == new_spec:
        return []
    old = {r.get("id"): r for r in old_spec.get("resources") or []}
    new = {r.get("id"): r for r in new_spec.get("resources") or []}
    details = [f"resource {rid} added" for rid in new if rid not in old]
    details += [f"resource {rid} removed" for rid in old if rid not in new]
    details += [f"resource {rid} changed" for rid in new if rid in old and new[rid] != old[rid]]
    if old_spec.get("schema") != new_spec.get("schema"):
        details.insert(0, "schema changed")
    live = len(target.store.list_instances(name))
    details.append(f"{live} instance(s) reconcile again")
    return [Change("Modify", name, "ResourceGraphDefinition", details)]


def _plain_changes(target: Target, item: Prepared) -> list[Change]:
    document = item.document
    namespace = (document.body.get("metadata") or {}).get("namespace")
    resource = f"{namespace}/{document.name}" if namespace else document.name
    live = kubernetes(target).read(document.body) if target.kubernetes_url else None
    if live is None:
        return [Change("Add", resource, document.kind)]
    details = _field_changes(live, document.body, [], secret=document.kind == "Secret", only_given=True)
    return [Change("Modify", resource, document.kind, details)] if details else []


def _instance_changes(target: Target, item: Prepared) -> list[Change]:
    from kroless_cli.render_offline import render_instance

    assert item.key is not None and item.graph is not None
    key, graph = item.key, item.graph
    name = key.name if key.cluster_scoped else f"{key.namespace}/{key.name}"
    record = target.store.get_instance(key)
    nodes: dict[tuple[str, int | None], NodeRecord] = {}
    instance = item.defaulted
    found: list[Change] = []
    if record is None:
        found.append(Change("Add", name, graph.kind))
    else:
        nodes = {(n.node_id, n.index): n for n in target.store.get_nodes(key) if n.generation == record.generation}
        old = validate_instance_document(graph, record.manifest, redact_values=False)
        details = _field_changes(old.get("spec") or {}, instance.get("spec") or {}, ["spec"])
        if details:
            found.append(Change("Modify", name, graph.kind, details))
        assigned = record.as_object()["metadata"]  # uid, generation, creationTimestamp: what templates may read
        instance = {**instance, "metadata": {**assigned, **(instance.get("metadata") or {})}}
    observed = {n.node_id: n.observed for n in nodes.values() if n.index is None and n.state == "SYNCED" and n.observed is not None}
    try:
        rendered = render_instance(graph, instance, observed)
    except KrolessError as err:
        raise err.at(file=item.document.file, name=located_name(item.document)) from None
    for entry in rendered["resources"]:
        found += _node_changes(name, entry, nodes)
    return found + _dropped_resources(name, {entry["id"] for entry in rendered["resources"]}, nodes)


def _dropped_resources(instance: str, declared: set[str], nodes: dict[tuple[str, int | None], NodeRecord]) -> list[Change]:
    """Objects of resources the RGD no longer declares: the next reconcile prunes them, each by its policy."""
    dropped = sorted(
        ((node_id, index, n.desired) for (node_id, index), n in nodes.items() if node_id not in declared and n.state not in GONE and n.desired),
        key=lambda item: (item[0], _order(item[1])),
    )
    return [
        Change("Remove", f"{instance}/{node_id}{_at(index)}", str(desired.get("kind", "")), [_PRUNED[deletion_policy(desired)]])
        for node_id, index, desired in dropped
    ]


_PRUNED = {
    DeletionPolicy.DELETE: "no longer in the RGD",
    DeletionPolicy.DETACH: "no longer in the RGD: released, not deleted (deletionPolicy Detach)",
    DeletionPolicy.RETAIN: "no longer in the RGD: left as it is (kroless.dev/deletion-policy Retain)",
}


def _node_changes(instance: str, entry: dict[str, Any], nodes: dict[tuple[str, int | None], NodeRecord]) -> list[Change]:
    rid, kind = entry["id"], entry["kind"]
    if entry.get("externalRef"):
        return []  # read, never written
    live = {index: n for (node_id, index), n in nodes.items() if node_id == rid and n.state not in GONE and n.desired}
    if str(entry.get("includeWhen", "")).startswith("excluded"):
        return [Change("Remove", f"{instance}/{rid}{_at(index)}", kind, ["includeWhen is false"]) for index in sorted(live, key=_order)]
    condition = ["only if includeWhen holds once known"] if entry.get("includeWhen") == "pending" else []
    if entry.get("forEach") == "pending":
        return [Change("Modify" if live else "Add", f"{instance}/{rid}[*]", kind, ["forEach known after apply", *condition])]
    items = entry["items"] if "items" in entry else [entry]
    found = []
    for index, rendered in enumerate(items):
        position = index if "items" in entry else None
        where = f"{instance}/{rid}{_at(position)}"
        unknown = [f"{p['path']}: (known after apply)" for p in rendered["pending"]]
        previous = live.pop(position, None)
        if previous is None:
            found.append(Change("Add", where, kind, unknown + condition))
            continue
        pending = {p["path"] for p in rendered["pending"]}
        details = _field_changes(previous.desired, rendered["manifest"], [], secret=kind == "Secret", skip=pending)
        if details or condition:  # a pending value may well be unchanged: not a change by itself
            found.append(Change("Modify", where, kind, details + condition))
    found += [Change("Remove", f"{instance}/{rid}{_at(index)}", kind, ["no longer in forEach"]) for index in sorted(live, key=_order)]
    return found


def _at(index: int | None) -> str:
    return "" if index is None else f"[{index}]"


def _order(index: int | None) -> int:
    return -1 if index is None else index


def _field_changes(
    old: Any,
    new: Any,
    path: list[str],
    *,
    secret: bool = False,
    only_given: bool = False,
    skip: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """``path: old -> new`` per changed leaf (values of a Secret hidden); ``only_given`` compares just the fields
    ``new`` sets (a live object carries fields the API server adds)."""
    where = ".".join(path)
    if where in skip:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        keys = list(new) if only_given else list(dict.fromkeys([*old, *new]))
        found = []
        for key in keys:
            found += _field_changes(old.get(key), new.get(key), [*path, str(key)], secret=secret, only_given=only_given, skip=skip)
        return found
    if old == new:
        return []
    if secret:
        return [f"{where}: (secret value changed)"]
    return [f"{where}: {_show(old)} -> {_show(new)}"]


def _show(value: Any) -> str:
    text = "(none)" if value is None else json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def print_changes(found: list[Change], *, dry_run: bool) -> None:
    if not found:
        print("No changes.")
        return
    table([["ACTION", "RESOURCE", "KIND", "DETAILS"], *([c.action, c.resource, c.kind, "; ".join(c.details)] for c in found)])
    counts = {action: sum(c.action == action for c in found) for action in ("Add", "Modify", "Remove")}
    suffix = " (dry run: nothing was sent)" if dry_run else ""
    print(f"Plan: {counts['Add']} to add, {counts['Modify']} to change, {counts['Remove']} to remove.{suffix}")


def diff(args: argparse.Namespace) -> int:
    """kubectl diff's exit codes: 0 nothing would change, 1 something would, 2 an error (nothing compared)."""
    try:
        target = target_of(args)
        documents = [document for path in args.filename for document in load_path(path)]
        found = changes(target, prepare(target, documents, args.namespace))
    except KrolessError as err:
        print(err.located(), file=sys.stderr)
        return 2
    print_changes(found, dry_run=False)
    return 1 if found else 0
