"""moto-backed fixtures: a provider with real botocore calls, a VPC with subnets, fake References."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from kroless.providers.base import Ownership

REGION = "us-east-1"
OWNER = Ownership(instance="default/demo", node="db", rgd="demo.kro.run")


class FakeReferences:
    """What the runtime knows: observed objects by Kubernetes identity, Secret data (base64 as in k8s)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str | None, str], dict[str, Any]] = {}
        self.secrets: dict[tuple[str, str], dict[str, str]] = {}
        self.claims: set[tuple[str, str, str]] = set()  # (instance, node, identity), as the state table keeps them

    def put(self, observed: dict[str, Any]) -> None:
        meta = observed["metadata"]
        self.objects[(observed["apiVersion"], observed["kind"], meta.get("namespace"), meta["name"])] = observed

    def observed(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self.objects.get((api_version, kind, namespace, name))

    def secret_value(self, namespace: str, name: str, key: str) -> str:
        return base64.b64decode(self.secrets[(namespace, name)][key]).decode()

    def claim(self, owner: Ownership, identity: str) -> None:
        self.claims.add((owner.instance, owner.node, identity))

    def claimed(self, owner: Ownership, identity: str) -> bool:
        return (owner.instance, owner.node, identity) in self.claims



@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    from kroless_cli.localcloud import aws_gaps

    aws_gaps.install()  # moto plus what it lacks: the local cloud's AWS
    with mock_aws():
        yield


@pytest.fixture
def refs() -> FakeReferences:
    return FakeReferences()


@pytest.fixture
def provider(aws: None, refs: FakeReferences) -> Any:
    from kroless.providers.aws import AwsProvider

    return AwsProvider(refs, region=REGION)


@pytest.fixture
def network(aws: None) -> dict[str, Any]:
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    return {"vpc": vpc, "subnets": subnets}


def manifest(kind: str, name: str, spec: dict[str, Any], *, service: str, **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{service}.services.k8s.aws/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "default", **metadata},
        "spec": spec,
    }


def synced(observed: dict[str, Any]) -> str:
    [condition] = [c for c in observed["status"]["conditions"] if c["type"] == "ACK.ResourceSynced"]
    return str(condition["status"])
