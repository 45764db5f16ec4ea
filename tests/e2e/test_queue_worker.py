"""Issue 11's "done when" RGD (examples/queue-worker): SQS Queue, CloudWatch Logs LogGroup, Lambda Function and
its EventSourceMapping on the queue, the function's IAM Role, a KMS Key and an S3 Bucket encrypted with it, an ECR
Repository, a Secrets Manager Secret and an RDS DBInstance sharing their password (a Kubernetes Secret), on the
local cloud with IAM enforced. It reaches ACTIVE with every status field of each kind's CRD that AWS returns,
updates in place (same ARNs, new values read back from AWS), and deletes with nothing left."""

from __future__ import annotations

import base64
import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import yaml

from kroless.model import load_path
from kroless.schemas.ack import ack_schema
from kroless.store import InstanceKey

from .conftest import REGION, Account

EXAMPLE = Path(__file__).parents[2] / "examples" / "queue-worker"
PASSWORD = "s3cr3t-Passw0rd"

# Status fields of the kinds' CRDs that the reads do not fill here, and why. Everything else must be set.
NOT_RETURNED: dict[str, dict[str, str]] = {
    "key": {
        "cloudHsmClusterID": "only for a key in a CloudHSM key store",
        "deletionDate": "only while the key is pending deletion",
        "pendingDeletionWindowInDays": "only while the key is pending deletion",
        "expirationModel": "only for imported key material",
        "validTo": "only for imported key material",
        "macAlgorithms": "only for HMAC keys",
        "multiRegionConfiguration": "only for multi-Region keys",
    },
    "logs": {"dataProtectionStatus": "only with a data protection policy"},
    "credentials": {"replicationStatus": "only for a secret replicated to other regions"},
    "trigger": {"lastProcessingResult": "AWS reports it for stream sources, not for SQS"},
    "worker": {
        "imageConfigResponse": "only for container image functions",
        "layerStatuses": "the function has no layers",
        "masterARN": "only for Lambda@Edge replicas",
        "signingJobARN": "only for signed code",
        "signingProfileVersionARN": "only for signed code",
        "stateReason": "only while pending or failed",
        "stateReasonCode": "only while pending or failed",
        "lastUpdateStatusReason": "only while an update is in progress or failed",
        "lastUpdateStatusReasonCode": "only while an update is in progress or failed",
        "revisionID": "moto's GetFunction has no RevisionId (AWS returns one)",
    },
    "database": {
        "activityStreamEngineNativeAuditFieldsIncluded": "no database activity stream",
        "activityStreamKMSKeyID": "no database activity stream",
        "activityStreamKinesisStreamName": "no database activity stream",
        "activityStreamMode": "no database activity stream",
        "activityStreamPolicyStatus": "no database activity stream",
        "activityStreamStatus": "no database activity stream",
        "automaticRestartTime": "only for a stopped instance",
        "automationMode": "only for RDS Custom",
        "resumeFullAutomationModeTime": "only for RDS Custom",
        "awsBackupRecoveryPointARN": "only with AWS Backup",
        "customerOwnedIPEnabled": "only on Outposts (moto omits it)",
        "dbInstanceAutomatedBackupsReplications": "no cross-region backup replication",
        "dbSystemID": "only for Oracle CDBs / RDS Custom",
        "enhancedMonitoringResourceARN": "no enhanced monitoring",
        "listenerEndpoint": "only for SQL Server multi-AZ",
        "masterUserSecret": "only with manageMasterUserPassword",
        "readReplicaDBClusterIdentifiers": "no read replica",
        "readReplicaSourceDBClusterIdentifier": "not a read replica",
        "readReplicaSourceDBInstanceIdentifier": "not a read replica",
        "secondaryAvailabilityZone": "only for multi-AZ instances",
        "statusInfos": "only for read replicas",
        "certificateDetails": "moto's DescribeDBInstances has no CertificateDetails (AWS returns it)",
        "dbSubnetGroup": "moto omits the default subnet group (AWS returns it)",
        "pendingModifiedValues": "moto omits PendingModifiedValues (AWS returns it, empty)",
    },
}


