"""Which resource a CloudTrail call touched.

Derived from the AWS provider's per-kind entries (:mod:`kroless.providers.aws.catalog`), the same entries that
drive the provider and the IAM policy: every call the provider makes for a kind names the parameter that
identifies the resource (``DeleteDBInstance`` ``{"DBInstanceIdentifier": "{name}"}``, the security-group
rule calls ``{"GroupId": "{id}"}``, tag calls ``{"ResourceName": "{arn}"}``). CloudTrail logs those
parameters under the same names in lowerCamelCase (``dBInstanceIdentifier``, ``groupId``; EC2 lists as
``resourcesSet.items[].resourceId``; S3 names the bucket ``bucketName``), so the drift function finds the
value by folded name and looks it up in the ownership index:

* an ARN is looked up as it is (the node's ``physicalId``);
* a name or a generated id is looked up as the alias ``alias:<service>/<Kind>/<value>``, which the
  reconciler records beside the ARN (:func:`kroless.providers.identity.identifiers`).

Watched calls (the EventBridge rules' event names) are the table's mutating calls that carry an identity,
plus the create call of a named kind (a create that reuses a managed name); a create of a kind whose id AWS
generates always makes a new resource, never drift of an owned one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kroless.drift.cloudtrail import ApiCall
from kroless.providers.aws import catalog
from kroless.providers.aws.table import Kind, kind_calls
from kroless.providers.compare import fold
from kroless.providers.identity import alias

READ_VERBS = ("Describe", "Get", "List", "Head")
_PLACEHOLDER = re.compile(r"^\{(name|id|arn|current\.[A-Za-z0-9_.]*Arn)\}$")
# CloudTrail spells a few parameters unlike the API member: S3's REST APIs log the bucket as bucketName;
# EC2's query API logs a list member under its serialized item name (Resources -> resourcesSet.items[].resourceId).
CLOUDTRAIL_KEYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "Bucket"): ("bucketName",),
    ("ec2", "Resources"): ("resourceId",),
}


@dataclass(frozen=True)
class Address:
    """How one call of one kind names the resource: API members whose value identifies it."""

    kind: Kind
    members: tuple[str, ...]


def _identity_members(params: dict[str, Any]) -> tuple[str, ...]:
    members = []
    for member, template in params.items():
        value = template[0] if isinstance(template, list) and template else template
        if isinstance(value, str) and _PLACEHOLDER.match(value):
            members.append(member)
    return tuple(members)


def _name_members(kind: Kind) -> tuple[str, ...]:
    """The members a named kind's own delete/read calls use for its name (a create's name member)."""
    for call in (kind.delete, kind.read):
        members = tuple(m for m, t in call.params.items() if t == "{name}")
        if members:
            return members
    return ()


@lru_cache(maxsize=1)
def addresses() -> dict[tuple[str, str], tuple[Address, ...]]:
    """``(botocore service, operation)`` -> how each kind's call of that operation names its resource."""
    table: dict[tuple[str, str], list[Address]] = {}
    for kind in catalog.all_kinds():  # the hand table and the generic engine's kinds
        for call in kind_calls(kind):
            if call.op.startswith(READ_VERBS):
                continue
            members = _identity_members(call.params)
            if not members and call is kind.create and kind.name:
                members = _name_members(kind)
            if not members:
                continue
            entry = table.setdefault((kind.botocore, call.op), [])
            address = Address(kind, members)
            if address not in entry:
                entry.append(address)
    return {key: tuple(value) for key, value in sorted(table.items())}


def watched_calls(kinds: Iterable[Kind] | None = None) -> dict[str, list[str]]:
    """botocore service -> the operations whose CloudTrail events can be drift of ``kinds`` (default: all)."""
    allowed = None if kinds is None else {(k.service, k.kind) for k in kinds}
    out: dict[str, set[str]] = {}
    for (service, operation), found in addresses().items():
        if allowed is None or any((a.kind.service, a.kind.kind) in allowed for a in found):
            out.setdefault(service, set()).add(operation)
    return {service: sorted(ops) for service, ops in sorted(out.items())}


def _find(document: Any, keys: set[str]) -> list[str]:
    """String values under any of ``keys`` (folded), at the shallowest depth where one is found (a
    security group's own ``groupId`` wins over the ``groupId`` of a group its rules reference)."""
    level = [document]
    while level:
        found: list[str] = []
        deeper: list[Any] = []
        for node in level:
            if isinstance(node, dict):
                for key, value in node.items():
                    if fold(str(key)) in keys:
                        found.extend(str(v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, (str, int)))
                    elif isinstance(value, (dict, list)):
                        deeper.append(value)
            elif isinstance(node, list):
                deeper.extend(node)
        if found:
            return found
        level = deeper
    return []


@dataclass(frozen=True)
class Touched:
    """A resource a call touched: the kind, the value found, and the ownership-index keys to look up."""

    kind: Kind
    value: str
    keys: tuple[str, ...]


def touched(call: ApiCall) -> list[Touched]:
    """Every (kind, identifier) the call may have touched; empty for calls kroless does not watch."""
    out: list[Touched] = []
    for address in addresses().get((call.service, call.operation), ()):
        keys = {fold(m) for m in address.members}
        for member in address.members:
            keys.update(fold(k) for k in CLOUDTRAIL_KEYS.get((address.kind.botocore, member), ()))
        values = _find(call.request, keys) or _find(call.response, keys)
        for value in dict.fromkeys(values):
            lookup = [alias(address.kind, value)]
            if value.startswith("arn:"):
                lookup.insert(0, value)
            out.append(Touched(address.kind, value, tuple(lookup)))
    return out
