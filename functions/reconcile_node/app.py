"""reconcile-node: one DAG node of one instance generation (apply, check readiness, or delete)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless import operations
from kroless.contract import NodeFailed, ReconcileTask, TaskOutcome
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
    try:
        if task.token is not None:  # the machine waits for a callback: answers go through Step Functions
            operations.run_node_task(services(), task)
            return {}
        result = operations.reconcile_node(services(), task)
    except NodeFailed as failed:
        metrics.add_metric(name="NodeErrors", unit=MetricUnit.Count, value=1)
        logger.error("node failed", extra={"error": failed.message})
        raise
    except TaskOutcome as outcome:  # not ready, waiting for a dependency, superseded: the machine's Retry/Catch
        logger.info("node step", extra={"outcome": type(outcome).__name__, "reason": outcome.message})
        raise
    finally:
        duration = (time.perf_counter() - started) * 1000
        metrics.add_metric(name="NodeStepDuration", unit=MetricUnit.Milliseconds, value=duration)
    logger.info("node step", extra={"state": result.state.value, "reason": result.reason})
    return result.dump()
