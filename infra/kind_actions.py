"""IAM actions of the ACK kinds a deployment allows, derived from the AWS provider's per-kind entries.

The provider's entries (``kroless.providers.aws.catalog``: the hand table and the generic engine's) name every botocore operation it calls for a kind: create,
read, delete, find, updates, attribute and member calls, tag reads and writes. The IAM action of an
operation is ``<service prefix>:<OperationName>`` except where a service authorizes a call under another
name (S3's bucket sub-resources, API Gateway's HTTP verbs); those exceptions are listed in
``kroless.providers.aws.iam_actions`` (the local cloud's IAM check uses them too), and a test checks that every operation
of the table maps to an action this module knows.

The reconcile function's role gets exactly these actions, nothing with a service-wide wildcard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from kroless.drift.identity import READ_VERBS  # read-only calls: CloudTrail does not deliver them to EventBridge
from kroless.providers.aws import catalog
from kroless.providers.aws.iam_actions import iam_action
from kroless.providers.aws.table import Kind, kind_calls, untag_call
from kroless.providers.compare import fold

# What a call does to the resource, for its IAM condition (infra.kind_conditions):
CREATE = "create"  # the kind's create call: a resource that does not exist yet
EXISTING = "existing"  # updates, attributes, members, deletes, untag: the kind's resource exists
TAG = "tag"  # the kind's tag call: after create (S3), on adoption, and for the spec's tags
UNTAG = "untag"  # removing a spec tag kroless applied, from the kind's existing resource

# Actions that AWS does not scope to a resource: IAM only accepts them with "Resource": "*".
# (EC2's Describe* calls take no resource ARN; see "Actions, resources, and condition keys for Amazon EC2".)
UNSCOPED_PREFIXES: tuple[str, ...] = ("ec2:Describe",)



# Kinds whose spec names an IAM role the service assumes: creating them needs iam:PassRole, and only to that
# service (condition iam:PassedToService).
ROLE_PASSED_TO: dict[tuple[str, str], str] = {
    ("lambda", "Function"): "lambda.amazonaws.com",  # spec.role
    ("eks", "Cluster"): "eks.amazonaws.com",  # spec.roleARN
    ("eks", "Nodegroup"): "eks.amazonaws.com",  # spec.nodeRole
    ("eks", "PodIdentityAssociation"): "pods.eks.amazonaws.com",  # spec.roleARN
    ("sfn", "StateMachine"): "states.amazonaws.com",  # spec.roleARN
    ("eventbridge", "Rule"): "events.amazonaws.com",  # spec.targets[].roleARN
    ("rds", "DBInstance"): "monitoring.rds.amazonaws.com",  # spec.monitoringRoleARN
    ("apigatewayv2", "Integration"): "apigateway.amazonaws.com",  # spec.credentialsARN
    ("apigatewayv2", "Authorizer"): "apigateway.amazonaws.com",  # spec.authorizerCredentialsARN
}

# The service-linked roles a service creates on first use in an account (the caller needs
# iam:CreateServiceLinkedRole for them, condition iam:AWSServiceName).
SERVICE_LINKED_ROLES: dict[str, tuple[str, ...]] = {
    "rds": ("rds.amazonaws.com",),
    "elasticache": ("elasticache.amazonaws.com",),
    "eks": ("eks.amazonaws.com", "eks-nodegroup.amazonaws.com"),
    "elbv2": ("elasticloadbalancing.amazonaws.com",),
    "emrcontainers": ("emr-containers.amazonaws.com",),
}


def passed_to_services(kinds: Iterable[Kind]) -> list[str]:
    """The services the allowed kinds pass IAM roles to (iam:PassedToService values)."""
    return sorted({ROLE_PASSED_TO[(k.service, k.kind)] for k in kinds if (k.service, k.kind) in ROLE_PASSED_TO})


def service_linked_roles(kinds: Iterable[Kind]) -> list[str]:
    """The service-linked roles the allowed kinds' services may need created (iam:AWSServiceName values)."""
    return sorted({name for k in kinds for name in SERVICE_LINKED_ROLES.get(k.service, ())})


def kind_operations(kind: Kind) -> set[str]:
    """Every botocore operation the kind's table entry names (the drift rules watch the mutating ones)."""
    return {call.op for call in kind_calls(kind)}


@cache
def _operation_names(service: str) -> frozenset[str]:
    import botocore.session

    return frozenset(botocore.session.get_session().get_service_model(service).operation_names)


def untag_operation(kind: Kind) -> str | None:
    """The operation removing a tag kroless applied, as the provider derives it (``table.untag_call``)."""
    call = untag_call(kind, _operation_names(kind.botocore))
    return call.op if call is not None else None


def called_operations(kind: Kind) -> set[str]:
    """Every botocore operation the provider may call for ``kind``: the table's and the untag call."""
    untag = untag_operation(kind)
    return kind_operations(kind) | ({untag} if untag else set())


