"""create -> read -> update -> delete on moto for the kinds the generic ACK engine derives from ACK's data.

These kinds have no hand table entry: generator.yaml + the CRD + botocore's model make their entry
(kroless.providers.aws.generic), with the service hooks in kroless.providers.aws.services.
"""

from __future__ import annotations

import boto3
import pytest

from kroless.providers.aws import AwsProvider, kinds
from kroless.providers.base import INSTANCE_TAG, ImmutableFieldError

from .conftest import OWNER, REGION, FakeReferences, manifest, synced
from .test_more_kinds import finish, round_trip


@pytest.mark.parametrize("service, kind", [("sqs", "Queue"), ("cloudwatchlogs", "LogGroup"), ("kms", "Key"),
                                           ("ecr", "Repository"), ("secretsmanager", "Secret")])
def test_generic_kinds_have_no_hand_entry(service: str, kind: str) -> None:
    assert kinds.lookup(service, kind) is None


def test_queue(provider: AwsProvider) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue = manifest("Queue", "orders", {"queueName": "orders", "delaySeconds": "5", "tags": {"team": "a"}}, service="sqs")
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
