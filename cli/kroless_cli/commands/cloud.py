"""The commands that talk to a control plane: apply, get, describe, delete, local (kubectl habits).

``apply`` validates locally first (the same code the functions run), so bad input is one clear line and
nothing is sent; then it puts the event on the bus and shows the reconcile live until it settles.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import textwrap
import time
from typing import Any

from kroless.compiler import is_rgd
from kroless.errors import KrolessError
from kroless.model import Document, load_path
from kroless.runtime.objects import instance_object, rgd_object
from kroless.simpleschema.plural import pluralize
from kroless.store import InstanceKey, InstanceRecord, NodeRecord, manifest_hash, redact_secrets
from kroless_cli.commands.output import emit, to_yaml
from kroless_cli.commands.output import table as _table
from kroless_cli.commands.plan import (
    Prepared,
    changes,
    kubernetes,
    located_name,
    prepare,
    print_changes,
    with_namespace,
)
from kroless_cli.commands.registration import wait_registered
from kroless_cli.commands.target import Target, target_of
from kroless_cli.commands.watch import watch

TERMINAL = {"ACTIVE", "ERROR"}


def _documents(paths: list[str]) -> list[Document]:
    documents: list[Document] = []
    for path in paths:
        documents.extend(load_path(path))
    return documents


def _age(timestamp: str | None) -> str:
    if not timestamp:
        return "-"
    then = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    seconds = int((datetime.datetime.now(datetime.UTC) - then).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# -- apply ---------------------------------------------------------------------------------------------


def apply(args: argparse.Namespace) -> int:
    documents = _documents(args.filename)
    if not documents:  # kubectl's words, before anything is started
        raise KrolessError(f"{', '.join(args.filename)}: no objects passed to apply")
    target = target_of(args, start=args.dry_run == "none")
    prepared = prepare(target, documents, args.namespace)  # all checked: a bad one sends nothing
    if args.dry_run != "none":
        print_changes(changes(target, prepared), dry_run=True)
        return 0
    for item in prepared:
        try:
            code = _apply_one(args, target, item)
        except KrolessError as err:
            raise err.at(file=item.document.file, name=located_name(item.document)) from None
        if code:
            return code
    return 0


def _apply_one(args: argparse.Namespace, target: Target, item: Prepared) -> int:
    document, graph, key = item.document, item.graph, item.key
    where = f"{document.file}: {document.name}"
    if is_rgd(document):
        assert graph is not None
        event_id = target.put("ResourceGraphDefinition Applied", document.body)
        wait_registered(target.store, document.body, event_id, args.timeout)
        print(f"{where}: ResourceGraphDefinition registered ({graph.kind}, {len(graph.nodes)} resources)")
        return 0
    if graph is None or key is None:
        _apply_plain(target, document)
        return 0
    before = target.store.get_instance(key)
    written = manifest_hash(redact_secrets(item.defaulted))  # what the admit function stores for this document
    target.put("Instance Applied", item.body)
    print(f"{where}: {graph.kind} applied")
    if args.wait:
        record = _follow(target, key, before, args.timeout, graph.topological_order, written)
        if record is None or record.state != "ACTIVE":
            return 1
    return 0


def _apply_plain(target: Target, document: Document) -> None:
    """A plain Kubernetes object (e.g. what an externalRef reads): kubectl's job, done for the local cloud."""
    from kroless.providers.base import Ownership

    provider = kubernetes(target)
    body = dict(document.body)
    metadata = dict(body.get("metadata") or {})
    annotations = dict(metadata.get("annotations") or {})
    annotations["kroless.dev/adopt"] = "true"
    metadata["annotations"] = annotations
    body["metadata"] = metadata
    provider.apply(body, Ownership(instance="kubectl", node="kubectl"), adopt=True)
    print(f"{document.file}: {document.name}: {document.kind} applied to the local Kubernetes API")


