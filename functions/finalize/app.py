"""finalize: write the instance status and announce Instance Reconciled / Instance Failed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless import operations
from kroless.contract import FinalizeTask, StatusPending
from kroless.services import services
from kroless.settings import METRICS_NAMESPACE, function_service

SERVICE = function_service("finalize")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@metrics.log_metrics
@logger.inject_lambda_context
@event_parser(model=FinalizeTask)
def handler(task: FinalizeTask, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(instance=task.instance, generation=task.generation, mode=task.mode)
    try:
        result = operations.finalize(services(), task).dump()
    except StatusPending as pending:  # ACTIVE, status written: the machine refreshes the pending fields
        _count(task, "ACTIVE")
        logger.info("instance finalized", extra={"state": "ACTIVE", "pending": pending.message})
        raise
    _count(task, result["state"])
    logger.info("instance finalized", extra=result)
    return result


def _count(task: FinalizeTask, state: str) -> None:
    if task.mode == "refresh":
        name = "StatusRefreshed"  # a status re-read after ACTIVE (load balancer hostnames), not a reconcile
    else:
        name = "ReconcileFailed" if state == "ERROR" or task.error is not None else "Reconciled"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
