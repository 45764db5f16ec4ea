"""reconcile-node: one DAG node of one instance generation (apply, check readiness, or delete)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless import operations
from kroless.services import services
from kroless.settings import METRICS_NAMESPACE

logger = Logger(service="kroless-reconcile-node")
metrics = Metrics(namespace=METRICS_NAMESPACE, service="reconcile-node")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(instance=event.get("instance"), node=event.get("node"), mode=event.get("mode"))
    started = time.perf_counter()
    result = operations.reconcile_node(services(), event)
    metrics.add_metric(name="NodeStepDuration", unit=MetricUnit.Milliseconds, value=(time.perf_counter() - started) * 1000)
    if result["state"] == "ERROR":
        metrics.add_metric(name="NodeErrors", unit=MetricUnit.Count, value=1)
        logger.error("node failed", extra={"error": result["message"]})
    else:
        logger.info("node step", extra={"state": result["state"], "reason": result["reason"]})
    return result