def _admitted(record: InstanceRecord, before: InstanceRecord | None, written: str | None) -> bool:
    """Whether ``record`` is the generation this apply wrote (``written``: its manifest hash; None: any, for
    a new instance), not the one before it: the admit function runs after the event is put, and until then
    the old generation may well look settled. The same manifest again admits nothing new (the running or
    settled generation is it), except after an ERROR, when it starts a new generation."""
    if written is not None and record.manifest_hash != written:
        return False
    if before is None or record.generation > before.generation:
        return True
    return before.manifest_hash == written and before.state != "ERROR"


def _follow(
    target: Target,
    key: InstanceKey,
    before: InstanceRecord | None,
    timeout: float,
    order: list[str],
    written: str | None = None,
) -> InstanceRecord | None:
    """Show node states live until the generation this apply wrote settles (ACTIVE or ERROR) or the timeout."""
    started = time.monotonic()
    seen: dict[str, str] = {}
    record = None
    while time.monotonic() - started < timeout:
        record = target.store.get_instance(key)
        if record is not None and _admitted(record, before, written):
            for node in target.store.get_nodes(key):
                if node.index is not None or node.generation != record.generation:
                    continue
                if seen.get(node.node_id) != node.state:
                    seen[node.node_id] = str(node.state)
                    error = f"  {node.error.message}" if node.error else ""
                    print(f"  [{time.monotonic() - started:6.1f}s] {node.node_id:<20} {node.state}{error}", flush=True)
            if record.observed_generation == record.generation and record.state in TERMINAL:
                print(f"{key}: {record.state}")
                if record.state == "ERROR":
                    _print_failure(record)
                return record
        time.sleep(0.3)
    print(f"{key}: still {record.state if record else 'pending'} after {timeout:.0f} s", file=sys.stderr)
    return record


def _print_failure(record: InstanceRecord) -> None:
    for condition in record.conditions:
        if condition.get("status") == "False":
            print(f"  {condition['type']}: {condition.get('message', '')}", file=sys.stderr)


# -- get / describe --------------------------------------------------------------------------------------


RGD_NAMES = ("rgd", "rgds", "resourcegraphdefinition", "resourcegraphdefinitions", "resourcegraphdefinitions.kro.run")


def _resolve_kind(target: Target, kind: str) -> str:
    """An RGD name from what a user types for a resource type, as kubectl reads it: the kind, its plural (Kro's
    pluralizer, the CRD's ``spec.names.plural``), a short name, or any of them with ``.<group>``."""
    wanted = kind.lower()
    for record in target.store.list_rgds():
        schema = record.document["spec"]["schema"]
        group = schema.get("group") or "kro.run"
        names = {schema["kind"].lower(), pluralize(schema["kind"].lower())}
        names |= {s.lower() for s in schema.get("shortNames") or []}
        if wanted in names | {f"{name}.{group}" for name in names}:
            return record.name
    raise KrolessError(f'the server doesn\'t have a resource type "{kind}"')


def _namespace(args: argparse.Namespace) -> str | None:
    """kubectl's namespace: ``-n``, else ``default``; None for ``-A`` (every namespace)."""
    if getattr(args, "all_namespaces", False):
        if getattr(args, "name", None):
            raise KrolessError("a resource cannot be retrieved by name across all namespaces")  # kubectl's words
        return None
    return str(args.namespace or "default")


def _in_namespace(record: InstanceRecord, namespace: str | None) -> bool:
    return namespace is None or record.key.cluster_scoped or record.key.namespace == namespace


def _no_resources(namespace: str | None, cluster_scoped: bool) -> None:
    where = "" if namespace is None or cluster_scoped else f" in {namespace} namespace"
    print(f"No resources found{where}.", file=sys.stderr)


def _as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}


