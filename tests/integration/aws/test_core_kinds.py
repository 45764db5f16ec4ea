"""What Kro's Dogs-vs-Cats stack needs, end to end on moto: SecurityGroup, DBSubnetGroup, DBInstance,
ServerlessCache (the last through kroless_cli.localcloud.aws_gaps: moto has no serverless caches)."""

from __future__ import annotations

import base64
from typing import Any

import boto3
import pytest

from kroless.providers.aws import AwsProvider
from kroless.providers.base import ImmutableFieldError, Ownership

from .conftest import OWNER, REGION, FakeReferences, manifest, synced
from .crds import ack_crd_schema
from .test_ack_crds import unknown_paths


def security_group(network: dict[str, Any], name: str = "demo-postgres-sg", port: int = 5432) -> dict[str, Any]:
    return manifest(
        "SecurityGroup",
        name,
        {
            "description": "PostgreSQL RDS security group",
            "name": name,
            "vpcID": network["vpc"],
            "ingressRules": [
                {"ipProtocol": "tcp", "ipRanges": [{"cidrIP": "10.0.0.0/16"}], "fromPort": port, "toPort": port}
            ],
        },
        service="ec2",
    )


def assert_crd_status(observed: dict[str, Any]) -> None:
    service = observed["apiVersion"].split(".")[0]
    schema = ack_crd_schema(service, observed["kind"])["properties"]["status"]
    assert unknown_paths(observed["status"], schema) == []


def test_security_group_round_trip(provider: AwsProvider, network: dict[str, Any]) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    sg = security_group(network)
    observed = provider.apply(sg, OWNER)
    status = observed["status"]
    assert status["id"].startswith("sg-")
    assert status["ackResourceMetadata"]["region"] == REGION
    assert status["ackResourceMetadata"]["arn"].endswith(f"security-group/{status['id']}")
    assert synced(observed) == "True"
    assert {(r["fromPort"], r.get("cidrIPv4")) for r in status["rules"] if not r["isEgress"]} == {(5432, "10.0.0.0/16")}
    assert_crd_status(observed)
    assert provider.read(sg)["status"]["id"] == status["id"]

    # update: an ingress rule is updatable (revoke + authorize), nothing else changes
    sg["spec"]["ingressRules"][0]["fromPort"] = sg["spec"]["ingressRules"][0]["toPort"] = 6432
    updated = provider.apply(sg, OWNER)
    [perm] = ec2.describe_security_groups(GroupIds=[status["id"]])["SecurityGroups"][0]["IpPermissions"]
    assert (perm["FromPort"], perm["IpRanges"][0]["CidrIp"]) == (6432, "10.0.0.0/16")
    assert updated["status"]["id"] == status["id"] and synced(updated) == "True"

    # a second apply with no change makes no call that changes anything (no endless update)
    assert provider.apply(sg, OWNER)["status"]["id"] == status["id"]

    with pytest.raises(ImmutableFieldError, match="spec.description"):
        provider.apply({**sg, "spec": {**sg["spec"], "description": "other"}}, OWNER)

    assert provider.delete(sg) is True
    assert provider.read(sg) is None
    assert provider.delete(sg) is True


def test_db_subnet_group_round_trip(provider: AwsProvider, network: dict[str, Any]) -> None:
    group = manifest(
        "DBSubnetGroup",
        "demo-postgres-subnet-group",
        {"description": "PostgreSQL RDS subnet group", "name": "demo-subnets", "subnetIDs": network["subnets"]},
        service="rds",
    )
    observed = provider.apply(group, OWNER)
    status = observed["status"]
    assert status["subnetGroupStatus"] == "Complete"
    assert status["vpcID"] == network["vpc"]
    assert {s["subnetIdentifier"] for s in status["subnets"]} == set(network["subnets"])
    assert status["ackResourceMetadata"]["arn"].endswith(":subgrp:demo-subnets")
    assert status["ackResourceMetadata"]["ownerAccountID"] == "123456789012"
    assert synced(observed) == "True"
    assert_crd_status(observed)

    group["spec"]["description"] = "changed"
    group["spec"]["subnetIDs"] = network["subnets"][:1]
    updated = provider.apply(group, OWNER)
    rds = boto3.client("rds", region_name=REGION)
    [described] = rds.describe_db_subnet_groups(DBSubnetGroupName="demo-subnets")["DBSubnetGroups"]
    assert described["DBSubnetGroupDescription"] == "changed"
    assert [s["SubnetIdentifier"] for s in described["Subnets"]] == network["subnets"][:1]
    assert synced(updated) == "True"

    assert provider.delete(group) is True
    assert provider.read(group) is None


