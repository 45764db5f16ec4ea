"""Per-service hooks of the generic ACK engine (:mod:`kroless.providers.aws.generic`).

Each module adjusts the entry derived from data where ACK's controller runs hand-written code (generator.yaml
``hooks`` / ``custom_method_name``): ``adjust(kind, source) -> Kind``, and ``API`` when botocore names the
service otherwise. Imported only when one of its kinds is used.

:data:`GENERIC_KINDS` names the kinds that have such a hook, (ACK service, kind) -> hook module; every other ACK kind
is derived from data alone (which kinds are served: :mod:`kroless.schemas.ack_served`). Importing this costs nothing.
"""

from __future__ import annotations

# ACK service -> botocore's service name, where neither ACK's name nor generator.yaml's ``sdk_names.model_name``
# (the AWS SDK for Go v2's) is botocore's
BOTOCORE_NAMES: dict[str, str] = {
    "applicationautoscaling": "application-autoscaling",
    "cloudwatchlogs": "logs",
    "cognitoidentityprovider": "cognito-idp",
    "elasticsearchservice": "es",
    "eventbridge": "events",
    "sfn": "stepfunctions",
}

GENERIC_KINDS: dict[tuple[str, str], str] = {
    ("sqs", "Queue"): "sqs",
    ("cloudwatchlogs", "LogGroup"): "logs",
    ("kms", "Key"): "kms",
    ("ecr", "Repository"): "ecr",
    ("secretsmanager", "Secret"): "secretsmanager",
    ("lambda", "EventSourceMapping"): "lambda_",  # (lambda is a keyword)
    ("eks", "IdentityProviderConfig"): "eks",
}