def get(args: argparse.Namespace) -> int:
    target = target_of(args)
    if args.kind.lower() in RGD_NAMES:
        return _get_rgds(target, args)
    rgd = _resolve_kind(target, args.kind)
    graph = target.registry.graph(rgd)
    namespace = _namespace(args)

    def listed() -> list[InstanceRecord]:
        return [i for i in target.store.list_instances(rgd) if args.name in (None, i.key.name) and _in_namespace(i, namespace)]

    instances = listed()
    if args.name and not instances:
        raise KrolessError(f'{pluralize(graph.kind.lower())}.{graph.group} "{args.name}" not found')
    if args.watch and args.output not in (None, "wide"):
        raise KrolessError("-w prints table rows: use it without -o, or with -o wide")
    served = target.store.get_rgd(rgd)
    documents = [(i.key.name, lambda i=i: instance_object(i, served)) for i in instances]
    if _printed_as_documents(args, f"{graph.kind.lower()}.{graph.group}", documents):
        return 0
    all_namespaces = namespace is None and graph.namespaced
    header = ["NAMESPACE"] * all_namespaces + ["NAME", "STATE", "READY", "GENERATION", "AGE"] + ["MESSAGE"] * (args.output == "wide")

    def row(i: InstanceRecord) -> list[str]:
        ready = next((c for c in i.conditions if c.get("type") == "Ready"), {})
        cells = [i.key.namespace] * all_namespaces + [i.key.name, i.state, ready.get("status", "Unknown"), str(i.generation), _age(i.created_at)]
        message = " ".join(ready.get("message", "").split("\n"))  # Kro joins several errors by newlines; a row is one line
        return cells + [message] * (args.output == "wide")

    rows = [header, *(row(i) for i in instances)]
    if instances:
        _table(rows)
    else:
        _no_resources(namespace, not graph.namespaced)
    if args.watch:
        widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
        return watch(listed, row, widths, instances, args.request_timeout)
    return 0


def _printed_as_documents(args: argparse.Namespace, resource: str, objects: list[tuple[str, Any]]) -> bool:
    """``-o yaml|json`` (one named object, else a kind: List) or ``-o name`` (``<resource>/<name>``); False for a table."""
    if args.output in ("yaml", "json"):
        documents = [document() for _, document in objects]
        emit([documents[0] if args.name else _as_list(documents)], args.output)
        return True
    if args.output == "name":
        for name, _ in objects:
            print(f"{resource}/{name}")
        return True
    return False


def _get_rgds(target: Target, args: argparse.Namespace) -> int:
    records = [r for r in target.store.list_rgds() if args.name in (None, r.name)]
    if args.name and not records:
        raise KrolessError(f'resourcegraphdefinitions.kro.run "{args.name}" not found')
    documents = [(r.name, lambda r=r: rgd_object(r, target.store.get_rgd_rejection(r.name))) for r in records]
    if _printed_as_documents(args, "resourcegraphdefinition.kro.run", documents):
        return 0
    if not records:
        _no_resources(None, True)
        return 0
    rows = [["NAME", "APIVERSION", "KIND", "STATE", "AGE"]]
    for r in records:
        schema = r.document["spec"]["schema"]
        rows.append([r.name, schema["apiVersion"], schema["kind"], r.state, _age(r.created_at)])
    _table(rows)
    return 0


def _print_conditions(conditions: list[dict[str, Any]]) -> None:
    print("Conditions:")
    for condition in conditions:
        # a message of several lines (Kro joins node errors by newlines) continues under the first
        message = condition.get("message", "").replace("\n", "\n" + " " * 49)
        print(f"  {condition['type']:<16} {condition['status']:<8} {condition.get('reason', ''):<20} {message}")


def _describe_rgd(target: Target, name: str) -> int:
    record = target.store.get_rgd(name)
    if record is None:
        raise KrolessError(f'resourcegraphdefinitions.kro.run "{name}" not found')
    served = rgd_object(record, target.store.get_rgd_rejection(name))
    schema = record.document["spec"]["schema"]
    status = served["status"]
    instances = target.store.list_instances(name)
    print(f"Name:          {name}")
    print(f"API:           {schema.get('group') or 'kro.run'}/{schema['apiVersion']} {schema['kind']}")
    print(f"State:         {status['state']}")
    print(f"Revision:      {record.revision} (lastIssuedRevision)")
    print(f"Created:       {record.created_at}")
    print(f"Instances:     {len(instances)}")
    _print_conditions(status["conditions"])
    print(f"Topological order: {' -> '.join(status['topologicalOrder'])}")
    print("Resources:")
    rows = [["ID", "DEPENDS ON"]]
    rows += [[r["id"], ", ".join(d["id"] for d in r["dependencies"]) or "-"] for r in status["resources"]]
    _table([["  " + r[0], *r[1:]] for r in rows])
    return 0


