"""EKS access for the reconcile role: an access entry per cluster plus eks:DescribeCluster on it.

The clusters must allow access entries (authentication mode ``API`` or ``API_AND_CONFIG_MAP``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import ClusterConfig


@dataclass(frozen=True)
class ClusterAccessProps:
    role: iam.IRole
    clusters: Sequence[ClusterConfig]


class ClusterAccess(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ClusterAccessProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.entries: list[eks.CfnAccessEntry] = []
        if not props.clusters:
            return
        arns = [
            stack.format_arn(
                service="eks", resource="cluster", resource_name=c.name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
            )
            for c in props.clusters
        ]
        policy = iam.Policy(
            self,
            "Describe",
            statements=[iam.PolicyStatement(sid="DescribeClusters", actions=["eks:DescribeCluster"], resources=arns)],
        )
        props.role.attach_inline_policy(policy)
        for cluster in props.clusters:
            scope_ = eks.CfnAccessEntry.AccessScopeProperty(
                type="namespace" if cluster.namespaces else "cluster",
                namespaces=list(cluster.namespaces) or None,
            )
            entry = eks.CfnAccessEntry(
                self,
                f"Entry-{cluster.name}",
                cluster_name=cluster.name,
                principal_arn=props.role.role_arn,
                type="STANDARD",
                access_policies=[
                    eks.CfnAccessEntry.AccessPolicyProperty(
                        policy_arn=f"arn:{stack.partition}:eks::aws:cluster-access-policy/{cluster.access_policy}",
                        access_scope=scope_,
                    )
                ],
            )
            self.entries.append(entry)
