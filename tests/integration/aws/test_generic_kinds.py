"""create -> read -> update -> delete on moto for the kinds the generic ACK engine derives from ACK's data.

These kinds have no hand table entry: generator.yaml + the CRD + botocore's model make their entry
(kroless.providers.aws.generic), with the service hooks in kroless.providers.aws.services.
"""

from __future__ import annotations

import copy
import json

import boto3

from kroless.providers.aws import AwsProvider, kinds
from kroless.providers.aws.services import GENERIC_KINDS
from kroless.providers.base import INSTANCE_TAG

from .conftest import OWNER, REGION, FakeReferences, manifest, synced
from .test_core_kinds import assert_crd_status
from .test_more_kinds import finish, round_trip
from .test_service_kinds import python_function, role

# the kinds this file round-trips (each test below), so that a kind added to GENERIC_KINDS needs its test
TESTED = [
    ("cloudwatchlogs", "LogGroup"),
    ("ecr", "Repository"),
    ("kms", "Key"),
    ("lambda", "EventSourceMapping"),
    ("secretsmanager", "Secret"),
    ("sqs", "Queue"),
]


def test_every_generic_kind_is_tested_here_and_has_no_hand_entry() -> None:
    # eks IdentityProviderConfig's hook: moto has no identity provider configs; test_every_kind.py (Stubber)
    assert sorted(GENERIC_KINDS) == sorted([*TESTED, ("eks", "IdentityProviderConfig")])
    assert [key for key in GENERIC_KINDS if kinds.lookup(*key) is not None] == []


def test_queue(provider: AwsProvider) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue = manifest(
        "Queue", "orders", {"queueName": "orders", "delaySeconds": "5", "tags": {"team": "a"}}, service="sqs"
    )
    created, updated = round_trip(provider, queue, {"visibilityTimeout": "45"})
    status = created["status"]
    url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    assert status["queueURL"] == url
    assert status["queueARN"] == status["ackResourceMetadata"]["arn"] == f"arn:aws:sqs:{REGION}:123456789012:orders"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["DelaySeconds"], attributes["VisibilityTimeout"]) == ("5", "45")
    tags = sqs.list_queue_tags(QueueUrl=url)["Tags"]
    assert tags["team"] == "a" and tags[INSTANCE_TAG] == OWNER.instance
    finish(provider, queue)
    assert "QueueUrls" not in sqs.list_queues()


def test_log_group(provider: AwsProvider) -> None:
    logs = boto3.client("logs", region_name=REGION)
    group = manifest("LogGroup", "app", {"name": "/app/orders", "tags": {"team": "a"}}, service="cloudwatchlogs")
    logs.create_log_group(logGroupName="/app/orders-other")  # same prefix: not the group kroless manages
    created, updated = round_trip(provider, group, {"retentionDays": 14})
    assert (
        created["status"]["ackResourceMetadata"]["arn"] == f"arn:aws:logs:{REGION}:123456789012:log-group:/app/orders"
    )
    assert updated["status"]["retentionInDays"] == 14
    [described] = [g for g in logs.describe_log_groups()["logGroups"] if g["logGroupName"] == "/app/orders"]
    assert described["retentionInDays"] == 14
    tags = logs.list_tags_for_resource(resourceArn=created["status"]["ackResourceMetadata"]["arn"])["tags"]
    assert tags["team"] == "a" and tags[INSTANCE_TAG] == OWNER.instance
    finish(provider, group)
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == ["/app/orders-other"]


