"""drift: "AWS API Call via CloudTrail" (default bus) → owner lookup → drift report, Drift Detected, heal."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless import idempotency
from kroless.drift.detect import handle_event
from kroless.services import services
from kroless.settings import METRICS_NAMESPACE, function_service

SERVICE = function_service("drift")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@metrics.log_metrics
@logger.inject_lambda_context
@idempotent(persistence_store=idempotency.persistence("drift"), config=idempotency.by_event_id())
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event.get("detail") or {}
    logger.append_keys(eventName=detail.get("eventName"), eventSource=detail.get("eventSource"), eventId=detail.get("eventID"))
    result = handle_event(services(), event)
    if "ignored" in result:
        metrics.add_metric(name="DriftIgnored", unit=MetricUnit.Count, value=1)
        logger.debug("not drift", extra=result)
        return result
    for item in result["drift"]:
        metrics.add_metric(name="DriftDetected", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="HealStarted" if item.get("heal") in ("started", "trailing") else "HealDebounced", unit=MetricUnit.Count, value=1)
    logger.info("drift", extra=result)
    return result
