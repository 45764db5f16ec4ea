"""The AWS actions of the allowed ACK kinds, for the role that reconciles nodes (no ``service:*``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.kind_actions import actions_for, is_unscoped, passed_to_services, service_linked_roles
from infra.nag import acknowledge, finding
from kroless.providers.aws.iam_actions import IAM_PREFIX
from kroless.providers.aws.table import Kind


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


def statement_id(*words: str) -> str:
    """A Sid AWS accepts in an identity policy: letters and digits only (``emr-containers`` -> ``EmrContainers``)."""
    return "".join(part[:1].upper() + part[1:] for word in words for part in re.split(r"[^A-Za-z0-9]+", word))


class KindPermissions(Construct):
    """One statement per service: its actions on its resources in this account/region; plus one statement
    of the actions AWS authorizes only on ``*`` (EC2 Describe*)."""

    def __init__(self, scope: Construct, construct_id: str, props: KindPermissionsProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.actions = actions_for(props.kinds, read_only=props.read_only)
        statements: list[iam.PolicyStatement] = []
        unscoped: list[str] = []
        acknowledged: list[tuple[str, str]] = []
        for service, actions in self.actions.items():
            scoped = [a for a in actions if not is_unscoped(a)]
            unscoped.extend(a for a in actions if is_unscoped(a))
            if scoped:
                # ARNs name the service by its IAM prefix (states, not stepfunctions; elasticloadbalancing)
                prefix = IAM_PREFIX.get(service, service)
                resources = service_resources(stack, prefix)
                statements.append(
                    iam.PolicyStatement(sid=statement_id("Kinds", prefix), actions=scoped, resources=resources)
                )
                for resource in resources:
                    acknowledged.append(
                        (
                            finding("AwsSolutions-IAM5", self, resource=resource),
                            f"{service} resources are named by RGD authors at run time; the statement holds only the "
                            f"{'reading ' if props.read_only else ''}operations of the allowed {service} kinds, in this "
                            "account and region",
                        )
                    )
        if not props.read_only:
            statements += self._role_statements(stack, props.kinds, acknowledged)
        if unscoped:
            statements.append(iam.PolicyStatement(sid="KindsDescribe", actions=sorted(unscoped), resources=["*"]))
            acknowledged.append(
                ("AwsSolutions-IAM5[Resource::*]", f"{', '.join(sorted(unscoped))}: AWS authorizes these only on *")
            )
        self.policy: iam.Policy | None = None
        if statements:
            self.policy = iam.Policy(self, "Policy", statements=statements)
            props.role.attach_inline_policy(self.policy)
            for rule_id, reason in acknowledged:
                acknowledge(self.policy, rule_id, reason)

    def _role_statements(
        self, stack: Stack, kinds: Sequence[Kind], acknowledged: list[tuple[str, str]]
    ) -> list[iam.PolicyStatement]:
        """iam:PassRole for kinds whose spec names a role (only to their services), and the service-linked
        roles their services create on first use in an account (an RDS instance in a fresh account)."""
        statements = []
        roles = f"arn:{stack.partition}:iam::{stack.account}:role/*"
        passed_to = passed_to_services(kinds)
        if passed_to:
            statements.append(
                iam.PolicyStatement(
                    sid="PassRolesToKindServices",
                    actions=["iam:PassRole"],
                    resources=[roles],
                    conditions={"StringEquals": {"iam:PassedToService": passed_to}},
                )
            )
            acknowledged.append(
                (
                    finding("AwsSolutions-IAM5", self, resource=roles),
                    "RGD authors name the roles their resources run as (a Lambda function's role, an EKS cluster's "
                    f"role); they may be passed only to {', '.join(passed_to)}",
                )
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
            acknowledged.append(
                (
                    finding("AwsSolutions-IAM5", self, resource=service_roles),
                    "a service creates its service-linked role on first use in an account; only for "
                    + ", ".join(linked),
                )
            )
        return statements
