"""An AWS account and a cluster for the end-to-end tests: the local cloud, i.e. the kroless stack deployed from
the CDK app into moto with IAM enforced, its functions and state machines doing the work, the Kubernetes API
emulator as the cluster. Requests go through the bus exactly as `kroless apply` sends them.

The machines' Wait states and Retry intervals take a tenth of their time here (TIME_SCALE): the same states
run in the same order, the readiness polls and gates just come sooner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from kroless.store import StateStore
from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.localcloud.kubernetes import KubernetesEmulator

REGION = "us-west-2"
TIME_SCALE = 0.1


@dataclass
class Account:
    control: LocalCloud  # register / apply / delete, each waited for
    store: StateStore
    session: Any  # boto3 Session of the account's administrator
    k8s: KubernetesEmulator
    vpc: str  # a VPC with two subnets and a security group, as an instance may need from the account
    subnets: list[str]
    security_group: str
    hosted_zone: str = ""  # set by a test that needs a Route 53 zone


def network(session: Any) -> tuple[str, list[str], str]:
    """A VPC with two subnets and a security group: what an instance may need from the account."""
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    return vpc, subnets, group


@contextmanager
def local_account() -> Iterator[Account]:
    """A fresh local cloud and its network, for as long as the ``with`` lasts."""
    with LocalCloud(region=REGION, kubernetes_ready_delay=0.05, time_scale=TIME_SCALE) as cloud:
        session = cloud.session
        yield Account(cloud, cloud.store, session, cloud.kubernetes, *network(session))


@pytest.fixture
def account() -> Iterator[Account]:
    with local_account() as fresh:
        yield fresh
