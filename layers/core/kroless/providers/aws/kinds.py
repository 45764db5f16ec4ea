"""The hand table's index: which service module holds each hand-written entry (see :mod:`.table`).

An entry is written by hand where ACK's data alone does not make it (the kinds of Kro's AWS examples, tested end
to end); it lives in ``services/<service>.py`` (``KINDS``) beside that service's hooks, as ACK lays out one
controller per service. The module is imported only when one of its kinds is used, so the reconcile function's
cold start loads no service it does not run. This index stays a module of its own because both
:mod:`.catalog` (lookup) and :mod:`.generic` (never derive a hand kind) ask it, and the catalog imports the
generic engine.
"""

from __future__ import annotations

import importlib
from functools import cache

from kroless.providers.aws.table import Kind

# (ACK service, kind) -> the module of ``kroless.providers.aws.services`` whose ``KINDS`` holds its entry. This
# order is the entries' order wherever they are listed (IAM policy chunks, generated tables).
HAND_KINDS: dict[tuple[str, str], str] = {
    ("ec2", "SecurityGroup"): "ec2",
    ("rds", "DBSubnetGroup"): "rds",
    ("rds", "DBInstance"): "rds",
    ("elasticache", "ServerlessCache"): "elasticache",
    ("ec2", "VPC"): "ec2",
    ("ec2", "Subnet"): "ec2",
    ("ec2", "InternetGateway"): "ec2",
    ("ec2", "RouteTable"): "ec2",
    ("ec2", "NATGateway"): "ec2",
    ("ec2", "ElasticIPAddress"): "ec2",
    ("elasticache", "CacheSubnetGroup"): "elasticache",
    ("iam", "Role"): "iam",
    ("iam", "Policy"): "iam",
    ("dynamodb", "Table"): "dynamodb",
    ("s3", "Bucket"): "s3",
    ("eks", "Cluster"): "eks",
    ("eks", "Nodegroup"): "eks",
    ("eks", "AccessEntry"): "eks",
    ("eks", "PodIdentityAssociation"): "eks",
    ("eks", "Addon"): "eks",
    ("sns", "Topic"): "sns",
    ("sns", "Subscription"): "sns",
    ("lambda", "Function"): "lambda_",
    ("elasticache", "CacheCluster"): "elasticache",
    ("apigatewayv2", "API"): "apigatewayv2",
    ("apigatewayv2", "Authorizer"): "apigatewayv2",
    ("apigatewayv2", "Integration"): "apigatewayv2",
    ("apigatewayv2", "Route"): "apigatewayv2",
    ("apigatewayv2", "Stage"): "apigatewayv2",
    ("elbv2", "LoadBalancer"): "elbv2",
    ("elbv2", "TargetGroup"): "elbv2",
    ("elbv2", "Listener"): "elbv2",
    ("route53", "RecordSet"): "route53",
    ("eventbridge", "EventBus"): "eventbridge",
    ("eventbridge", "Rule"): "eventbridge",
    ("sfn", "StateMachine"): "sfn",
    ("emrcontainers", "VirtualCluster"): "emrcontainers",
    ("organizations", "Account"): "organizations",
    ("acm", "Certificate"): "acm",
}


@cache
def lookup(service: str, kind: str) -> Kind | None:
    """The hand-written entry for ``<service>.services.k8s.aws/v1alpha1`` ``kind``, or None."""
    module = HAND_KINDS.get((service, kind))
    if module is None:
        return None
    entries = importlib.import_module(f"kroless.providers.aws.services.{module}").KINDS
    return {(entry.service, entry.kind): entry for entry in entries}[service, kind]


def all_kinds() -> tuple[Kind, ...]:
    """Every hand-written entry (imports every service module holding one)."""
    return tuple(entry for key in HAND_KINDS if (entry := lookup(*key)) is not None)