def find_instance(target: Target, args: argparse.Namespace) -> InstanceRecord:
    """The instance ``args.kind`` ``args.name`` in kubectl's namespace (``-n``, else default), or kubectl's NotFound."""
    rgd = _resolve_kind(target, args.kind)
    namespace = _namespace(args)
    matches = [i for i in target.store.list_instances(rgd) if i.key.name == args.name and _in_namespace(i, namespace)]
    if not matches:
        graph = target.registry.graph(rgd)
        raise KrolessError(f'{pluralize(graph.kind.lower())}.{graph.group} "{args.name}" not found')
    return matches[0]


def describe(args: argparse.Namespace) -> int:
    target = target_of(args)
    if args.kind.lower() in RGD_NAMES:
        return _describe_rgd(target, args.name)
    record = find_instance(target, args)
    key = record.key
    print(f"Name:          {key.name}")
    print(f"Namespace:     {key.namespace}")
    print(f"API:           {key.api_version} {key.kind} (ResourceGraphDefinition {record.rgd})")
    print(f"Generation:    {record.generation} (observed {record.observed_generation})")
    print(f"State:         {record.state}")
    served = instance_object(record, target.store.get_rgd(record.rgd))
    print(f"UID:           {record.uid}")
    labels = served["metadata"]["labels"]
    print(f"Labels:        {', '.join(f'{k}={v}' for k, v in sorted(labels.items()))}")
    print(f"Finalizers:    {', '.join(served['metadata']['finalizers'])}")
    _print_conditions(record.conditions)
    status = {k: v for k, v in record.status.items() if k not in ("conditions", "state")}
    if status:
        print("Status:")
        print(textwrap.indent(to_yaml(status), "  "), end="")
    print("Resources:")
    rows = [["ID", "STATE", "GENERATION", "STARTED", "READY", "ERROR"]]
    for node in sorted(target.store.get_nodes(key), key=_node_order(target, record)):
        item = node.node_id if node.index is None else f"{node.node_id}[{node.index}]"
        error = f"{node.error.message}" if node.error else ""
        rows.append([item, str(node.state), str(node.generation), node.started_at or "-", node.ready_at or "-", error])
    _table([["  " + r[0], *r[1:]] for r in rows])
    _print_drift(target, key)
    _print_executions(target, record)
    return 0


def _node_order(target: Target, record: InstanceRecord) -> Any:
    order = target.registry.graph(record.rgd).topological_order

    def position(node: NodeRecord) -> tuple[int, int]:
        index = order.index(node.node_id) if node.node_id in order else len(order)
        return index, -1 if node.index is None else node.index

    return position


def _print_drift(target: Target, key: InstanceKey) -> None:
    reports = target.store.list_drift(key)
    if not reports:
        return
    print(f"Drift (last {min(len(reports), 5)} of {len(reports)}):")
    for record in reports[-5:]:
        report = record.report
        who = report.get("who") or report.get("userIdentity") or report.get("source", "")
        print(f"  {record.detected_at}  {record.node_id:<16} {report.get('change', '')}  by {who}")


def _print_executions(target: Target, record: InstanceRecord) -> None:
    from kroless.statemachine import state_machine_name

    sfn = target.client("stepfunctions")
    name = state_machine_name(record.rgd, target.state_machine_prefix)
    account = target.client("sts").get_caller_identity()["Account"]
    arn = f"arn:aws:states:{target.region}:{account}:stateMachine:{name}"
    try:
        executions = sfn.list_executions(stateMachineArn=arn, maxResults=50)["executions"]
    except Exception:  # noqa: BLE001 - describe still shows the table state without Step Functions access
        return
    prefix = f"{record.key.name}-"
    mine = [e for e in executions if e["name"].startswith(prefix)][:5]
    if not mine:
        return
    print("Executions:")
    for execution in mine:
        print(f"  {execution['name']:<40} {execution['status']:<10} {execution['startDate']}")
        url = target.console_url(execution["executionArn"])
        if url:
            print(f"    {url}")


