"""finalize: write the instance status and announce Instance Reconciled / Instance Failed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless import operations
from kroless.contract import FinalizeTask
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
    result = operations.finalize(services(), task).dump()
    if task.mode == "refresh":
        name = "StatusRefreshed"  # a status re-read after ACTIVE (load balancer hostnames), not a reconcile
    else:
        name = "ReconcileFailed" if result["state"] == "ERROR" or task.error is not None else "Reconciled"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    logger.info("instance finalized", extra=result)
    return result
