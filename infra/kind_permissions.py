"""The AWS actions of the allowed ACK kinds, for the role that reconciles nodes (no ``service:*``).

Reads (Describe/Get/List/Head) are allowed on the service's resources in this account and region. Every
mutating action is allowed as :mod:`infra.kind_conditions` says: on resources carrying kroless's ownership
tag, for a create that carries it, for a tag call that adds it (adoption tags first), on the types it only
references, or unconditioned where the service offers no tag condition (listed with the reason). An explicit
Deny (:meth:`KindPermissions.guard`) keeps the kind actions off kroless's own resources: its roles and
managed policies (no permission-granting IAM action, no PassRole), functions, table, bus and rules, state
machines: an adoption tag cannot make them kroless-managed.

The reconcile role's statements go in customer managed policies of at most :data:`MANAGED_POLICY_SIZE`
characters each (IAM's limits: 6,144 per managed policy, 10,240 for all inline policies of a role together,
which every service's statements exceed); the readers' stay inline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.kind_actions import actions_for, is_unscoped, passed_to_services, service_linked_roles
from infra.kind_conditions import REFERENCED, UNCONDITIONED, Grant, condition, grants, resource_arn
from infra.nag import acknowledge, finding
from kroless.providers.aws.iam_actions import IAM_PREFIX
from kroless.providers.aws.table import Kind

# IAM counts a policy's characters without whitespace: 6,144 for a managed policy. Leave room for the
# document's frame and for values longer than the stand-ins of :func:`policy_size`.
MANAGED_POLICY_SIZE = 5_600
MANAGED_POLICIES_PER_ROLE = 10  # IAM's default quota of managed policies attached to one role
# stand-ins for values known at deploy time, as long as they get (GovCloud's partition, the longest region)
_LONGEST = {"AWS::Partition": "aws-us-gov", "AWS::Region": "ap-southeast-4", "AWS::AccountId": "123456789012"}
_ATTRIBUTE = "arn:aws-us-gov:lambda:ap-southeast-4:123456789012:function:" + "x" * 64  # a GetAtt/Ref: an ARN

# the CloudFormation types of kroless's own resources the kind actions could reach, and their ARN attribute
# ("" for Ref): guarded by KindPermissions.guard
OWN_TYPES: dict[str, tuple[str, str]] = {
    "AWS::IAM::Role": ("iam", "Arn"),
    "AWS::IAM::ManagedPolicy": ("iam", ""),
    "AWS::Lambda::Function": ("lambda", "Arn"),
    "AWS::DynamoDB::Table": ("dynamodb", "Arn"),
    "AWS::Events::EventBus": ("events", "Arn"),
    "AWS::Events::Rule": ("events", "Arn"),
    "AWS::SNS::Topic": ("sns", ""),
    "AWS::StepFunctions::StateMachine": ("states", ""),
}


@dataclass(frozen=True)
class KindPermissionsProps:
    role: iam.IRole
    kinds: Sequence[Kind]
    read_only: bool = False  # only Describe/Get/List/Head: roles that compare, never change


def service_resources(stack: Stack, service: str) -> list[str]:
    """Every resource of ``service`` in this account and region: instances are named by RGD authors at run
    time, so no narrower ARN is known at deploy time. Some services' ARNs leave the region or the account out
    (S3 buckets and Route 53 zones both; API Gateway the account; IAM and Organizations the region): a
    statement in the usual shape would match none of their resources."""
    partition, region, account = stack.partition, stack.region, stack.account
    if service in ("s3", "route53"):
        return [f"arn:{partition}:{service}:::*"]
    if service == "apigateway":
        return [f"arn:{partition}:apigateway:{region}::*"]
    if service == "organizations":
        return [f"arn:{partition}:organizations::{account}:*"]
    if service == "iam":
        return [f"arn:{partition}:iam::{account}:role/*", f"arn:{partition}:iam::{account}:policy/*"]
    return [f"arn:{partition}:{service}:{region}:{account}:*"]


def type_resource(stack: Stack, pattern: str) -> str:
    """A resource type's ARN pattern from the reference with this stack's partition, region and account and
    ``*`` for every name (``...:db:${DbInstanceName}`` -> ``...:db:*``)."""
    known = {"Partition": stack.partition, "Region": stack.region, "Account": stack.account}
    return re.sub(r"\$\{(\w+)\}", lambda m: known.get(m.group(1), "*"), pattern)


def statement_id(*words: str) -> str:
    """A Sid AWS accepts in an identity policy: letters and digits only (``emr-containers`` -> ``EmrContainers``)."""
    return "".join(part[:1].upper() + part[1:] for word in words for part in re.split(r"[^A-Za-z0-9]+", word))


def policy_size(stack: Stack, statements: Sequence[iam.PolicyStatement]) -> int:
    """The characters IAM counts for ``statements`` once deployed, with the longest values tokens may take."""
    return len(json.dumps([_deployed(stack.resolve(s.to_statement_json())) for s in statements], separators=(",", ":")))


def _deployed(value: Any) -> Any:
    if isinstance(value, list):
        return [_deployed(v) for v in value]
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(str(_deployed(p)) for p in parts)
        if "Ref" in value:
            return _LONGEST.get(value["Ref"], _ATTRIBUTE)
        if "Fn::GetAtt" in value:
            return _ATTRIBUTE
        return {k: _deployed(v) for k, v in value.items()}
    return value


class KindPermissions(Construct):
    """The kinds' statements: reads per service, the mutating actions per service and condition, iam:PassRole
    and service-linked roles, and the actions AWS authorizes only on ``*`` (EC2 Describe*)."""

    def __init__(self, scope: Construct, construct_id: str, props: KindPermissionsProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._role = props.role
        self.passed_to: list[str] = []
        self.actions = actions_for(props.kinds, read_only=props.read_only)
        self.grants: list[Grant] = [] if props.read_only else grants(props.kinds)
        # ARNs name the service by its IAM prefix (states, not stepfunctions), which some services share (docdb, rds)
        reads: dict[str, set[str]] = {}
        for service, actions in actions_for(props.kinds, read_only=True).items():
            reads.setdefault(IAM_PREFIX.get(service, service), set()).update(actions)
        statements: list[iam.PolicyStatement] = []
        unscoped: list[str] = []
        wildcards: set[str] = set()
        for prefix, actions in sorted((prefix, sorted(actions)) for prefix, actions in reads.items()):
            scoped = [a for a in actions if not is_unscoped(a)]
            unscoped.extend(a for a in actions if is_unscoped(a))
            if scoped:
                resources = service_resources(stack, prefix)
                sid = statement_id("Kinds", prefix) if props.read_only else statement_id("Kinds", prefix, "Read")
                statements.append(iam.PolicyStatement(sid=sid, actions=scoped, resources=resources))
                wildcards.update(resources)
        statements += self._grant_statements(stack, wildcards)
        if not props.read_only:
            statements += self._role_statements(stack, props.kinds, wildcards)
        if unscoped:
            statements.append(iam.PolicyStatement(sid="KindsDescribe", actions=sorted(unscoped), resources=["*"]))
            acknowledge(self, "AwsSolutions-IAM5[Resource::*]", f"{', '.join(sorted(unscoped))}: AWS authorizes these only on *")
        for resource in sorted(wildcards):
            acknowledge(
                self,
                finding("AwsSolutions-IAM5", self, resource=resource),
                "resources of the allowed kinds are named by RGD authors at run time; "
                + (
                    "only the reading operations of the allowed kinds, in this account and region"
                    if props.read_only
                    else "each mutating action is conditioned on kroless's ownership tag, or limited to the types it "
                    "references, or listed in the README as having no tag condition"
                ),
            )
        self.statements = statements
        self.policy: iam.Policy | None = None
        self.managed_policies: list[iam.ManagedPolicy] = []
        if not statements:
            return
        if props.read_only:  # a few reads per service: inline
            self.policy = iam.Policy(self, "Policy", statements=statements)
            props.role.attach_inline_policy(self.policy)
            return
        chunks = _chunks(stack, statements)
        if len(chunks) > MANAGED_POLICIES_PER_ROLE:
            raise ValueError(
                f"allowedServices/allowedKinds: the {len(props.kinds)} allowed AWS kinds need {len(chunks)} managed "
                f"policies of {MANAGED_POLICY_SIZE:,} characters on the reconcile role, over IAM's limit of "
                f"{MANAGED_POLICIES_PER_ROLE} per role; allow fewer: name the kinds the RGDs use in allowedKinds"
            )
        for index, chunk in enumerate(chunks):
            self.managed_policies.append(
                iam.ManagedPolicy(
                    self,
                    f"Policy{index}",
                    description=f"kroless reconcile: the allowed AWS kinds' actions ({index + 1})",
                    statements=chunk,
                    roles=[props.role],
                )
            )

    def _grant_statements(self, stack: Stack, wildcards: set[str]) -> list[iam.PolicyStatement]:
        """One statement per service, condition and resources, with the actions granted that way."""
        groups: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
        for grant in self.grants:
            prefix = grant.action.split(":", 1)[0]
            if grant.how == REFERENCED:
                resources = tuple(sorted({type_resource(stack, resource_arn(grant.action, t)) for t in grant.types}))
            else:
                resources = tuple(service_resources(stack, prefix))
            key = (prefix, grant.how, json.dumps(condition(grant), sort_keys=True), resources)
            groups.setdefault(key, []).append(grant.action)
        statements = []
        seen: dict[str, int] = {}
        for (prefix, how, conditions, resources), actions in sorted(groups.items()):
            sid = statement_id("Kinds", prefix, how.title())
            seen[sid] = seen.get(sid, 0) + 1
            if seen[sid] > 1:
                sid += str(seen[sid])
            parsed = json.loads(conditions)
            statements.append(
                iam.PolicyStatement(
                    sid=sid, actions=sorted(set(actions)), resources=list(resources), conditions=parsed or None
                )
            )
            wildcards.update(r for r in resources if "*" in r)
        return statements

    def _role_statements(self, stack: Stack, kinds: Sequence[Kind], wildcards: set[str]) -> list[iam.PolicyStatement]:
        """iam:PassRole for kinds whose spec names a role (only to their services), and the service-linked
        roles their services create on first use in an account (an RDS instance in a fresh account)."""
        statements = []
        roles = f"arn:{stack.partition}:iam::{stack.account}:role/*"
        self.passed_to = passed_to_services(kinds)
        if self.passed_to:
            statements.append(
                iam.PolicyStatement(
                    sid="PassRolesToKindServices",
                    actions=["iam:PassRole"],
                    resources=[roles],
                    conditions={"StringEquals": {"iam:PassedToService": self.passed_to}},
                )
            )
            acknowledge(
                self,
                finding("AwsSolutions-IAM5", self, resource=roles),
                "RGD authors name the roles their resources run as (a Lambda function's role, an EKS cluster's "
                f"role); they may be passed only to {', '.join(self.passed_to)}, never kroless's own (the guard)",
            )
        linked = service_linked_roles(kinds)
        if linked:
            service_roles = f"arn:{stack.partition}:iam::{stack.account}:role/aws-service-role/*"
            statements.append(
                iam.PolicyStatement(
                    sid="ServiceLinkedRoles",
                    actions=["iam:CreateServiceLinkedRole"],
                    resources=[service_roles],
                    conditions={"StringEquals": {"iam:AWSServiceName": linked}},
                )
            )
            acknowledge(
                self,
                finding("AwsSolutions-IAM5", self, resource=service_roles),
                "a service creates its service-linked role on first use in an account; only for " + ", ".join(linked),
            )
        return statements

    def guarded_actions(self) -> dict[str, list[str]]:
        """Per IAM prefix, the actions the guard denies on kroless's own resources: every mutating action the
        kinds are granted, and iam:PassRole."""
        out: dict[str, set[str]] = {}
        for grant in self.grants:
            out.setdefault(grant.action.split(":", 1)[0], set()).add(grant.action)
        if self.passed_to:
            out.setdefault("iam", set()).add("iam:PassRole")
        return {prefix: sorted(actions) for prefix, actions in sorted(out.items())}

    def guard(self, own: Mapping[str, Sequence[str]]) -> iam.Policy | None:
        """Deny the kinds' mutating actions (and iam:PassRole) on kroless's own resources, per IAM prefix
        (:func:`own_resources`). Inline: it names the managed policies above, which must not name themselves."""
        statements = [
            iam.PolicyStatement(
                sid=statement_id("KrolessOwn", prefix),
                effect=iam.Effect.DENY,
                actions=actions,
                resources=list(own[prefix]),
            )
            for prefix, actions in self.guarded_actions().items()
            if own.get(prefix)
        ]
        if not statements:
            return None
        policy = iam.Policy(self, "Guard", statements=statements)
        self._role.attach_inline_policy(policy)
        return policy


def own_resources(stack: Stack, state_machine_prefix: str) -> dict[str, list[str]]:
    """The ARNs of kroless's own resources per IAM prefix: every resource of the stack of the types in
    :data:`OWN_TYPES`, and the state machines the compile function creates (``<prefix>*``)."""
    own: dict[str, list[str]] = {
        "states": [f"arn:{stack.partition}:states:{stack.region}:{stack.account}:stateMachine:{state_machine_prefix}*"]
    }
    for construct in stack.node.find_all():
        if isinstance(construct, CfnResource) and construct.cfn_resource_type in OWN_TYPES:
            prefix, attribute = OWN_TYPES[construct.cfn_resource_type]
            arn = construct.get_att(attribute).to_string() if attribute else construct.ref
            own.setdefault(prefix, []).append(arn)
    return own


def _chunks(stack: Stack, statements: Sequence[iam.PolicyStatement]) -> list[list[iam.PolicyStatement]]:
    """Statements in order, cut into documents of at most MANAGED_POLICY_SIZE characters."""
    chunks: list[list[iam.PolicyStatement]] = [[]]
    for statement in statements:
        if chunks[-1] and policy_size(stack, [*chunks[-1], statement]) > MANAGED_POLICY_SIZE:
            chunks.append([])
        chunks[-1].append(statement)
    return chunks


__all__ = ["UNCONDITIONED", "KindPermissions", "KindPermissionsProps", "own_resources", "service_resources"]