def prepare(account: Account) -> dict[str, Any]:
    """The team's part: the function's code in a bucket and the password Secret; then the RGD is registered."""
    s3 = account.session.client("s3")
    s3.create_bucket(Bucket="orders-code", CreateBucketConfiguration={"LocationConstraint": REGION})
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("worker.py", "def handler(event, context):\n    return len(event['Records'])\n")
    s3.put_object(Bucket="orders-code", Key="worker.zip", Body=archive.getvalue())
    account.k8s.cluster.add(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "orders-db-password", "namespace": "default"},
            "type": "Opaque",
            "data": {"password": base64.b64encode(PASSWORD.encode()).decode()},
        }
    )
    for document in load_path(str(EXAMPLE / "queue-worker-rgd.yaml")):
        account.control.register(document.body, file=document.file)
    instance: dict[str, Any] = yaml.safe_load((EXAMPLE / "queue-worker.yaml").read_text())
    return instance


def ack_objects(account: Account, instance: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ACK objects of the instance as kroless last observed them, by resource id."""
    key = InstanceKey.from_manifest(instance)
    nodes = account.store.get_nodes(key)
    return {n.node_id: n.observed for n in nodes if n.observed and "services.k8s.aws" in n.observed["apiVersion"]}


def unfilled_status(obj: dict[str, Any]) -> set[str]:
    fields = ack_schema(obj["apiVersion"], obj["kind"])["properties"]["status"]["properties"]
    return {f for f in fields if obj["status"].get(f) in (None, "")}


def live(account: Account) -> dict[str, Any]:
    """What AWS has of everything the instance makes (the stack's own resources left out)."""
    session = account.session
    sqs, logs, lam, iam, kms, s3, ecr, secrets, rds = (
        session.client(s) for s in ("sqs", "logs", "lambda", "iam", "kms", "s3", "ecr", "secretsmanager", "rds")
    )
    return {
        "queues": sqs.list_queues(QueueNamePrefix="orders").get("QueueUrls", []),
        "log groups": [
            g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/orders")["logGroups"]
        ],
        "functions": [
            f["FunctionName"] for f in lam.list_functions()["Functions"] if f["FunctionName"].startswith("orders")
        ],
        "mappings": [
            m["UUID"]
            for m in lam.list_event_source_mappings()["EventSourceMappings"]
            if m["EventSourceArn"].endswith(":orders-jobs")
        ],
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("orders")],
        "keys": [
            k["KeyId"]
            for k in kms.list_keys()["Keys"]
            if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
            and kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"].get("Description", "").startswith("results of orders")
        ],
        "buckets": [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("orders-results")],
        "repositories": [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]],
        "secrets": [s["Name"] for s in secrets.list_secrets()["SecretList"] if s["Name"].startswith("orders")],
        "db instances": [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]],
    }


