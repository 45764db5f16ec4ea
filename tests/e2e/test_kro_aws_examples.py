"""Kro's own AWS examples, verbatim, reconciled to ACTIVE and deleted with nothing left: the RGDs exactly as
Kro ships them and an instance of each, on the local cloud of tests/e2e/conftest.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kroless.model import load_path
from kroless.providers.base import INSTANCE_TAG
from tests.e2e.conftest import REGION, Account


@dataclass(frozen=True)
class Example:
    rgds: tuple[str, ...]  # relative to kro-examples/aws, registered in this order (nested APIs first)
    kind: str
    spec: Callable[[Account], dict[str, Any]]
    status: tuple[str, ...] = ()  # status fields that must be set once ACTIVE
    setup: Callable[[Account], None] | None = None  # what the account (or its cluster) needs beforehand
    tagging_api: bool = True  # False: none of its kinds is listed by moto's tagging API (IAM, EKS)


def eks_cluster(name: str) -> Callable[[Account], None]:
    """podidenity and data-processor attach to an EKS cluster that exists already."""

    def create(account: Account) -> None:
        trust = '{"Version":"2012-10-17","Statement":[]}'
        role = account.session.client("iam").create_role(RoleName=f"{name}-cluster", AssumeRolePolicyDocument=trust)
        account.session.client("eks").create_cluster(name=name, roleArn=role["Role"]["Arn"], resourcesVpcConfig={})

    return create


def argocd_namespace(account: Account) -> None:
    """eks-cluster-mgmt registers each new cluster with the Argo CD of the management cluster it runs in."""
    account.k8s.cluster.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "argocd"}})


def hosted_zone(account: Account) -> None:
    zone = account.session.client("route53").create_hosted_zone(Name="example.com", CallerReference="kroless")
    account.hosted_zone = zone["HostedZone"]["Id"].split("/")[-1]


def lambda_code_bucket(account: Account) -> None:
    """The serverless-microservice example deploys its functions' code from a bucket the user owns."""
    s3 = account.session.client("s3")
    s3.create_bucket(Bucket="microservice-code", CreateBucketConfiguration={"LocationConstraint": REGION})
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return {'statusCode': 200}\n")
    for key in ("logic.zip", "authorizer.zip"):
        s3.put_object(Bucket="microservice-code", Key=key, Body=archive.getvalue())


