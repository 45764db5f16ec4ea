"""Idempotent identity: a retry after "created but not recorded" adopts; someone else's resource conflicts."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from kroless.providers.aws import AwsProvider
from kroless.providers.base import ConflictError, Ownership, ProviderError

from .conftest import OWNER, REGION, FakeReferences, manifest
from .test_core_kinds import security_group


def fresh(refs: FakeReferences) -> AwsProvider:
    return AwsProvider(refs, region=REGION)  # a new Lambda invocation: nothing remembered in memory


@pytest.mark.parametrize(
    ("make", "count"),
    [
        (lambda net: security_group(net), lambda: len(_ec2().describe_security_groups()["SecurityGroups"])),
        (
            lambda net: manifest("VPC", "v", {"cidrBlocks": ["10.1.0.0/16"]}, service="ec2"),
            lambda: len(_ec2().describe_vpcs()["Vpcs"]),
        ),
        (
            lambda net: manifest("Subnet", "s", {"vpcID": net["vpc"], "cidrBlock": "10.0.9.0/24"}, service="ec2"),
            lambda: len(_ec2().describe_subnets()["Subnets"]),
        ),
        (
            lambda net: manifest("ElasticIPAddress", "eip", {}, service="ec2"),
            lambda: len(_ec2().describe_addresses()["Addresses"]),
        ),
        (
            lambda net: manifest(
                "DBSubnetGroup", "g", {"name": "g", "description": "d", "subnetIDs": net["subnets"]}, service="rds"
            ),
            lambda: len(boto3.client("rds", region_name=REGION).describe_db_subnet_groups()["DBSubnetGroups"]),
        ),
    ],
    ids=["SecurityGroup", "VPC", "Subnet", "ElasticIPAddress", "DBSubnetGroup"],
)
def test_apply_after_a_crash_adopts_the_first_create(
    refs: FakeReferences, network: dict[str, Any], make: Any, count: Any
) -> None:
    before = count()
    first = fresh(refs).apply(make(network), OWNER)  # the runtime dies before recording this
    second = fresh(refs).apply(make(network), OWNER)
    assert count() == before + 1
    assert second["status"]["ackResourceMetadata"]["arn"] == first["status"]["ackResourceMetadata"]["arn"]


def _ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


def test_a_resource_of_another_instance_is_a_conflict(provider: AwsProvider, network: dict[str, Any]) -> None:
    provider.apply(security_group(network), OWNER)
    with pytest.raises(ConflictError, match="belongs to instance default/demo"):
        provider.apply(security_group(network), Ownership("default/other", "db"))


def test_an_untagged_resource_is_a_conflict_unless_adopted(provider: AwsProvider, network: dict[str, Any]) -> None:
    group = _ec2().create_security_group(GroupName="demo-postgres-sg", Description="x", VpcId=network["vpc"])
    with pytest.raises(ConflictError, match="belongs to nobody"):
        provider.apply(security_group(network), OWNER)
    sg = security_group(network)
    sg["spec"]["description"] = "x"
    sg["metadata"]["annotations"] = {"kroless.dev/adopt": "true"}
    observed = provider.apply(sg, OWNER)
    assert observed["status"]["id"] == group["GroupId"]
    tags = {
        t["Key"]: t["Value"]
        for t in _ec2().describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]["Tags"]
    }
    assert tags["kroless:instance"] == "default/demo" and tags["kroless:node"] == "db"
    provider.apply(security_group(network) | {"spec": sg["spec"]}, OWNER)  # owned now: no conflict


def test_named_resource_conflict_and_adoption(provider: AwsProvider, network: dict[str, Any]) -> None:
    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_subnet_group(DBSubnetGroupName="g", DBSubnetGroupDescription="d", SubnetIds=network["subnets"])
    group = manifest(
        "DBSubnetGroup", "g", {"name": "g", "description": "d", "subnetIDs": network["subnets"]}, service="rds"
    )
    with pytest.raises(ConflictError):
        provider.apply(group, OWNER)
    provider.apply(group, OWNER, adopt=True)
    provider.apply(group, OWNER)


def test_unknown_fields_and_kinds_are_errors(provider: AwsProvider, network: dict[str, Any]) -> None:
    sg = security_group(network)
    sg["spec"]["colour"] = "blue"
    with pytest.raises(ProviderError, match="spec.colour: unknown field"):
        provider.apply(sg, OWNER)
    with pytest.raises(ProviderError, match="not an AWS kind"):
        provider.apply(manifest("Widget", "w", {}, service="ec2"), OWNER)
    assert provider.handles("ec2.services.k8s.aws/v1alpha1", "SecurityGroup")
    assert provider.handles("elasticache.services.k8s.aws/v1alpha1", "ServerlessCache")
    assert not provider.handles("apps/v1", "Deployment")
    assert not provider.handles("ec2.services.k8s.aws/v1alpha1", "Widget")


def test_deleting_never_removes_a_resource_another_instance_adopted(provider: AwsProvider, network: dict[str, Any]) -> None:
    group = manifest(
        "DBSubnetGroup", "g", {"name": "g", "description": "d", "subnetIDs": network["subnets"]}, service="rds"
    )
    provider.apply(group, OWNER)
    other = Ownership("team/other", "subnets")
    provider.apply(group, other, adopt=True)  # another instance takes it over (its template says adopt)
    assert provider.delete(group, OWNER) is True  # gone as far as the first instance is concerned ...
    assert provider.read(group) is not None  # ... but left in place for its new owner
    assert provider.delete(group, other) is True
    assert provider.read(group) is None


def _s3() -> Any:
    return boto3.client("s3", region_name=REGION)


def test_a_crash_between_create_bucket_and_its_tagging_is_adopted_by_the_retry(
    aws: None, refs: FakeReferences, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 tags a bucket in a second call (PutBucketTagging): the runtime killed in between leaves an untagged
    bucket. The create claimed it first, so the retry adopts it (tags it) instead of refusing it for ever."""
    from kroless.providers.aws import provider as aws_provider

    bucket = manifest("Bucket", "assets", {"name": "kroless-crash-assets"}, service="s3")
    original = aws_provider._Operation._write_tags
    crashed: list[str] = []

    def crash_once(self: Any, *args: Any, **kwargs: Any) -> None:
        if not crashed:
            crashed.append(self.name)
            raise RuntimeError("simulated crash after CreateBucket")
        original(self, *args, **kwargs)

    monkeypatch.setattr(aws_provider._Operation, "_write_tags", crash_once)
    with pytest.raises(RuntimeError, match="simulated crash"):
        fresh(refs).apply(bucket, OWNER)
    with pytest.raises(ClientError, match="NoSuchTagSet"):
        _s3().get_bucket_tagging(Bucket="kroless-crash-assets")  # created, never tagged

    fresh(refs).apply(bucket, OWNER)
    tags = {t["Key"]: t["Value"] for t in _s3().get_bucket_tagging(Bucket="kroless-crash-assets")["TagSet"]}
    assert tags["kroless:instance"] == "default/demo" and tags["kroless:node"] == "db"
    assert [b["Name"] for b in _s3().list_buckets()["Buckets"]].count("kroless-crash-assets") == 1
    with pytest.raises(ConflictError, match="belongs to instance default/demo"):  # still nobody else's
        fresh(refs).apply(bucket, Ownership("default/other", "db"))


def test_an_untagged_bucket_nobody_claimed_is_still_a_conflict(refs: FakeReferences, aws: None) -> None:
    _s3().create_bucket(Bucket="kroless-strangers")
    bucket = manifest("Bucket", "assets", {"name": "kroless-strangers"}, service="s3")
    with pytest.raises(ConflictError, match="belongs to nobody"):
        fresh(refs).apply(bucket, OWNER)
    refs.claim(Ownership("default/other", "db"), "kroless-strangers")  # another node's claim is not ours
    with pytest.raises(ConflictError, match="belongs to nobody"):
        fresh(refs).apply(bucket, OWNER)
