"""Which condition each mutating action of the AWS kinds gets, so the reconcile role changes only what kroless
created or adopted: the resources carrying kroless's ownership tag ``kroless:instance``.

The facts come from the AWS Service Authorization Reference (``infra/service_authorization.json``, written by
``tools/gen_service_authorization.py``); what a call does to the resource comes from the provider's per-kind
table (``infra.kind_actions.operation_roles``). An action gets:

* ``create`` (a): the kind's create call carries the ownership tags (EC2's TagSpecifications, a Tags member):
  allowed when the request carries ``kroless:instance`` (``aws:RequestTag``);
* ``owned`` (b): calls on the kind's existing resource (updates, attributes, members, deletes), the tag call
  for the spec's tags and the untag call: allowed on resources carrying ``kroless:instance`` (``aws:ResourceTag``);
* ``adopt`` (c): the tag call, also allowed when the request adds ``kroless:instance`` (``aws:RequestTag`` and
  ``aws:TagKeys``): an adoption tags first, then changes (``AwsProvider.check_owner`` writes the ownership tags
  before any update), and a create whose tags go in a second call (S3) or that AWS authorizes as a tag call too
  (``ec2:CreateTags`` for TagSpecifications, ``rds:AddTagsToResource``, ``iam:TagRole``) passes this way;
* ``referenced``: the other resource types a conditioned action names, which kroless refers to but does not
  change (the VPC of a new subnet, the parameter group of a cache cluster, the rule of a new security group):
  allowed without condition on those types' ARNs only, so the condition still holds for the kind's own type;
* ``unconditioned`` (d): where the service has no usable tag condition for the action; each with its reason
  (:func:`grants` lists them, the README's table is generated from them).

A resource type the reference names for a condition key gets that key only on that type's ARN (EC2 and
ElastiCache judge ``aws:RequestTag`` on the created type alone): the conditioned statement covers the service,
the referenced types get their own unconditioned statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from infra.kind_actions import CREATE, EXISTING, TAG, UNTAG, create_carries_tags, operation_roles
from kroless.providers.aws.iam_actions import iam_action
from kroless.providers.aws.table import Kind
from kroless.providers.base import INSTANCE_TAG

DATA = Path(__file__).with_name("service_authorization.json")
OWNER_TAG = INSTANCE_TAG  # written at create (or right after) and at adoption; never removed by kroless

REQUEST_TAG = "aws:RequestTag/${TagKey}"
RESOURCE_TAG = "aws:ResourceTag/${TagKey}"
TAG_KEYS = "aws:TagKeys"

# How a grant is conditioned.
CREATED = "create"
OWNED = "owned"
ADOPTED = "adopt"
REFERENCED = "referenced"
UNCONDITIONED = "unconditioned"

# Services whose tag condition keys the reference lists but kroless cannot use: every action of theirs is
# unconditioned, for this reason.
UNUSABLE: dict[str, str] = {
    "s3": (
        "S3 judges aws:ResourceTag on a general purpose bucket only once ABAC is enabled on it (off by default; "
        "an ABAC bucket refuses PutBucketTagging, the call kroless and ACK tag with), and CreateBucket carries "
        "no tags from the provider (tagged by PutBucketTagging right after)"
    ),
    "apigateway": (
        "API Gateway authorizes one action per HTTP verb (POST, PATCH, DELETE) for every resource path, and an "
        "HTTP API's routes, integrations and authorizers carry no tags (the V2 API has no tag inheritance)"
    ),
}


@dataclass(frozen=True)
class Grant:
    """One action allowed one way: ``types`` are the resource types of a ``referenced`` grant (the others cover
    the service's resources); ``tag_keys``: the action takes ``aws:TagKeys`` (``adopt``)."""

    action: str
    how: str
    types: tuple[str, ...] = ()
    reason: str = ""
    tag_keys: bool = False


@cache
def service_authorization() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text())
    return data


