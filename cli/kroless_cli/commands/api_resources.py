"""``kroless api-resources``: the kinds an RGD can use with kroless, in kubectl's columns.

kubectl lists what the API server serves; kroless's equivalent is what it can create, read and delete for an
RGD: the Kubernetes built-ins (on the cluster, by server-side apply), the ACK kinds its AWS provider serves,
Kro's ResourceGraphDefinition, and the APIs of the RGDs registered on the target (nested instances). The
registered APIs need the target: the local cloud when it is already running (it is not started for this), or
the deployed stack (``--target aws``); without one the list says so on stderr and leaves them out.

``--all`` adds the ACK kinds kroless knows the CRD of but does not serve yet (an RGD using one is refused),
with a SERVED column, so a user can tell "not yet" from "no such kind".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from kroless.errors import KrolessError
from kroless.model.rgd import RGD_API_VERSION, RGD_KIND
from kroless.providers.served import ack_kind_served, unserved_reason
from kroless.schemas.ack import ack_kinds, is_ack_group
from kroless.schemas.kubernetes import builtin_kinds, builtin_namespaced, builtin_plural
from kroless.simpleschema.plural import pluralize

# The short names the API server gives the built-ins (kubectl api-resources); discovery is their only source,
# and the Kubernetes client kroless's schemas come from does not carry them.
BUILTIN_SHORT_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "ComponentStatus"): ("cs",),
    ("", "ConfigMap"): ("cm",),
    ("", "Endpoints"): ("ep",),
    ("", "Event"): ("ev",),
    ("", "LimitRange"): ("limits",),
    ("", "Namespace"): ("ns",),
    ("", "Node"): ("no",),
    ("", "PersistentVolumeClaim"): ("pvc",),
    ("", "PersistentVolume"): ("pv",),
    ("", "Pod"): ("po",),
    ("", "ReplicationController"): ("rc",),
    ("", "ResourceQuota"): ("quota",),
    ("", "ServiceAccount"): ("sa",),
    ("", "Service"): ("svc",),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): ("crd", "crds"),
    ("apps", "DaemonSet"): ("ds",),
    ("apps", "Deployment"): ("deploy",),
    ("apps", "ReplicaSet"): ("rs",),
    ("apps", "StatefulSet"): ("sts",),
    ("autoscaling", "HorizontalPodAutoscaler"): ("hpa",),
    ("batch", "CronJob"): ("cj",),
    ("certificates.k8s.io", "CertificateSigningRequest"): ("csr",),
    ("events.k8s.io", "Event"): ("ev",),
    ("networking.k8s.io", "Ingress"): ("ing",),
    ("networking.k8s.io", "NetworkPolicy"): ("netpol",),
    ("policy", "PodDisruptionBudget"): ("pdb",),
    ("scheduling.k8s.io", "PriorityClass"): ("pc",),
    ("storage.k8s.io", "StorageClass"): ("sc",),
}


@dataclass
class APIResource:
    name: str  # the plural, as kubectl calls it
    group: str
    version: str
    kind: str
    namespaced: bool
    short_names: list[str] = field(default_factory=list)
    served: bool = True
    provider: str = ""  # kubernetes | aws | kroless (nested instance, rgd named) | kro
    reason: str = ""  # why an ACK kind is not served (its AWS provider cannot make one of its calls)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shortNames": self.short_names,
            "group": self.group,
            "version": self.version,
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespaced": self.namespaced,
            "served": self.served,
            "provider": self.provider,
            **({"reason": self.reason} if self.reason else {}),
        }


_VERSION = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?")


def version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes' order of versions: GA over beta over alpha, then the higher number (v2 > v1 > v1beta2)."""
    match = _VERSION.fullmatch(version)
    if match is None:
        return (-1, 0, 0)
    level = {"alpha": 0, "beta": 1, None: 2}[match.group(2)]
    return (level, int(match.group(1)), int(match.group(3) or 0))


def builtin_resources() -> list[APIResource]:
    """One row per built-in group and kind, at its preferred version (autoscaling/v2, not v1)."""
    newest: dict[tuple[str, str], str] = {}
    for api_version, kind in builtin_kinds():
        group, _, version = api_version.rpartition("/")
        current = newest.get((group, kind))
        if current is None or version_priority(version) > version_priority(current.rpartition("/")[2]):
            newest[(group, kind)] = api_version
    rows = []
    for (group, kind), api_version in newest.items():
        rows.append(
            APIResource(
                name=str(builtin_plural(api_version, kind)),
                group=group,
                version=api_version.rpartition("/")[2],
                kind=kind,
                namespaced=bool(builtin_namespaced(api_version, kind)),
                short_names=list(BUILTIN_SHORT_NAMES.get((group, kind), ())),
                provider="kubernetes",
            )
        )
    return rows


