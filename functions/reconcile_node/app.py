"""reconcile-node: one DAG node of one instance generation (apply, check readiness, or delete)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless import operations
from kroless.contract import ReconcileTask
from kroless.runtime.states import NodeState
from kroless.services import services
from kroless.settings import METRICS_NAMESPACE, function_service

SERVICE = function_service("reconcile_node")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@metrics.log_metrics
@logger.inject_lambda_context
@event_parser(model=ReconcileTask)
def handler(task: ReconcileTask, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(instance=task.instance, node=task.node, mode=task.mode)
    started = time.perf_counter()
    result = operations.reconcile_node(services(), task)
    metrics.add_metric(name="NodeStepDuration", unit=MetricUnit.Milliseconds, value=(time.perf_counter() - started) * 1000)
    if result.state == NodeState.ERROR:
        metrics.add_metric(name="NodeErrors", unit=MetricUnit.Count, value=1)
        logger.error("node failed", extra={"error": result.message})
    else:
        logger.info("node step", extra={"state": result.state.value, "reason": result.reason})
    return result.dump()