def facts(action: str) -> dict[str, Any]:
    actions = service_authorization()["actions"]
    if action not in actions:
        raise KeyError(f"{action}: not in {DATA.name}; run tools/gen_service_authorization.py")
    entry: dict[str, Any] = actions[action]
    return entry


def resource_arn(action: str, rtype: str) -> str:
    """The reference's ARN pattern of a resource type (``${Partition}``, ``${Region}``, ``${Account}`` kept)."""
    return str(facts(action)["resources"][rtype]["arn"])


def _resource_tag(action: str, rtype: str) -> bool:
    entry = facts(action)
    resource = entry["resources"].get(rtype, {})
    return RESOURCE_TAG in entry["keys"] or RESOURCE_TAG in resource.get("keys", []) or RESOURCE_TAG in resource.get(
        "type_keys", []
    )


def _created_types(action: str) -> tuple[bool, list[str]]:
    """(the request tag is judged for every resource of the action, the types it is judged on otherwise)."""
    entry = facts(action)
    if REQUEST_TAG in entry["keys"]:
        return True, []
    return False, sorted(t for t, r in entry["resources"].items() if REQUEST_TAG in r["keys"])


def kind_types(kind: Kind) -> list[str]:
    """The reference's resource types of ``kind``'s own resource: those its delete call requires (all the
    delete call names when it requires none: ELBv2's load balancer types)."""
    resources = facts(iam_action(kind.botocore, kind.delete.op))["resources"]
    required = sorted(t for t, r in resources.items() if r["required"])
    return required or sorted(resources)


def _others(action: str, targets: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(facts(action)["resources"]) - set(targets)))


def _targets(action: str, types: set[str]) -> list[str]:
    resources = facts(action)["resources"]
    own = sorted(t for t in resources if t in types)
    return own or sorted(t for t, r in resources.items() if r["required"]) or sorted(resources)


def _create(action: str, carries_tags: bool) -> list[Grant]:
    if not carries_tags:
        return [Grant(action, UNCONDITIONED, reason="the create call carries no tags (the API takes none)")]
    everywhere, created = _created_types(action)
    if everywhere:
        return [Grant(action, CREATED)]
    if created:
        referenced = _others(action, created)
        return [Grant(action, CREATED)] + ([Grant(action, REFERENCED, referenced)] if referenced else [])
    return [Grant(action, UNCONDITIONED, reason="the service has no request-tag condition for this action")]


def _existing(action: str, types: set[str]) -> list[Grant]:
    if not facts(action)["resources"]:
        return [Grant(action, UNCONDITIONED, reason="the action names no resource type (nothing to condition on)")]
    targets = _targets(action, types)
    if not all(_resource_tag(action, t) for t in targets):
        missing = ", ".join(t for t in targets if not _resource_tag(action, t))
        return [Grant(action, UNCONDITIONED, reason=f"service has no resource-tag condition for this action ({missing})")]
    referenced = _others(action, targets)
    return [Grant(action, OWNED)] + ([Grant(action, REFERENCED, referenced)] if referenced else [])


def _untag(action: str, types: set[str]) -> list[Grant]:
    """Untag names only the kind's resource: no referenced types (the others are other resources entirely)."""
    targets = _targets(action, types)
    if targets and all(_resource_tag(action, t) for t in targets):
        return [Grant(action, OWNED)]
    return [Grant(action, UNCONDITIONED, reason="service has no resource-tag condition for this untag action")]


def _tag(action: str, types: set[str]) -> list[Grant]:
    targets = _targets(action, types)
    owned = bool(targets) and all(_resource_tag(action, t) for t in targets)
    everywhere, created = _created_types(action)
    adopt = everywhere or bool(set(created) & set(targets))
    if owned and adopt:
        entry = facts(action)
        tag_keys = TAG_KEYS in entry["keys"] or all(TAG_KEYS in entry["resources"][t]["keys"] for t in targets)
        return [Grant(action, OWNED), Grant(action, ADOPTED, tag_keys=tag_keys)]
    why = "resource-tag" if not owned else "request-tag"
    return [Grant(action, UNCONDITIONED, reason=f"service has no {why} condition for this tag action")]


