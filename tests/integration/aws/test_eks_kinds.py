"""EKS: Cluster and Nodegroup round trips on moto; PodIdentityAssociation and Addon with botocore's Stubber (the
exact requests), and AccessEntry and Addon against the operations the local cloud adds to moto (which has none)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import ANY

from kroless.providers.aws import AwsProvider
from kroless.providers.base import ImmutableFieldError, NotReadyError

from .conftest import OWNER, REGION, FakeReferences, manifest, synced
from .test_more_kinds import TRUST, finish, round_trip
from .test_stubbed import stubbed

OWNED = {"kroless:instance": OWNER.instance, "kroless:node": OWNER.node}
NOT_FOUND = {"service_error_code": "ResourceNotFoundException", "service_message": "not found"}


def _role(provider: AwsProvider, refs: FakeReferences, name: str, service: str) -> dict[str, Any]:
    trust = json.dumps({**TRUST, "Statement": [{**TRUST["Statement"][0], "Principal": {"Service": service}}]})
    role = provider.apply(
        manifest("Role", name, {"name": name, "assumeRolePolicyDocument": trust}, service="iam"), OWNER
    )
    refs.put(role)
    return role


def test_cluster_and_nodegroup(provider: AwsProvider, refs: FakeReferences, network: dict[str, Any]) -> None:
    eks = boto3.client("eks", region_name=REGION)
    _role(provider, refs, "cluster-role", "eks.amazonaws.com")
    node_role = _role(provider, refs, "node-role", "ec2.amazonaws.com")
    for i, subnet in enumerate(network["subnets"]):
        refs.put(manifest("Subnet", f"subnet-{i}", {}, service="ec2") | {"status": {"subnetID": subnet}})
    logging = {"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]}
    cluster = manifest(
        "Cluster",
        "demo",
        {
            "name": "demo",
            "version": "1.31",
            "roleRef": {"from": {"name": "cluster-role"}},
            "resourcesVPCConfig": {
                "subnetRefs": [{"from": {"name": "subnet-0"}}, {"from": {"name": "subnet-1"}}],
                "endpointPublicAccess": True,
            },
            "tags": {"Environment": "demo"},
        },
        service="eks",
    )
    created, _ = round_trip(provider, cluster, {"logging": logging})
    status = created["status"]
    assert status["ackResourceMetadata"]["arn"].endswith(":cluster/demo")
    assert status["status"] == "ACTIVE" and status["endpoint"]
    described = eks.describe_cluster(name="demo")["cluster"]
    assert described["resourcesVpcConfig"]["subnetIds"] == network["subnets"]
    assert described["logging"]["clusterLogging"][0]["types"] == ["api", "audit"]
    assert described["tags"]["kroless:instance"] == OWNER.instance and described["tags"]["Environment"] == "demo"
    refs.put(created)
    with pytest.raises(ImmutableFieldError, match="spec.roleARN"):
        spec = {k: v for k, v in cluster["spec"].items() if k != "roleRef"}
        provider.apply({**cluster, "spec": {**spec, "roleARN": "arn:aws:iam::123456789012:role/other"}}, OWNER)

    nodegroup = manifest(
        "Nodegroup",
        "demo-ng",
        {
            "clusterRef": {"from": {"name": "demo"}},
            "name": "demo-ng",
            "nodeRole": node_role["status"]["ackResourceMetadata"]["arn"],
            "subnets": network["subnets"],
            "scalingConfig": {"desiredSize": 1, "minSize": 1, "maxSize": 2},
            "instanceTypes": ["t3.medium"],
            "amiType": "AL2023_x86_64_STANDARD",
        },
        service="eks",
    )
    created, updated = round_trip(
        provider, nodegroup, {"scalingConfig": {"desiredSize": 2, "minSize": 1, "maxSize": 3}}
    )
    assert ":nodegroup/demo/demo-ng/" in created["status"]["ackResourceMetadata"]["arn"]
    assert updated["status"]["desiredSize"] == 2
    assert (
        eks.describe_nodegroup(clusterName="demo", nodegroupName="demo-ng")["nodegroup"]["scalingConfig"]["maxSize"]
        == 3
    )
    finish(provider, nodegroup)
    finish(provider, cluster)


ASSOCIATION_ARN = "arn:aws:eks:us-east-1:123456789012:podidentityassociation/demo/a-1"
ROLE = "arn:aws:iam::123456789012:role/app"
ROLE2 = "arn:aws:iam::123456789012:role/app2"


def association(role: str) -> dict[str, Any]:
    return {
        "clusterName": "demo",
        "namespace": "default",
        "serviceAccount": "app",
        "roleArn": role,
        "associationArn": ASSOCIATION_ARN,
        "associationId": "a-1",
        "tags": {**OWNED, "kroless:object": "default/app"},
        "createdAt": "2026-01-01T00:00:00Z",
        "modifiedAt": "2026-01-01T00:00:00Z",
    }


def test_pod_identity_association_stubbed() -> None:
    provider, eks = stubbed(FakeReferences(), "eks")
    spec = {"clusterName": "demo", "namespace": "default", "serviceAccount": "app", "roleARN": ROLE}
    m = manifest("PodIdentityAssociation", "app", spec, service="eks")
    listing = {"clusterName": "demo", "namespace": "default", "serviceAccount": "app"}
    key = {"clusterName": "demo", "associationId": "a-1"}
    summary = {"associations": [{k: association(ROLE)[k] for k in ("clusterName", "namespace", "serviceAccount")}]}
    summary["associations"][0] |= {"associationArn": ASSOCIATION_ARN, "associationId": "a-1"}

    eks.add_response("list_pod_identity_associations", {"associations": []}, listing)
    eks.add_response(
        "create_pod_identity_association",
        {"association": association(ROLE)},
        {**listing, "roleArn": ROLE, "tags": ANY, "clientRequestToken": ANY},
    )
    eks.add_response("describe_pod_identity_association", {"association": association(ROLE)}, key)
    created = provider.apply(m, OWNER)
    assert created["status"]["ackResourceMetadata"]["arn"] == ASSOCIATION_ARN
    assert created["status"]["associationID"] == "a-1" and synced(created) == "True"

    m["spec"]["roleARN"] = ROLE2
    eks.add_response("list_pod_identity_associations", summary, listing)
    eks.add_response("describe_pod_identity_association", {"association": association(ROLE)}, key)
    eks.add_response("update_pod_identity_association", {"association": association(ROLE2)}, {**key, "roleArn": ROLE2})
    eks.add_response("describe_pod_identity_association", {"association": association(ROLE2)}, key)
    assert synced(provider.apply(m, OWNER)) == "True"

    eks.add_response("list_pod_identity_associations", summary, listing)
    eks.add_response("describe_pod_identity_association", {"association": association(ROLE2)}, key)
    eks.add_response("delete_pod_identity_association", {"association": association(ROLE2)}, key)
    eks.add_client_error("describe_pod_identity_association", expected_params=key, **NOT_FOUND)
    assert provider.delete(m) is True
    eks.assert_no_pending_responses()


ADDON_ARN = "arn:aws:eks:us-east-1:123456789012:addon/demo/eks-pod-identity-agent/x"


def addon(version: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "addon": {
            "addonName": "eks-pod-identity-agent",
            "clusterName": "demo",
            "status": status,
            "addonVersion": version,
            "health": {"issues": []},
            "addonArn": ADDON_ARN,
            "createdAt": "2026-01-01T00:00:00Z",
            "modifiedAt": "2026-01-01T00:00:00Z",
            "tags": {**OWNED, "kroless:object": "default/agent"},
        }
    }


def test_addon_stubbed() -> None:
    provider, eks = stubbed(FakeReferences(), "eks")
    spec = {"name": "eks-pod-identity-agent", "addonVersion": "v1.3.4-eksbuild.1", "clusterName": "demo"}
    m = manifest("Addon", "agent", spec, service="eks")
    key = {"clusterName": "demo", "addonName": "eks-pod-identity-agent"}

    eks.add_client_error("describe_addon", expected_params=key, **NOT_FOUND)
    eks.add_response(
        "create_addon",
        addon("v1.3.4-eksbuild.1", "CREATING"),
        {**key, "addonVersion": "v1.3.4-eksbuild.1", "tags": ANY, "clientRequestToken": ANY},
    )
    eks.add_response("describe_addon", addon("v1.3.4-eksbuild.1", "CREATING"), key)
    created = provider.apply(m, OWNER)
    assert created["status"]["ackResourceMetadata"]["arn"] == ADDON_ARN
    assert synced(created) == "False"  # CREATING is not synced yet
    eks.add_response("describe_addon", addon("v1.3.4-eksbuild.1"), key)
    assert synced(provider.read(m)) == "True"

    m["spec"]["addonVersion"] = "v1.3.5-eksbuild.2"
    eks.add_response("describe_addon", addon("v1.3.4-eksbuild.1"), key)
    eks.add_response(
        "update_addon",
        {"update": {"id": "u-1", "status": "InProgress", "type": "VersionUpdate"}},
        {**key, "addonVersion": "v1.3.5-eksbuild.2"},
    )
    eks.add_response("describe_addon", addon("v1.3.5-eksbuild.2"), key)
    assert synced(provider.apply(m, OWNER)) == "True"

    eks.add_response("describe_addon", addon("v1.3.5-eksbuild.2"), key)
    eks.add_response("delete_addon", addon("v1.3.5-eksbuild.2", "DELETING"), key)
    eks.add_response("describe_addon", addon("v1.3.5-eksbuild.2", "DELETING"), key)
    assert provider.delete(m) is False  # AWS is deleting it
    eks.add_response("describe_addon", addon("v1.3.5-eksbuild.2", "DELETING"), key)
    assert provider.delete(m) is False  # no second DeleteAddon
    eks.add_client_error("describe_addon", expected_params=key, **NOT_FOUND)
    assert provider.delete(m) is True
    eks.assert_no_pending_responses()


def test_access_entry_and_addon_on_the_local_cloud(provider: AwsProvider, refs: FakeReferences) -> None:
    """The same kinds against moto plus the local cloud's EKS access entries and add-ons (moto has neither)."""
    eks = boto3.client("eks", region_name=REGION)
    role = _role(provider, refs, "cluster-role", "eks.amazonaws.com")
    eks.create_cluster(name="demo", roleArn=role["status"]["ackResourceMetadata"]["arn"], resourcesVpcConfig={})
    principal = role["status"]["ackResourceMetadata"]["arn"]
    view = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    entry = manifest(
        "AccessEntry",
        "dev",
        {
            "clusterName": "demo",
            "principalARN": principal,
            "kubernetesGroups": ["viewers"],
            "accessPolicies": [{"policyARN": view, "accessScope": {"type": "namespace", "namespaces": ["apps"]}}],
        },
        service="eks",
    )
    round_trip(provider, entry, {"kubernetesGroups": ["editors"]})
    described = eks.describe_access_entry(clusterName="demo", principalArn=principal)["accessEntry"]
    assert described["kubernetesGroups"] == ["editors"]
    policies = eks.list_associated_access_policies(clusterName="demo", principalArn=principal)
    assert [p["policyArn"] for p in policies["associatedAccessPolicies"]] == [view]
    finish(provider, entry)

    addon = manifest("Addon", "agent", {"name": "eks-pod-identity-agent", "addonVersion": "v1.3.4-eksbuild.1", "clusterName": "demo"}, service="eks")
    round_trip(provider, addon, {"addonVersion": "v1.3.5-eksbuild.2"})
    assert eks.describe_addon(clusterName="demo", addonName="eks-pod-identity-agent")["addon"]["addonVersion"] == "v1.3.5-eksbuild.2"
    finish(provider, addon)


def test_an_access_entry_of_a_cluster_not_created_yet_waits(provider: AwsProvider, refs: FakeReferences) -> None:
    """Kro's eks-cluster-mgmt names the cluster of its access entry by value, not by reference: no graph edge,
    so on the state machines the entry may come first. ACK requeues; the node waits (NotReady), then creates."""
    role = _role(provider, refs, "cluster-role", "eks.amazonaws.com")
    principal = role["status"]["ackResourceMetadata"]["arn"]
    entry = manifest("AccessEntry", "dev", {"clusterName": "later", "principalARN": principal}, service="eks")
    with pytest.raises(NotReadyError, match="CreateAccessEntry: ResourceNotFoundException: No cluster found for name: later"):
        provider.apply(entry, OWNER)
    boto3.client("eks", region_name=REGION).create_cluster(name="later", roleArn=principal, resourcesVpcConfig={})
    assert provider.apply(entry, OWNER)["status"]["ackResourceMetadata"]["arn"]