def _postgres_stack(refs: FakeReferences, provider: AwsProvider, network: dict[str, Any]) -> dict[str, Any]:
    """rds-postgres/rg.yaml's resources, rendered: the password Secret, SG, subnet group, DB instance."""
    refs.secrets[("default", "demo-postgres-password")] = {"password": base64.b64encode(b"s3cr3t-Pa55w0rd").decode()}
    refs.put(provider.apply(security_group(network), Ownership("default/demo", "securitygroup")))
    refs.put(
        provider.apply(
            manifest(
                "DBSubnetGroup",
                "demo-postgres-subnet-group",
                {
                    "description": "PostgreSQL RDS subnet group",
                    "name": "demo-postgres-subnet-group",
                    "subnetIDs": network["subnets"],
                },
                service="rds",
            ),
            Ownership("default/demo", "subnetgroup"),
        )
    )
    return manifest(
        "DBInstance",
        "demo-postgres",
        {
            "allocatedStorage": 20,
            "dbInstanceClass": "db.t4g.micro",
            "dbInstanceIdentifier": "demo-postgres",
            "backupRetentionPeriod": 0,
            "engine": "postgres",
            "engineVersion": "16.10",
            "masterUsername": "postgres",
            "dbSubnetGroupRef": {"from": {"name": "demo-postgres-subnet-group"}},
            "vpcSecurityGroupRefs": [{"from": {"name": "demo-postgres-sg"}}],
            "masterUserPassword": {"namespace": "default", "name": "demo-postgres-password", "key": "password"},
            "dbName": "postgres",
        },
        service="rds",
    )


def test_db_instance_round_trip(provider: AwsProvider, refs: FakeReferences, network: dict[str, Any]) -> None:
    db = _postgres_stack(refs, provider, network)
    observed = provider.apply(db, OWNER)
    status = observed["status"]
    assert status["dbInstanceStatus"] == "available"
    assert status["endpoint"]["address"] and status["endpoint"]["port"] == 5432
    # (moto leaves Endpoint.HostedZoneId out; AWS fills it and it maps to endpoint.hostedZoneID)
    sg_id = refs.observed("ec2.services.k8s.aws/v1alpha1", "SecurityGroup", "default", "demo-postgres-sg")
    assert [g["vpcSecurityGroupID"] for g in status["vpcSecurityGroups"]] == [sg_id["status"]["id"]]
    assert status["dbSubnetGroup"]["dbSubnetGroupName"] == "demo-postgres-subnet-group"
    assert synced(observed) == "True"
    assert_crd_status(observed)
    assert "s3cr3t-Pa55w0rd" not in repr(observed), [
        (k, v) for k, v in observed["status"].items() if "s3cr3t-Pa55w0rd" in repr(v)
    ]
    assert observed["spec"]["masterUserPassword"]["key"] == "password"

    db["spec"]["allocatedStorage"] = 40
    updated = provider.apply(db, OWNER)
    rds = boto3.client("rds", region_name=REGION)
    assert rds.describe_db_instances(DBInstanceIdentifier="demo-postgres")["DBInstances"][0]["AllocatedStorage"] == 40
    assert synced(updated) == "True"

    with pytest.raises(ImmutableFieldError, match="spec.engine"):
        provider.apply({**db, "spec": {**db["spec"], "engine": "mysql"}}, OWNER)

    # deletion: False while AWS reports deleting is covered by the Stubber test; moto deletes at once
    assert provider.delete(db) is True
    assert provider.read(db) is None


