"""resync: EventBridge Scheduler (every hour by default) → compare observed with desired → heal drift."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless.drift.resync import resync
from kroless.services import services
from kroless.settings import METRICS_NAMESPACE, function_service

SERVICE = function_service("resync")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = resync(services(), remaining_ms=context.get_remaining_time_in_millis)
    metrics.add_metric(name="ResyncReads", unit=MetricUnit.Count, value=result["reads"])
    metrics.add_metric(name="ResyncDrifted", unit=MetricUnit.Count, value=len(result["drifted"]))
    logger.info("resync", extra=result)
    return result
