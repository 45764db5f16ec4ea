"""create -> read -> update -> delete for the network, cache, IAM, DynamoDB and S3 kinds on moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from kroless.providers.aws import AwsProvider
from kroless.providers.base import ImmutableFieldError, Ownership

from .conftest import OWNER, REGION, FakeReferences, manifest, synced
from .test_core_kinds import assert_crd_status


def round_trip(provider: AwsProvider, m: dict[str, Any], update: dict[str, Any]) -> tuple[dict, dict]:
    created = provider.apply(m, OWNER)
    assert_crd_status(created)
    assert provider.read(m)["status"] == created["status"]
    m["spec"].update(update)
    updated = provider.apply(m, OWNER)
    assert synced(updated) == "True", updated["status"]["conditions"]
    assert provider.apply(m, OWNER)["status"]["conditions"] == updated["status"]["conditions"]
    return created, updated


def finish(provider: AwsProvider, m: dict[str, Any]) -> None:
    assert provider.delete(m) is True
    assert provider.read(m) is None


def test_vpc(provider: AwsProvider) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = manifest(
        "VPC",
        "vpc-demo",
        {"cidrBlocks": ["192.168.0.0/16"], "enableDNSHostnames": False, "enableDNSSupport": True},
        service="ec2",
    )
    created, _ = round_trip(provider, vpc, {"enableDNSHostnames": True})
    vpc_id = created["status"]["vpcID"]
    assert created["status"]["state"] == "available"
    assert created["status"]["cidrBlockAssociationSet"][0]["cidrBlock"] == "192.168.0.0/16"
    attr = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert attr["EnableDnsHostnames"]["Value"] is True
    with pytest.raises(ImmutableFieldError, match="spec.cidrBlocks"):
        provider.apply({**vpc, "spec": {**vpc["spec"], "cidrBlocks": ["10.9.0.0/16"]}}, OWNER)
    finish(provider, vpc)


def test_subnet_internet_gateway_route_table(provider: AwsProvider, refs: FakeReferences) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = provider.apply(manifest("VPC", "vpc", {"cidrBlocks": ["192.168.0.0/16"]}, service="ec2"), OWNER)
    refs.put(vpc)
    vpc_id = vpc["status"]["vpcID"]
    subnet = manifest(
        "Subnet",
        "subnet-a",
        {"availabilityZone": f"{REGION}a", "cidrBlock": "192.168.0.0/18", "vpcRef": {"from": {"name": "vpc"}}},
        service="ec2",
    )
    created, _ = round_trip(provider, subnet, {"mapPublicIPOnLaunch": True})
    assert created["status"]["subnetID"].startswith("subnet-")
    assert ec2.describe_subnets(SubnetIds=[created["status"]["subnetID"]])["Subnets"][0]["MapPublicIpOnLaunch"]
    with pytest.raises(ImmutableFieldError, match="spec.cidrBlock"):
        provider.apply({**subnet, "spec": {**subnet["spec"], "cidrBlock": "192.168.64.0/18"}}, OWNER)

    igw = manifest("InternetGateway", "igw", {}, service="ec2")
    created, updated = round_trip(provider, igw, {"vpc": vpc_id})
    assert updated["status"]["attachments"] == [{"state": "available", "vpcID": vpc_id}]
    refs.put(updated)

    table = manifest("RouteTable", "public", {"vpcID": vpc_id}, service="ec2")
    routes = [{"destinationCIDRBlock": "0.0.0.0/0", "gatewayRef": {"from": {"name": "igw"}}}]
    created, updated = round_trip(provider, table, {"routes": routes})
    described = ec2.describe_route_tables(RouteTableIds=[created["status"]["routeTableID"]])["RouteTables"][0]
    assert {r.get("GatewayId") for r in described["Routes"]} == {"local", updated_igw(refs)}
    finish(provider, table)
    finish(provider, igw)  # detaches from the VPC first
    finish(provider, subnet)


def updated_igw(refs: FakeReferences) -> str:
    igw = refs.observed("ec2.services.k8s.aws/v1alpha1", "InternetGateway", "default", "igw")
    assert igw is not None
    return str(igw["status"]["internetGatewayID"])


def test_elastic_ip_and_nat_gateway(provider: AwsProvider, refs: FakeReferences, network: dict[str, Any]) -> None:
    eip = manifest("ElasticIPAddress", "eip", {}, service="ec2")
    created, _ = round_trip(provider, eip, {"tags": [{"key": "team", "value": "a"}]})
    assert created["status"]["publicIP"]
    refs.put(created)
    nat = manifest(
        "NATGateway",
        "nat",
        {"subnetID": network["subnets"][0], "allocationRef": {"from": {"name": "eip"}}},
        service="ec2",
    )
    created = provider.apply(nat, OWNER)
    assert_crd_status(created)
    assert created["status"]["natGatewayID"].startswith("nat-")
    assert created["status"]["state"] in ("available", "pending")
    with pytest.raises(ImmutableFieldError, match="spec.subnetID"):
        provider.apply({**nat, "spec": {**nat["spec"], "subnetID": network["subnets"][1]}}, OWNER)
    finish(provider, nat)
    finish(provider, eip)


def test_cache_subnet_group(provider: AwsProvider, network: dict[str, Any]) -> None:
    group = manifest(
        "CacheSubnetGroup",
        "redis",
        {"cacheSubnetGroupName": "redis", "cacheSubnetGroupDescription": "d", "subnetIDs": network["subnets"]},
        service="elasticache",
    )
    created, _ = round_trip(provider, group, {"cacheSubnetGroupDescription": "changed"})
    assert created["status"]["vpcID"] == network["vpc"]
    finish(provider, group)


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def test_iam_policy_and_role(provider: AwsProvider, refs: FakeReferences) -> None:
    iam = boto3.client("iam", region_name=REGION)
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    policy = manifest("Policy", "read", {"name": "read", "policyDocument": json.dumps(doc)}, service="iam")
    doc2 = {**doc, "Statement": [{**doc["Statement"][0], "Action": "s3:*"}]}
    created, updated = round_trip(provider, policy, {"policyDocument": json.dumps(doc2)})
    assert updated["status"]["defaultVersionID"] == "v2"
    refs.put(updated)

    role = manifest(
        "Role",
        "app",
        {"name": "app", "assumeRolePolicyDocument": json.dumps(TRUST), "policyRefs": [{"from": {"name": "read"}}]},
        service="iam",
    )
    created, updated = round_trip(provider, role, {"description": "app role", "maxSessionDuration": 7200})
    assert created["status"]["roleID"]
    assert iam.get_role(RoleName="app")["Role"]["MaxSessionDuration"] == 7200
    attached = iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["read"]
    with pytest.raises(ImmutableFieldError, match="spec.path"):
        provider.apply({**role, "spec": {**role["spec"], "path": "/other/"}}, OWNER)
    finish(provider, role)  # detaches its policies first
    finish(provider, policy)


def test_a_role_delete_racing_another_detach_still_deletes_the_role(provider: AwsProvider) -> None:
    """A retried or concurrent delete: the managed policy is detached by someone else between kroless listing
    the role's policies and detaching them. AWS answers NoSuchEntity; the policy is off either way, and the
    role must still go (it made a delete fail in CI, leaving the role behind)."""
    iam = boto3.client("iam", region_name=REGION)
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="nodes", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
    role = manifest("Role", "nodes", {"name": "nodes", "assumeRolePolicyDocument": json.dumps(TRUST), "policies": [arn]}, service="iam")
    provider.apply(role, OWNER)
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="nodes")["AttachedPolicies"]] == [arn]

    def the_other_delete_detaches_first(params: dict[str, Any], **_: Any) -> None:
        iam.detach_role_policy(RoleName=params["RoleName"], PolicyArn=params["PolicyArn"])

    provider.client("iam").meta.events.register("before-parameter-build.iam.DetachRolePolicy", the_other_delete_detaches_first)
    finish(provider, role)
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == "nodes"] == []


def test_dynamodb_table(provider: AwsProvider) -> None:
    table = manifest(
        "Table",
        "votes",
        {
            "tableName": "votes",
            "attributeDefinitions": [{"attributeName": "id", "attributeType": "S"}],
            "keySchema": [{"attributeName": "id", "keyType": "HASH"}],
            "billingMode": "PAY_PER_REQUEST",
        },
        service="dynamodb",
    )
    created, _ = round_trip(
        provider,
        table,
        {
            "deletionProtectionEnabled": False,
            "streamSpecification": {"streamEnabled": True, "streamViewType": "NEW_IMAGE"},
        },
    )
    assert created["status"]["tableStatus"] == "ACTIVE"
    # ACK's timeToLive and continuousBackups: their own calls, described in another shape than they are set
    ddb = boto3.client("dynamodb", region_name=REGION)
    table["spec"]["timeToLive"] = {"attributeName": "expiresAt", "enabled": True}
    table["spec"]["continuousBackups"] = {"pointInTimeRecoveryEnabled": True}
    assert synced(provider.apply(table, OWNER)) == "True"
    assert ddb.describe_time_to_live(TableName="votes")["TimeToLiveDescription"] == {
        "AttributeName": "expiresAt",
        "TimeToLiveStatus": "ENABLED",
    }
    backups = ddb.describe_continuous_backups(TableName="votes")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert synced(provider.apply(table, OWNER)) == "True"  # described back the same: nothing left to change
    with pytest.raises(ImmutableFieldError, match="spec.keySchema"):
        provider.apply(
            {**table, "spec": {**table["spec"], "keySchema": [{"attributeName": "x", "keyType": "HASH"}]}}, OWNER
        )
    finish(provider, table)


def test_s3_bucket(provider: AwsProvider) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    bucket = manifest("Bucket", "assets", {"name": "kroless-assets"}, service="s3")
    created, _ = round_trip(provider, bucket, {"versioning": {"status": "Enabled"}})
    assert s3.get_bucket_versioning(Bucket="kroless-assets")["Status"] == "Enabled"
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket="kroless-assets")["TagSet"]}
    assert tags["kroless:instance"] == OWNER.instance
    finish(provider, bucket)


def test_s3_bucket_outside_us_east_1_gets_its_location(aws: None, refs: FakeReferences) -> None:
    """Outside us-east-1 CreateBucket needs the region as LocationConstraint (ACK's s3 controller sets it)."""
    provider = AwsProvider(refs, region="eu-west-1")
    bucket = manifest("Bucket", "eu", {"name": "kroless-eu-assets"}, service="s3")
    assert synced(provider.apply(bucket, OWNER)) == "True"
    s3 = boto3.client("s3", region_name="eu-west-1")
    assert s3.get_bucket_location(Bucket="kroless-eu-assets")["LocationConstraint"] == "eu-west-1"
    finish(provider, bucket)


def test_s3_bucket_sub_resources(provider: AwsProvider) -> None:
    """ACK's Bucket fields backed by their own Put/GetBucket* calls, set at create and changed in place."""
    s3 = boto3.client("s3", region_name=REGION)
    cors = {"corsRules": [{"allowedMethods": ["GET"], "allowedOrigins": ["https://shop.example"], "maxAgeSeconds": 300}]}
    lifecycle = {"rules": [{"id": "expire-tmp", "status": "Enabled", "filter": {"prefix": "tmp/"}, "expiration": {"days": 7}}]}
    spec = {
        "name": "kroless-site",
        "cors": cors,
        "lifecycle": lifecycle,
        "ownershipControls": {"rules": [{"objectOwnership": "BucketOwnerEnforced"}]},
        "website": {"indexDocument": {"suffix": "index.html"}},
        "accelerate": {"status": "Enabled"},
    }
    bucket = manifest("Bucket", "site", spec, service="s3")
    longer = {"rules": [{**lifecycle["rules"][0], "expiration": {"days": 30}}]}
    round_trip(provider, bucket, {"lifecycle": longer, "accelerate": {"status": "Suspended"}})
    assert s3.get_bucket_cors(Bucket="kroless-site")["CORSRules"][0]["AllowedOrigins"] == ["https://shop.example"]
    assert s3.get_bucket_lifecycle_configuration(Bucket="kroless-site")["Rules"][0]["Expiration"] == {"Days": 30}
    controls = s3.get_bucket_ownership_controls(Bucket="kroless-site")["OwnershipControls"]
    assert controls["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_bucket_website(Bucket="kroless-site")["IndexDocument"] == {"Suffix": "index.html"}
    assert s3.get_bucket_accelerate_configuration(Bucket="kroless-site")["Status"] == "Suspended"
    finish(provider, bucket)


def test_bucket_of_someone_else_conflicts(provider: AwsProvider) -> None:
    from kroless.providers.base import ConflictError

    boto3.client("s3", region_name=REGION).create_bucket(Bucket="taken")
    with pytest.raises(ConflictError):
        provider.apply(manifest("Bucket", "b", {"name": "taken"}, service="s3"), Ownership("default/x", "b"))


def test_subnet_route_table_associations(provider: AwsProvider, refs: FakeReferences) -> None:
    """ACK's Subnet.routeTables / routeTableRefs (Kro's ack-eks-cluster and eks-cluster-mgmt examples)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = provider.apply(manifest("VPC", "vpc", {"cidrBlocks": ["10.20.0.0/16"]}, service="ec2"), OWNER)
    vpc_id = vpc["status"]["vpcID"]
    public = provider.apply(manifest("RouteTable", "public", {"vpcID": vpc_id}, service="ec2"), OWNER)
    refs.put(public)
    private = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    subnet = manifest(
        "Subnet",
        "subnet-a",
        {"vpcID": vpc_id, "cidrBlock": "10.20.1.0/24", "routeTableRefs": [{"from": {"name": "public"}}]},
        service="ec2",
    )
    created = provider.apply(subnet, OWNER)
    subnet_id = created["status"]["subnetID"]

    def associated() -> set[str]:
        tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
        return {a["RouteTableId"] for t in tables["RouteTables"] for a in t["Associations"] if a.get("SubnetId") == subnet_id}

    assert associated() == {public["status"]["routeTableID"]}
    assert synced(provider.apply(subnet, OWNER)) == "True"  # in sync: nothing to do
    subnet["spec"] = {"vpcID": vpc_id, "cidrBlock": "10.20.1.0/24", "routeTables": [private]}
    assert synced(provider.apply(subnet, OWNER)) == "True"
    assert associated() == {private}  # moved: the old association removed, the new one made
    finish(provider, subnet)  # associations cleared first


def test_role_inline_policies(provider: AwsProvider) -> None:
    """ACK's Role.inlinePolicies, name -> JSON document (Kro's data-processor example)."""
    iam = boto3.client("iam", region_name=REGION)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    read = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}
    write = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::data/*"}]}
    role = manifest(
        "Role",
        "processor",
        {"name": "processor", "assumeRolePolicyDocument": json.dumps(trust), "inlinePolicies": {"read": json.dumps(read)}},
        service="iam",
    )
    created, updated = round_trip(provider, role, {"inlinePolicies": {"read": json.dumps(write), "write": json.dumps(write)}})
    assert sorted(iam.list_role_policies(RoleName="processor")["PolicyNames"]) == ["read", "write"]
    assert iam.get_role_policy(RoleName="processor", PolicyName="read")["PolicyDocument"] == write  # changed in place
    role["spec"]["inlinePolicies"] = {"write": json.dumps(write)}
    assert synced(provider.apply(role, OWNER)) == "True"
    assert iam.list_role_policies(RoleName="processor")["PolicyNames"] == ["write"]
    finish(provider, role)  # inline policies deleted first, or DeleteRole would refuse