def test_db_instance_waits_for_its_references(provider: AwsProvider, refs: FakeReferences) -> None:
    from kroless.providers.aws import ReferenceNotReadyError

    db = manifest(
        "DBInstance",
        "x",
        {
            "dbInstanceIdentifier": "x",
            "dbInstanceClass": "db.t4g.micro",
            "engine": "postgres",
            "dbSubnetGroupRef": {"from": {"name": "not-yet"}},
        },
        service="rds",
    )
    with pytest.raises(ReferenceNotReadyError, match="DBSubnetGroup default/not-yet"):
        provider.apply(db, OWNER)


@pytest.fixture
def gaps(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    from kroless_cli.localcloud import aws_gaps

    monkeypatch.setitem(aws_gaps.SETTINGS, "ready_after", 0.0)
    monkeypatch.setitem(aws_gaps.SETTINGS, "delete_after", 0.0)
    return aws_gaps.SETTINGS


def serverless_cache(network: dict[str, Any], sg: str) -> dict[str, Any]:
    return manifest(
        "ServerlessCache",
        "demo-redis",
        {
            "serverlessCacheName": "demo-redis",
            "engine": "redis",
            "description": "Redis Serverless cache",
            "cacheUsageLimits": {"dataStorage": {"maximum": 1, "unit": "GB"}, "eCPUPerSecond": {"maximum": 1000}},
            "subnetIDs": network["subnets"],
            "securityGroupIDs": [sg],
        },
        service="elasticache",
    )


def test_serverless_cache_round_trip(gaps: Any, provider: AwsProvider, network: dict[str, Any]) -> None:
    sg = provider.apply(security_group(network, "demo-redis-sg", 6379), OWNER)["status"]["id"]
    cache = serverless_cache(network, sg)
    gaps["ready_after"] = 3600.0
    observed = provider.apply(cache, OWNER)
    assert observed["status"]["status"] == "creating"
    assert synced(observed) == "False"  # transitional: ACK reports not synced until available
    gaps["ready_after"] = 0.0
    observed = provider.read(cache)
    status = observed["status"]
    assert status["status"] == "available"
    assert status["endpoint"]["address"].startswith("demo-redis-") and status["endpoint"]["port"] == 6379
    assert status["ackResourceMetadata"]["arn"].endswith(":serverlesscache:demo-redis")
    assert synced(observed) == "True"
    assert_crd_status(observed)

    cache["spec"]["cacheUsageLimits"]["eCPUPerSecond"]["maximum"] = 2000
    provider.apply(cache, OWNER)
    elasticache = boto3.client("elasticache", region_name=REGION)
    [described] = elasticache.describe_serverless_caches(ServerlessCacheName="demo-redis")["ServerlessCaches"]
    assert described["CacheUsageLimits"]["ECPUPerSecond"]["Maximum"] == 2000

    with pytest.raises(ImmutableFieldError, match="spec.subnetIDs"):
        provider.apply({**cache, "spec": {**cache["spec"], "subnetIDs": network["subnets"][:1]}}, OWNER)

    assert provider.delete(cache) is True
    assert provider.read(cache) is None


def test_serverless_cache_deletion_reports_deleting(gaps: Any, provider: AwsProvider, network: dict[str, Any]) -> None:
    cache = serverless_cache(network, "sg-123")
    provider.apply(cache, OWNER)
    gaps["delete_after"] = 3600.0
    assert provider.delete(cache) is False
    assert provider.delete(cache) is False  # still deleting: no second delete call
    gaps["delete_after"] = 0.0
    assert provider.delete(cache) is True