def ack_resources(*, include_unserved: bool) -> list[APIResource]:
    rows = []
    for ack in ack_kinds():
        served = ack_kind_served(ack.service, ack.kind)
        if served or include_unserved:
            rows.append(
                APIResource(
                    name=ack.plural,
                    group=ack.group,
                    version=ack.version,
                    kind=ack.kind,
                    namespaced=ack.namespaced,
                    short_names=list(ack.short_names),
                    served=served,
                    provider="aws" if served else "",
                    reason="" if served else unserved_reason(ack.service, ack.kind),
                )
            )
    return rows


def rgd_resource() -> APIResource:
    group, _, version = RGD_API_VERSION.rpartition("/")
    return APIResource(
        name="resourcegraphdefinitions",
        group=group,
        version=version,
        kind=RGD_KIND,
        namespaced=False,
        short_names=["rgd"],
        provider="kro",
    )


def registered_apis(documents: list[tuple[str, dict[str, Any]]]) -> list[APIResource]:
    """The API each registered RGD (name, document) serves, named as Kro names its CRD."""
    rows = []
    for name, document in documents:
        schema = document.get("spec", {}).get("schema", {})
        rows.append(
            APIResource(
                name=pluralize(schema["kind"].lower()),
                group=schema.get("group") or "kro.run",
                version=schema["apiVersion"],
                kind=schema["kind"],
                namespaced=schema.get("scope") != "Cluster",
                short_names=list(schema.get("shortNames") or []),
                provider=f"kroless (rgd {name})",
            )
        )
    return rows


def _registered(args: argparse.Namespace) -> tuple[list[tuple[str, dict[str, Any]]], str | None]:
    """The registered RGDs of the target, or why there are none to list (a note for stderr)."""
    from kroless_cli.commands.target import aws_target, local_target
    from kroless_cli.localcloud.server import running

    try:
        if args.target == "aws":
            target = aws_target(args.stack, args.region)
        elif running(args.state_dir) is None:
            return [], "the local cloud is not running (`kroless local up`): the APIs of registered RGDs are not listed"
        else:
            target = local_target(args.state_dir, args.stack)
        return [(r.name, r.document) for r in target.store.list_rgds()], None
    except Exception as err:  # noqa: BLE001 - any failure to reach the target means the same thing here
        message = err.message if isinstance(err, KrolessError) else str(err)
        return [], f"the APIs of registered RGDs are not listed: {message}"


def api_resources(args: argparse.Namespace) -> int:
    registered, note = _registered(args)
    if note:
        print(f"kroless api-resources: {note}", file=sys.stderr)
    rows = builtin_resources() + [rgd_resource()] + registered_apis(registered) + ack_resources(include_unserved=args.all)
    if args.api_group is not None:
        rows = [r for r in rows if r.group == args.api_group]
    if args.namespaced is not None:
        rows = [r for r in rows if r.namespaced == (args.namespaced == "true")]
    rows.sort(key=_order)
    if args.output == "json":
        sys.stdout.write(json.dumps([r.as_json() for r in rows], indent=2) + "\n")
    elif args.output == "name":
        for row in rows:
            print(f"{row.name}.{row.group}" if row.group else row.name)
    else:
        _print_table(rows, args)
    return 0


def _order(row: APIResource) -> tuple[int, str, str]:
    """kubectl's order: the built-in groups (the core group first), then the custom resources' groups: Kro's,
    the registered RGDs' APIs, ACK's."""
    rank = 0 if row.provider == "kubernetes" else 1 if row.provider == "kro" else 3 if is_ack_group(row.group) else 2
    return rank, row.group, row.name


def _print_table(rows: list[APIResource], args: argparse.Namespace) -> None:
    header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    if args.all:
        header.append("SERVED")
    if args.output == "wide":
        header.append("PROVIDER")
    table = [] if args.no_headers else [header]
    for row in rows:
        cells = [row.name, ",".join(row.short_names), row.api_version, str(row.namespaced).lower(), row.kind]
        if args.all:
            cells.append(str(row.served).lower())
        if args.output == "wide":
            cells.append(row.provider or "-")
        table.append(cells)
    if not table:
        return
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("   ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "api-resources",
        help="the kinds an RGD can use: Kubernetes built-ins, ACK kinds kroless serves, registered RGD APIs",
        description=(__doc__ or "").split("\n\n")[1],
    )
    parser.add_argument("--all", action="store_true", help="also the ACK kinds kroless does not serve yet")
    parser.add_argument("-o", "--output", choices=["wide", "name", "json"])
    parser.add_argument("--api-group", help="only this API group ('' for the core group)")
    parser.add_argument("--namespaced", choices=["true", "false"], help="only namespaced (or cluster-scoped) kinds")
    parser.add_argument("--no-headers", action="store_true")
    parser.add_argument("--target", choices=["local", "aws"], default="local", help="where RGDs are registered")
    parser.add_argument("--stack", default="Kroless", help="the deployed stack (--target aws)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--state-dir", default=".kroless/local", help="the local cloud's state folder")
