"""An AWS account and a cluster in process for the end-to-end tests: moto behind real botocore calls (plus what
the local cloud adds: kroless.localcloud.aws_gaps; AWS's managed IAM policies loaded, as templates attach them),
the Kubernetes API emulator, the DynamoDB state store and a control plane with the in-process driver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kroless.localcloud import aws_gaps
from kroless.localcloud.kubernetes import KubernetesEmulator
from kroless.providers.aws import AwsProvider
from kroless.providers.kubernetes import KubernetesProvider
from kroless.runtime.control import ControlPlane
from kroless.runtime.references import StoreReferences
from kroless.store import StateStore, create_table

REGION = "us-west-2"


@dataclass
class Account:
    control: ControlPlane
    store: StateStore
    session: Any  # boto3 Session
    k8s: KubernetesEmulator
    vpc: str  # a VPC with two subnets and a security group, as an instance may need from the account
    subnets: list[str]
    security_group: str
    hosted_zone: str = ""  # set by a test that needs a Route 53 zone


@pytest.fixture
def account() -> Iterator[Account]:
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}), KubernetesEmulator(ready_delay=0.05) as k8s:
        aws_gaps.install()
        session = boto3.session.Session(region_name=REGION)
        dynamodb = session.client("dynamodb")
        create_table(dynamodb, "kroless-state")
        store = StateStore("kroless-state", dynamodb)
        control = ControlPlane(store, kubernetes=KubernetesProvider.from_host(k8s.url), poll=0.02, node_timeout=30)
        control.providers.aws = AwsProvider(StoreReferences(store, control.providers), session=session, region=REGION)
        ec2 = session.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
                "SubnetId"
            ]
            for i, zone in enumerate("ab")
        ]
        group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        yield Account(control, store, session, k8s, vpc, subnets, group)
