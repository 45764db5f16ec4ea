"""Per-service hooks of the generic ACK engine (:mod:`kroless.providers.aws.generic`).

Each module adjusts the entry derived from data where ACK's controller runs hand-written code (generator.yaml
``hooks`` / ``custom_method_name``): ``adjust(kind, source) -> Kind``, and ``API`` when botocore names the
service otherwise. Imported only when one of its kinds is used.

:data:`GENERIC_KINDS` is the list of kinds the engine serves, (ACK service, kind) -> hook module; importing it costs
nothing, so :mod:`kroless.providers.served` can answer without botocore.
"""

from __future__ import annotations

GENERIC_KINDS: dict[tuple[str, str], str] = {
    ("sqs", "Queue"): "sqs",
    ("cloudwatchlogs", "LogGroup"): "logs",
    ("kms", "Key"): "kms",
    ("ecr", "Repository"): "ecr",
    ("secretsmanager", "Secret"): "secretsmanager",
    ("lambda", "EventSourceMapping"): "lambda_",  # (lambda is a keyword)
}
