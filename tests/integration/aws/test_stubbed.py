"""What moto cannot show, with botocore's Stubber on a real client: EKS access entries (moto has none),
RDS's "deleting" state (moto deletes at once), and that no secret value reaches a log or the output."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from kroless.providers.aws import AwsProvider

from .conftest import OWNER, REGION, FakeReferences, manifest, synced

CLUSTER = "arn:aws:eks:us-east-1:123456789012:cluster/demo"
PRINCIPAL = "arn:aws:iam::123456789012:role/dev"
ENTRY_ARN = "arn:aws:eks:us-east-1:123456789012:access-entry/demo/role/123456789012/dev/abc"


def stubbed(refs: FakeReferences, service: str) -> tuple[AwsProvider, Stubber]:
    import boto3

    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name=REGION)
    provider = AwsProvider(refs, session=session, region=REGION)
    stubber = Stubber(provider.client(service))
    stubber.activate()
    return provider, stubber


def entry(groups: list[str], tags: dict[str, str]) -> dict[str, Any]:
    return {
        "accessEntry": {
            "clusterName": "demo",
            "principalArn": PRINCIPAL,
            "kubernetesGroups": groups,
            "accessEntryArn": ENTRY_ARN,
            "createdAt": "2026-01-01T00:00:00Z",
            "modifiedAt": "2026-01-01T00:00:00Z",
            "tags": tags,
            "username": "dev",
            "type": "STANDARD",
        }
    }


def test_eks_access_entry_round_trip() -> None:
    refs = FakeReferences()
    provider, eks = stubbed(refs, "eks")
    m = manifest(
        "AccessEntry",
        "dev",
        {"clusterName": "demo", "principalARN": PRINCIPAL, "kubernetesGroups": ["viewers"]},
        service="eks",
    )
    owned = {"kroless:instance": OWNER.instance, "kroless:node": OWNER.node, "kroless:object": "default/dev"}
    key = {"clusterName": "demo", "principalArn": PRINCIPAL}
    not_found = {"service_error_code": "ResourceNotFoundException", "service_message": "no"}
    eks.add_client_error("describe_access_entry", expected_params=key, **not_found)
    eks.add_response(
        "create_access_entry",
        entry(["viewers"], owned),
        {**key, "kubernetesGroups": ["viewers"], "tags": owned, "clientRequestToken": ANY},
    )
    eks.add_response("describe_access_entry", entry(["viewers"], owned), key)
    created = provider.apply(m, OWNER)
    assert created["status"]["ackResourceMetadata"]["arn"] == ENTRY_ARN
    assert created["status"]["createdAt"] == "2026-01-01T00:00:00Z"
    assert synced(created) == "True"

    m["spec"]["kubernetesGroups"] = ["editors"]
    eks.add_response("describe_access_entry", entry(["viewers"], owned), key)
    eks.add_response("update_access_entry", entry(["editors"], owned), {**key, "kubernetesGroups": ["editors"]})
    eks.add_response("describe_access_entry", entry(["editors"], owned), key)
    assert synced(provider.apply(m, OWNER)) == "True"

    eks.add_response("describe_access_entry", entry(["editors"], owned), key)
    eks.add_response("delete_access_entry", {}, key)
    eks.add_client_error("describe_access_entry", expected_params=key, **not_found)
    assert provider.delete(m) is True
    eks.assert_no_pending_responses()


def db(status: str) -> dict[str, Any]:
    return {
        "DBInstances": [
            {
                "DBInstanceIdentifier": "pg",
                "DBInstanceStatus": status,
                "Engine": "postgres",
                "DBInstanceArn": "arn:aws:rds:us-east-1:123456789012:db:pg",
            }
        ]
    }


def test_db_instance_delete_is_false_while_deleting() -> None:
    provider, rds = stubbed(FakeReferences(), "rds")
    m = manifest(
        "DBInstance",
        "pg",
        {"dbInstanceIdentifier": "pg", "dbInstanceClass": "db.t4g.micro", "engine": "postgres"},
        service="rds",
    )
    key = {"DBInstanceIdentifier": "pg"}
    rds.add_response("describe_db_instances", db("available"), key)
    rds.add_response(
        "delete_db_instance",
        {"DBInstance": db("deleting")["DBInstances"][0]},
        {**key, "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True},
    )
    rds.add_response("describe_db_instances", db("deleting"), key)
    assert provider.delete(m) is False
    rds.add_response("describe_db_instances", db("deleting"), key)  # no second DeleteDBInstance
    assert provider.delete(m) is False
    rds.add_client_error("describe_db_instances", "DBInstanceNotFound", expected_params=key)
    assert provider.delete(m) is True
    rds.assert_no_pending_responses()


def test_creating_db_instance_is_not_synced() -> None:
    provider, rds = stubbed(FakeReferences(), "rds")
    m = manifest(
        "DBInstance",
        "pg",
        {"dbInstanceIdentifier": "pg", "dbInstanceClass": "db.t4g.micro", "engine": "postgres"},
        service="rds",
    )
    rds.add_response("describe_db_instances", db("creating"), {"DBInstanceIdentifier": "pg"})
    rds.add_response("list_tags_for_resource", {"TagList": []}, {"ResourceName": ANY})
    observed = provider.read(m)
    assert observed is not None and observed["status"]["dbInstanceStatus"] == "creating"
    assert synced(observed) == "False"


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
