"""An RGD of kinds only the generic ACK engine serves (no hand table entry): SQS Queue, CloudWatch Logs LogGroup
encrypted with a KMS Key, ECR Repository, on the local cloud (IAM enforced: the reconcile role's actions come from
the same derived entries, infra.kind_actions). It reaches ACTIVE and is deleted with nothing left."""

from __future__ import annotations

import yaml

from .conftest import Account

RGD = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: worker.kro.run
spec:
  schema:
    apiVersion: v1alpha1
    kind: Worker
    spec:
      name: string | required=true
      retentionDays: integer | default=7
    status:
      queueURL: ${queue.status.queueURL}
      queueARN: ${queue.status.ackResourceMetadata.arn}
      keyARN: ${key.status.ackResourceMetadata.arn}
      logGroupARN: ${logs.status.ackResourceMetadata.arn}
      repositoryURI: ${images.status.repositoryURI}
  resources:
    - id: queue
      template:
        apiVersion: sqs.services.k8s.aws/v1alpha1
        kind: Queue
        metadata:
          name: ${schema.spec.name}-jobs
        spec:
          queueName: ${schema.spec.name}-jobs
          visibilityTimeout: "60"
    - id: key
      template:
        apiVersion: kms.services.k8s.aws/v1alpha1
        kind: Key
        metadata:
          name: ${schema.spec.name}-logs
        spec:
          description: logs of ${schema.spec.name}
    - id: logs
      template:
        apiVersion: cloudwatchlogs.services.k8s.aws/v1alpha1
        kind: LogGroup
        metadata:
          name: ${schema.spec.name}-logs
        spec:
          name: /workers/${schema.spec.name}
          retentionDays: ${schema.spec.retentionDays}
          kmsKeyRef:
            from:
              name: ${key.metadata.name}
    - id: images
      template:
        apiVersion: ecr.services.k8s.aws/v1alpha1
        kind: Repository
        metadata:
          name: ${schema.spec.name}-images
        spec:
          name: workers/${schema.spec.name}
"""


def test_generic_kinds_reach_active_and_delete_cleanly(account: Account) -> None:
    control, session = account.control, account.session
    control.register(yaml.safe_load(RGD), file="worker.yaml")
    instance = {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "Worker",
        "metadata": {"name": "demo", "namespace": "default"},
        "spec": {"name": "demo"},
    }
    result = control.apply(instance)
    assert result["state"] == "ACTIVE", result["status"].get("conditions")
    status = result["status"]
    sqs, logs, kms, ecr = (session.client(s) for s in ("sqs", "logs", "kms", "ecr"))
    assert status["queueURL"] == sqs.get_queue_url(QueueName="demo-jobs")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=status["queueURL"], AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "60" and attributes["QueueArn"] == status["queueARN"]
    [group] = logs.describe_log_groups(logGroupNamePrefix="/workers/demo")["logGroups"]
    assert (group["retentionInDays"], group["kmsKeyId"]) == (7, status["keyARN"])
    assert group["logGroupArn"] == status["logGroupARN"]
    [repository] = ecr.describe_repositories()["repositories"]
    assert repository["repositoryUri"] == status["repositoryURI"]

    assert control.delete(instance) == {"state": "DELETED"}
    assert account.store.list_instances() == []
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="demo")  # (the stack has its own queues, log groups)
    assert logs.describe_log_groups(logGroupNamePrefix="/workers")["logGroups"] == []
    assert ecr.describe_repositories()["repositories"] == []
    key_id = status["keyARN"].rpartition("/")[2]
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"  # KMS's only deletion