# -- delete ----------------------------------------------------------------------------------------------


def delete(args: argparse.Namespace) -> int:
    target = target_of(args)
    documents: list[dict[str, Any]] = []
    if args.filename:
        for document in _documents(args.filename):
            try:  # -n as on apply: fills in a missing namespace, refuses a different one
                documents.append(document.body if is_rgd(document) else with_namespace(document.body, args.namespace))
            except KrolessError as err:
                raise err.at(file=document.file, name=located_name(document)) from None
    elif args.kind and args.name:
        if args.kind.lower() in ("rgd", "resourcegraphdefinition"):
            documents = [
                {"apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition", "metadata": {"name": args.name}}
            ]
        else:
            record = target.store.get_rgd(_resolve_kind(target, args.kind))
            assert record is not None
            schema = record.document["spec"]["schema"]
            api_version = f"{schema.get('group') or 'kro.run'}/{schema['apiVersion']}"
            metadata = {"name": args.name, "namespace": _namespace(args)}
            documents = [{"apiVersion": api_version, "kind": schema["kind"], "metadata": metadata}]
    else:
        raise KrolessError("delete needs -f FILE or KIND NAME")
    code = 0
    # instances before the RGDs that define them
    for body in sorted(documents, key=lambda b: b.get("kind") == "ResourceGraphDefinition"):
        name = (body.get("metadata") or {}).get("name")
        if body.get("kind") == "ResourceGraphDefinition":
            live = target.store.list_instances(name)
            if live:
                print(f"{name}: refused: {len(live)} instance(s) still exist; delete them first", file=sys.stderr)
                code = 1
                continue
            target.put("ResourceGraphDefinition Deleted", body)
            _wait_gone(lambda n=name: target.store.get_rgd(n), args.timeout)
            print(f"resourcegraphdefinition {name} deleted")
            continue
        rgd = target.registry.apis().get((body.get("apiVersion", ""), body.get("kind", "")))
        if rgd is None:
            continue
        key = InstanceKey.from_manifest(body, cluster_scoped=not target.registry.graph(rgd).namespaced)
        if target.store.get_instance(key) is None:
            print(f"{body['kind']} {name} not found", file=sys.stderr)
            code = 1
            continue
        target.put("Instance Deleted", body)
        print(f"{body['kind']} {name}: deleting")
        if not _wait_gone(lambda k=key: target.store.get_instance(k), args.timeout):
            print(f"{body['kind']} {name}: still deleting after {args.timeout:.0f} s", file=sys.stderr)
            code = 1
        else:
            print(f"{body['kind']} {name} deleted")
    return code


def _wait_gone(read: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read() is None:
            return True
        time.sleep(0.3)
    return False


# -- local -----------------------------------------------------------------------------------------------


def local(args: argparse.Namespace) -> int:
    from kroless_cli.localcloud import server

    if args.action == "up":
        record = server.start_background(args.state_dir)
        if record.get("startedNow") and record.get("discarded"):
            print(record["discarded"])
        print(f"local cloud running: AWS endpoint {record['endpoint']}, Kubernetes API {record['kubernetes']}")
        if record.get("kubeconfig"):
            print(f"kubectl: export KUBECONFIG={record['kubeconfig']}  (or kubectl --kubeconfig {record['kubeconfig']} get ns)")
    elif args.action == "down":
        print("local cloud stopped" if server.stop(args.state_dir) else "local cloud was not running")
    else:
        current = server.running(args.state_dir)  # its administrator's keys stay in the state folder
        print(f"running (pid {current['pid']}): AWS endpoint {current['endpoint']}, Kubernetes API {current['kubernetes']}" if current else "not running")
    return 0