def test_key_rotation_and_policy_changed_in_place(provider: AwsProvider, refs: FakeReferences) -> None:
    """``enableKeyRotation`` and ``policy`` (ACK's custom update): Enable/DisableKeyRotation, PutKeyPolicy on the same key."""
    kms = boto3.client("kms", region_name=REGION)
    key = manifest("Key", "rotated", {"description": "rotated", "enableKeyRotation": True}, service="kms")
    created = provider.apply(key, OWNER)
    key_id = created["status"]["keyID"]
    refs.put(created)  # what the runtime records: a key is found by the id in its status
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    key["spec"]["enableKeyRotation"] = False
    updated = provider.apply(key, OWNER)
    assert updated["status"]["keyID"] == key_id and synced(updated) == "True"
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    assert len(kms.list_keys()["Keys"]) == 1
    # the key policy (PutKeyPolicy), given at create and changed in place
    for principal in ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/admin"):
        statement = {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}
        key["spec"]["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        assert synced(provider.apply(key, OWNER)) == "True"
        policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        assert policy["Statement"][0]["Principal"] == {"AWS": principal}
        assert synced(provider.apply(key, OWNER)) == "True"  # applied again: nothing differs
    assert len(kms.list_keys()["Keys"]) == 1
    finish(provider, key)


def test_log_group_key_changed_in_place(provider: AwsProvider, refs: FakeReferences) -> None:
    """``kmsKeyID`` (ACK's custom update): AssociateKmsKey gives the same log group another key."""
    kms, logs = (boto3.client(s, region_name=REGION) for s in ("kms", "logs"))
    first, second = (kms.create_key(Description=d)["KeyMetadata"]["Arn"] for d in ("first", "second"))
    group = manifest("LogGroup", "enc", {"name": "/app/enc", "kmsKeyID": first}, service="cloudwatchlogs")
    created = provider.apply(group, OWNER)
    group["spec"]["kmsKeyID"] = second
    updated = provider.apply(group, OWNER)
    assert synced(updated) == "True"
    assert updated["status"]["ackResourceMetadata"] == created["status"]["ackResourceMetadata"]
    [described] = logs.describe_log_groups(logGroupNamePrefix="/app/enc")["logGroups"]
    assert described["kmsKeyId"] == second
    assert provider.apply(group, OWNER)["status"]["conditions"] == updated["status"]["conditions"]
    finish(provider, group)


def test_key_referenced_by_log_group(provider: AwsProvider, refs: FakeReferences) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key = manifest(
        "Key", "logs-key", {"description": "logs", "tags": [{"tagKey": "team", "tagValue": "a"}]}, service="kms"
    )
    created = provider.apply(key, OWNER)
    assert_crd_status(created)
    refs.put(created)
    key_id = created["status"]["keyID"]
    assert created["status"]["keyState"] == "Enabled" and synced(created) == "True"
    assert provider.read(key)["status"] == created["status"]
    assert provider.apply(key, OWNER)["status"]["keyID"] == key_id  # found by the recorded id: no second key
    assert len(kms.list_keys()["Keys"]) == 1
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}
    assert tags["team"] == "a" and tags[INSTANCE_TAG] == OWNER.instance
    group = manifest(
        "LogGroup", "app", {"name": "/app/enc", "kmsKeyRef": {"from": {"name": "logs-key"}}}, service="cloudwatchlogs"
    )
    provider.apply(group, OWNER)
    [described] = boto3.client("logs", region_name=REGION).describe_log_groups()["logGroups"]
    assert described["kmsKeyId"] == created["status"]["ackResourceMetadata"]["arn"]
    finish(provider, group)
    finish(provider, key)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_repository(provider: AwsProvider) -> None:
    ecr = boto3.client("ecr", region_name=REGION)
    repo = manifest("Repository", "images", {"name": "team/images", "imageTagMutability": "MUTABLE"}, service="ecr")
    policy = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}'
    created, updated = round_trip(provider, repo, {"imageTagMutability": "IMMUTABLE", "lifecyclePolicy": policy})
    [described] = ecr.describe_repositories(repositoryNames=["team/images"])["repositories"]
    assert described["imageTagMutability"] == "IMMUTABLE"
    assert created["status"]["repositoryURI"] == described["repositoryUri"]
    assert ecr.get_lifecycle_policy(repositoryName="team/images")["lifecyclePolicyText"] == policy
    # the repository policy (SetRepositoryPolicy), set and then changed in place
    for principal in ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/ci"):
        pull = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": ["ecr:BatchGetImage"]}
        repo["spec"]["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "pull", **pull}]})
        assert synced(provider.apply(repo, OWNER)) == "True"
        text = ecr.get_repository_policy(repositoryName="team/images")["policyText"]
        assert json.loads(text)["Statement"][0]["Principal"] == {"AWS": principal}
        assert synced(provider.apply(repo, OWNER)) == "True"  # applied again: nothing differs (no update loop)
    finish(provider, repo)
    assert ecr.describe_repositories()["repositories"] == []


def test_secret(provider: AwsProvider, refs: FakeReferences) -> None:
    sm = boto3.client("secretsmanager", region_name=REGION)
    refs.secrets[("default", "db")] = {"password": "aHVudGVyMg=="}  # base64 of hunter2
    secret = manifest(
        "Secret",
        "db",
        {"name": "app/db", "description": "v1", "secretString": {"name": "db", "key": "password"}},
        service="secretsmanager",
    )
    # versionID is the create's VersionId (DescribeSecret does not name the current version): kept, as ACK keeps
    # it in status, from the object the runtime records
    refs.put(provider.apply(copy.deepcopy(secret), OWNER))
    created, updated = round_trip(provider, secret, {"description": "v2"})
    assert created["status"]["id"] == created["status"]["ackResourceMetadata"]["arn"]
    stages = sm.describe_secret(SecretId="app/db")["VersionIdsToStages"]
    assert stages[created["status"]["versionID"]] == ["AWSCURRENT"]
    assert sm.get_secret_value(SecretId="app/db")["SecretString"] == "hunter2"
    assert sm.describe_secret(SecretId="app/db")["Description"] == "v2"
    assert "hunter2" not in str(updated)  # the value stays a reference in what kroless records
    finish(provider, secret)
    assert sm.list_secrets()["SecretList"] == []


def test_event_source_mapping(provider: AwsProvider, refs: FakeReferences) -> None:
    """A generated id (UUID) recorded in status; a mapping not recorded yet is found by function + source."""
    lam = boto3.client("lambda", region_name=REGION)
    role(provider, refs, "worker-role", "lambda.amazonaws.com")
    function = python_function("worker", "worker-role")
    refs.put(provider.apply(function, OWNER))
    queue = provider.apply(manifest("Queue", "jobs", {"queueName": "jobs"}, service="sqs"), OWNER)
    spec = {
        "functionRef": {"from": {"name": "worker"}},
        "eventSourceARN": queue["status"]["queueARN"],
        "batchSize": 5,
    }
    mapping = manifest("EventSourceMapping", "jobs-to-worker", spec, service="lambda")
    created, updated = round_trip(provider, mapping, {"batchSize": 7})
    uuid = created["status"]["uuid"]
    assert created["status"]["functionARN"] == f"arn:aws:lambda:{REGION}:123456789012:function:worker"
    assert lam.get_event_source_mapping(UUID=uuid)["BatchSize"] == 7
    assert lam.list_tags(Resource=created["status"]["ackResourceMetadata"]["arn"])["Tags"][INSTANCE_TAG] == OWNER.instance
    assert provider.apply(mapping, OWNER)["status"]["uuid"] == uuid  # not recorded (refs): found, not created again
    refs.put(updated)
    assert provider.read(mapping)["status"]["uuid"] == uuid
    assert len(lam.list_event_source_mappings()["EventSourceMappings"]) == 1
    finish(provider, mapping)
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