def grants(kinds: Iterable[Kind]) -> list[Grant]:
    """How each mutating action of ``kinds`` is allowed (an unconditioned grant makes the others moot: then it
    is the only one, with every reason)."""
    uses: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        types = set(kind_types(kind))
        for op, roles in operation_roles(kind).items():
            action = iam_action(kind.botocore, op)
            use = uses.setdefault(action, {"roles": set(), "types": set(), "tags": True})
            use["roles"] |= roles
            use["types"] |= types
            if CREATE in roles:
                use["tags"] = use["tags"] and create_carries_tags(kind)
    out: list[Grant] = []
    for action, use in sorted(uses.items()):
        prefix = action.split(":", 1)[0]
        if prefix in UNUSABLE:
            out.append(Grant(action, UNCONDITIONED, reason=UNUSABLE[prefix]))
            continue
        found: list[Grant] = []
        if CREATE in use["roles"]:
            found += _create(action, use["tags"])
        if EXISTING in use["roles"]:
            found += _existing(action, use["types"])
        if TAG in use["roles"]:
            found += _tag(action, use["types"])
        if UNTAG in use["roles"]:
            found += _untag(action, use["types"])
        loose = [g for g in found if g.how == UNCONDITIONED]
        if loose:
            found = [Grant(action, UNCONDITIONED, reason="; ".join(dict.fromkeys(g.reason for g in loose)))]
        out += list(dict.fromkeys(found))
    return out


def condition(grant: Grant) -> dict[str, Any] | None:
    """The statement condition of a grant (None: none)."""
    if grant.how == CREATED:
        return {"Null": {f"aws:RequestTag/{OWNER_TAG}": "false"}}
    if grant.how == OWNED:
        return {"Null": {f"aws:ResourceTag/{OWNER_TAG}": "false"}}
    if grant.how == ADOPTED:
        found: dict[str, Any] = {"Null": {f"aws:RequestTag/{OWNER_TAG}": "false"}}
        if grant.tag_keys:
            found["ForAnyValue:StringEquals"] = {TAG_KEYS: [OWNER_TAG]}
        return found
    return None


def unconditioned_table(kinds: Iterable[Kind]) -> str:
    """The README's table: the mutating actions allowed without a tag condition (grouped by reason), then the
    resource types allowed without one because an action only references them."""
    found = grants(kinds)
    reasons: dict[str, list[str]] = {}
    for grant in found:
        if grant.how == UNCONDITIONED:
            reasons.setdefault(grant.reason, []).append(grant.action)
    rows = ["| actions (on all the service's resources) | why no tag condition |", "|---|---|"]
    rows += [f"| {', '.join(f'`{a}`' for a in actions)} | {reason} |" for reason, actions in reasons.items()]
    rows += ["", "| action (its own resource conditioned) | referenced types, allowed without condition |", "|---|---|"]
    rows += [f"| `{g.action}` | {', '.join(f'`{t}`' for t in g.types)} |" for g in found if g.how == REFERENCED]
    return "\n".join(rows)


README = Path(__file__).resolve().parent.parent / "README.md"
_BEGIN, _END = "<!-- unconditioned-actions:begin -->", "<!-- unconditioned-actions:end -->"


def update_readme(path: Path = README) -> None:
    """Write :func:`unconditioned_table` between the README's markers."""
    from infra.kind_actions import all_kinds

    text = path.read_text()
    head, rest = text.split(_BEGIN, 1)
    _, tail = rest.split(_END, 1)
    path.write_text(f"{head}{_BEGIN}\n{unconditioned_table(all_kinds())}\n{_END}{tail}")


if __name__ == "__main__":  # python -m infra.kind_conditions: the README's table from the kind table and the data
    update_readme()