def test_queue_worker_active_updated_in_place_and_deleted(account: Account) -> None:
    control, session = account.control, account.session
    instance = prepare(account)
    assert live(account) == {k: [] for k in live(account)}  # (nothing of the instance's exists beforehand)

    result = control.apply(instance)
    assert result["state"] == "ACTIVE", result["status"].get("conditions")
    objects = ack_objects(account, instance)
    assert sorted(objects) == sorted(
        ["queue", "logs", "key", "results", "images", "credentials", "database", "role", "worker", "trigger"]
    )
    for node, obj in objects.items():
        synced = {c["type"]: c for c in obj["status"]["conditions"]}["ACK.ResourceSynced"]
        assert synced["status"] == "True", (node, synced)
        assert unfilled_status(obj) == set(NOT_RETURNED.get(node, {})), node
    status = result["status"]

    sqs, logs, lam, iam, kms, s3, ecr, secrets, rds = (
        session.client(s) for s in ("sqs", "logs", "lambda", "iam", "kms", "s3", "ecr", "secretsmanager", "rds")
    )
    queue_arn = objects["queue"]["status"]["queueARN"]
    key_arn = objects["key"]["status"]["ackResourceMetadata"]["arn"]
    function_arn = status["functionARN"]
    mapping_uuid = objects["trigger"]["status"]["uuid"]
    # the wiring, read from AWS: the bucket encrypted with the key, the function fed by the queue, its role
    # allowed exactly what it uses, the secret and the database sharing the Kubernetes Secret's password
    [rule] = s3.get_bucket_encryption(Bucket="orders-results")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert kms.get_key_rotation_status(KeyId=status["keyID"])["KeyRotationEnabled"] is True
    mapping = lam.get_event_source_mapping(UUID=mapping_uuid)
    assert (mapping["EventSourceArn"], mapping["FunctionArn"], mapping["BatchSize"]) == (queue_arn, function_arn, 10)
    configuration = lam.get_function(FunctionName="orders-worker")["Configuration"]
    assert configuration["Role"] == objects["role"]["status"]["ackResourceMetadata"]["arn"]
    assert configuration["Environment"]["Variables"] == {
        "RESULTS_BUCKET": "orders-results",
        "DATABASE_HOST": status["databaseEndpoint"],
        "DATABASE_SECRET": status["secretARN"],
    }
    document = iam.get_role_policy(RoleName="orders-worker", PolicyName="worker")["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    resources = [statement["Resource"] for statement in document["Statement"]]
    assert resources == [
        queue_arn,
        objects["logs"]["status"]["ackResourceMetadata"]["arn"],
        "arn:aws:s3:::orders-results/*",
        key_arn,
        status["secretARN"],
    ]
    assert secrets.get_secret_value(SecretId=status["secretARN"])["SecretString"] == PASSWORD
    [database] = rds.describe_db_instances(DBInstanceIdentifier="orders-database")["DBInstances"]
    assert (database["MasterUsername"], database["DBInstanceClass"], database["AllocatedStorage"]) == (
        "worker",
        "db.t4g.micro",
        20,
    )
    assert status["queueURL"] == sqs.get_queue_url(QueueName="orders-jobs")["QueueUrl"]
    assert status["repositoryURI"] == ecr.describe_repositories()["repositories"][0]["repositoryUri"]

    # update in place: every kind's changed field, and the team tag on everything
    changed = copy.deepcopy(instance)
    changed["spec"].update(
        team="billing",
        queue={"visibilityTimeout": 120},
        logs={"retentionDays": 30},
        function={**instance["spec"]["function"], "memorySize": 512, "batchSize": 5},
        images={"tagMutability": "MUTABLE"},
        database={**instance["spec"]["database"], "allocatedStorage": 30, "instanceClass": "db.t4g.small"},
    )
    result = control.apply(changed)
    assert result["state"] == "ACTIVE", result["status"].get("conditions")
    after = ack_objects(account, instance)
    assert {n: o["status"]["ackResourceMetadata"]["arn"] for n, o in after.items()} == {
        n: o["status"]["ackResourceMetadata"]["arn"] for n, o in objects.items()
    }  # the same resources
    assert after["trigger"]["status"]["uuid"] == mapping_uuid and after["key"]["status"]["keyID"] == status["keyID"]
    url = status["queueURL"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "120"
    }
    [group] = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/orders-worker")["logGroups"]
    assert group["retentionInDays"] == 30
    assert lam.get_function(FunctionName="orders-worker")["Configuration"]["MemorySize"] == 512
    assert lam.get_event_source_mapping(UUID=mapping_uuid)["BatchSize"] == 5
    [repository] = ecr.describe_repositories()["repositories"]
    assert repository["imageTagMutability"] == "MUTABLE"
    [database] = rds.describe_db_instances(DBInstanceIdentifier="orders-database")["DBInstances"]
    assert (database["DBInstanceClass"], database["AllocatedStorage"]) == ("db.t4g.small", 30)
    teams = {
        "queue": sqs.list_queue_tags(QueueUrl=url)["Tags"]["team"],
        "logs": logs.list_tags_for_resource(resourceArn=group["logGroupArn"].removesuffix(":*"))["tags"]["team"],
        "key": {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=status["keyID"])["Tags"]}["team"],
        "results": {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket="orders-results")["TagSet"]}["team"],
        "images": {
            t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
        }["team"],
        "credentials": {t["Key"]: t["Value"] for t in secrets.describe_secret(SecretId=status["secretARN"])["Tags"]}[
            "team"
        ],
        "role": {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName="orders-worker")["Tags"]}["team"],
        "worker": lam.list_tags(Resource=function_arn)["Tags"]["team"],
    }
    assert teams == {node: "billing" for node in teams}
    assert sum(len(found) for found in live(account).values()) == 10

    assert control.delete(changed) == {"state": "DELETED"}
    assert account.store.list_instances() == []
    assert live(account) == {k: [] for k in live(account)}
    # KMS never deletes a key at once: it is pending deletion, the shortest window
    key = kms.describe_key(KeyId=status["keyID"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"