def operation_roles(kind: Kind) -> dict[str, set[str]]:
    """The mutating operations of ``kind`` and what each does to the resource (CREATE, EXISTING, TAG, UNTAG)."""
    roles: dict[str, set[str]] = {}
    for call in kind_calls(kind):
        if call.op.startswith(READ_VERBS):
            continue
        role = CREATE if call is kind.create else TAG if call is kind.tag else EXISTING
        roles.setdefault(call.op, set()).add(role)
    untag = untag_operation(kind)
    if untag:
        roles.setdefault(untag, set()).add(UNTAG)
    return roles


def create_carries_tags(kind: Kind) -> bool:
    """Whether the provider's create call carries the ownership tags (``AwsProvider._add_tags``): EC2's
    TagSpecifications, or a Tags member of the create input. Otherwise they are written by the tag call
    right after create (S3)."""
    if kind.tag_type:
        return True
    import botocore.session

    model = botocore.session.get_session().get_service_model(kind.botocore)
    shape = model.operation_model(kind.create.op).input_shape
    return any(fold(m) in ("tags", "taglist") for m in shape.members)


@cache
def all_kinds() -> tuple[Kind, ...]:
    """The kinds ``allowedServices`` grants (and the local cloud allows): the provider's whose mutating actions
    are all in infra/service_authorization.json's ``service_wide`` list. Every served kind allowed at once would
    need more than IAM's 10 managed policies per role; the other described kinds are granted by ``allowedKinds``."""
    return tuple(k for k in grantable_kinds() if not ungrantable_action(k, "service_wide"))


@cache
def grantable_kinds() -> tuple[Kind, ...]:
    """Every served kind whose mutating actions IAM's data describes: what ``allowedKinds`` can name."""
    return tuple(k for k in catalog.all_kinds() if not ungrantable_action(k))


def known_services() -> list[str]:
    return sorted({k.service for k in all_kinds()})


def mutating_actions(kind: Kind) -> list[str]:
    return [iam_action(kind.botocore, op) for op in sorted(called_operations(kind)) if not op.startswith(READ_VERBS)]


def ungrantable_action(kind: Kind, section: str = "actions") -> str:
    """A mutating action of ``kind`` that infra/service_authorization.json's ``section`` lacks ("" if none):
    with ``actions``, the reference copy does not describe it (the role's conditions cannot be written)."""
    from infra.kind_conditions import service_authorization

    known = service_authorization()[section]
    return next((action for action in mutating_actions(kind) if action not in known), "")


def select_kinds(services: Sequence[str] = (), kinds: Sequence[str] = ()) -> list[Kind]:
    """The kinds a deployment allows: every kind of ``services`` whose actions IAM's data describes, plus each
    ``<service>/<Kind>`` of ``kinds``.

    An unknown service or kind is an error (a typo must not silently deploy a role without the actions), and so
    is a kind named in ``kinds`` whose actions the data does not describe yet (the generic engine's newer kinds).
    """
    table = all_kinds()
    selected: dict[tuple[str, str], Kind] = {}
    services_known = {k.service for k in table}
    for service in services:
        if service not in services_known:
            raise ValueError(
                f"allowedServices: unknown service {service!r}; known: {', '.join(sorted(services_known))}"
            )
        selected.update({(k.service, k.kind): k for k in table if k.service == service})
    for name in kinds:
        service, _, kind_name = name.partition("/")
        kind = catalog.lookup(service, kind_name)
        if kind is None:
            known = ", ".join(f"{k.service}/{k.kind}" for k in table)
            raise ValueError(f"allowedKinds: unknown kind {name!r} (use <service>/<Kind>); known: {known}")
        missing = ungrantable_action(kind)
        if missing:
            raise ValueError(
                f"allowedKinds: {name}: {missing} is not in the AWS Service Authorization Reference copy "
                "infra/service_authorization.json is generated from (tools/gen_service_authorization.py); "
                "its IAM condition keys are unknown, so kroless does not grant it"
            )
        selected[(kind.service, kind.kind)] = kind
    return sorted(selected.values(), key=lambda k: (k.service, k.kind))


def actions_for(kinds: Iterable[Kind], *, read_only: bool = False) -> dict[str, list[str]]:
    """IAM actions per botocore service, sorted; with ``read_only`` only those of reading operations."""
    out: dict[str, set[str]] = {}
    for kind in kinds:
        operations = {op for op in called_operations(kind) if not read_only or op.startswith(READ_VERBS)}
        out.setdefault(kind.botocore, set()).update(iam_action(kind.botocore, op) for op in operations)
    return {service: sorted(actions) for service, actions in sorted(out.items()) if actions}


def is_unscoped(action: str) -> bool:
    return action.startswith(UNSCOPED_PREFIXES)


def mutating_operations(kinds: Iterable[Kind]) -> dict[str, list[str]]:
    """CloudTrail event names (= operation names) that change resources, per service: the drift rules' input."""
    out: dict[str, set[str]] = {}
    for kind in kinds:
        ops = {op for op in kind_operations(kind) if not op.startswith(READ_VERBS)}
        out.setdefault(kind.service, set()).update(ops)
    return {service: sorted(ops) for service, ops in sorted(out.items())}