EXAMPLES = {
    "ack-eks-cluster": Example(
        ("ack-eks-cluster/eks-cluster.yaml",),
        "EKSCluster",
        lambda net: {"name": "demo", "version": "1.31"},
        ("clusterARN", "networkingInfo"),
    ),
    "networkstack": Example(
        ("networkstack/network-stack.yaml",), "NetworkingStack", lambda net: {"name": "demo"}, ("networkingInfo",)
    ),
    "s3bucket": Example(("s3bucket/rg.yaml",), "S3Bucket", lambda net: {"name": "kroless-demo-bucket"}, ("s3ARN",)),
    "cachecluster": Example(
        ("networkstack/network-stack.yaml", "cachecluster/cachecluster.yaml"),
        "Valkey",
        lambda net: {"name": "demo"},
        ("clusterARN", "csgARN"),
    ),
    "simple-cachecluster": Example(
        ("cachecluster/simple-cachecluster.yaml",), "Valkey", lambda net: {"name": "demo", "subnetIDs": net.subnets}
    ),
    "alb-listener-tg": Example(
        ("alb-listener-tg/alb-tg-listener.yaml",),
        "ELBStack",
        lambda net: {
            "name": "demo",
            "vpcID": net.vpc,
            "subnetIDs": net.subnets,
            "securityGroupIDs": [net.security_group],
        },
        ("networkingInfo",),
    ),
    "eks-cluster-mgmt-vpc": Example(
        ("eks-cluster-mgmt/charts/kro/resource-groups/eks/rg-vpc.yaml",),
        "Vpc",
        lambda net: {"name": "demo", "region": REGION},
        ("vpcID", "publicSubnet1ID", "publicSubnet2ID", "privateSubnet1ID", "privateSubnet2ID"),
    ),
    "serverless-microservice": Example(
        ("serverless-microservice/microservice.yaml",),
        "Microservice",
        lambda net: {
            "region": REGION,
            "lambda": {
                "codeBucketName": "microservice-code",
                "authorizerPasswordParameterARN": f"arn:aws:ssm:{REGION}:123456789012:parameter/api-password",
            },
        },
        setup=lambda_code_bucket,
    ),
    "podidenity": Example(
        ("podidenity/rg.yaml",),
        "PodIdentity",
        lambda net: {"name": "reader", "policyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        ("serviceAccount",),
        setup=eks_cluster("kro"),
        tagging_api=False,
    ),
    "data-processor": Example(
        ("data-processor/eda-eks-data-processor.yaml",),
        "EdaEksDataProcessor",
        lambda net: {
            "environment": {
                "accountId": "123456789012",
                "region": REGION,
                "oidcProvider": f"oidc.eks.{REGION}.amazonaws.com/id/EXAMPLE",
            },
            "input": {"bucket": "kroless-eda-input"},
            "script": {"bucket": "kroless-eda-scripts"},
            "lake": {"bucket": "kroless-eda-lake"},
        },
        setup=eks_cluster("eks-eda"),
    ),
    "ingress-triangle": Example(
        ("ingress-triangle/ingress-triangle.yaml",),
        "IngressTriangle",
        lambda account: {
            "name": "shop",
            "namespace": "default",
            "subDomain": "shop",
            "ingressClassName": "alb",
            "hostedZoneID": account.hosted_zone,
        },
        ("certificateARN",),
        setup=hosted_zone,
    ),
    "eks-cluster-mgmt": Example(
        (
            "eks-cluster-mgmt/charts/kro/resource-groups/eks/rg-vpc.yaml",
            "eks-cluster-mgmt/charts/kro/resource-groups/eks/rg-eks-basic.yaml",
            "eks-cluster-mgmt/charts/kro/resource-groups/eks/rg-eks.yaml",
        ),
        "EksCluster",
        lambda account: {"name": "demo", "accountId": "123456789012", "managementAccountId": "123456789012"},
        setup=argocd_namespace,
    ),
    "aws-accounts-factory-eks": Example(
        ("aws-accounts-factory/02-eks-cluster-stack.yaml",),
        "EKSClusterStack",
        lambda account: {
            "clusterName": "demo",
            "region": REGION,
            "version": "1.31",
            "subnetIds": account.subnets,
            "securityGroupIds": [account.security_group],
            "nodeInstanceType": "t3.medium",
        },
        ("clusterArn", "clusterEndpoint"),
        tagging_api=False,
    ),
    "aws-accounts-factory-network": Example(
        ("aws-accounts-factory/01-network-stack.yaml",),
        "NetworkStack",
        lambda net: {
            "vpcName": "demo",
            "cidrBlock": "10.1.0.0/16",
            "region": REGION,
            "availabilityZones": [f"{REGION}a", f"{REGION}b"],
        },
        ("publicSubnetIds", "privateSubnetIds", "securityGroupId"),
    ),
}


def _tagged_by_kroless(session: Any) -> list[str]:
    """Every live resource the tagging API knows that still carries kroless's ownership tag (a deleted NAT
    gateway stays listed, in state "deleted", for about an hour on AWS as in moto: it is gone)."""
    tagging = session.client("resourcegroupstaggingapi")
    pages = tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": INSTANCE_TAG}])
    arns = [r["ResourceARN"] for page in pages for r in page["ResourceTagMappingList"]]
    deleted_nats = {
        n["NatGatewayId"]
        for n in session.client("ec2").describe_nat_gateways()["NatGateways"]
        if n["State"] in ("deleting", "deleted")
    }
    return [arn for arn in arns if arn.rpartition("/")[2] not in deleted_nats]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_kro_aws_example_reconciles_verbatim_and_deletes_cleanly(
    account: Account, kro_examples: Path, name: str
) -> None:
    example = EXAMPLES[name]
    control = account.control
    if example.setup is not None:
        example.setup(account)
    for relative in example.rgds:
        for document in load_path(str(kro_examples / "aws" / relative)):
            control.register(document.body, file=document.file)
    instance = {
        "apiVersion": "kro.run/v1alpha1",
        "kind": example.kind,
        "metadata": {"name": "demo", "namespace": "default"},
        "spec": example.spec(account),
    }
    result = control.apply(instance)
    assert result["state"] == "ACTIVE", result["status"].get("conditions")
    for status_field in example.status:
        assert result["status"].get(status_field), (status_field, result["status"])
    if example.tagging_api:
        assert _tagged_by_kroless(account.session)  # the resources exist, with kroless's ownership tags

    assert control.delete(instance) == {"state": "DELETED"}
    assert account.store.list_instances() == []
    assert _tagged_by_kroless(account.session) == []
