"""admit: Instance Applied/Deleted → validate + default, generation++, start the execution."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import idempotent
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from kroless import idempotency, operations
from kroless.errors import KrolessError
from kroless.services import services
from kroless.settings import METRICS_NAMESPACE, function_service

SERVICE = function_service("admit")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@metrics.log_metrics
@logger.inject_lambda_context
@idempotent(persistence_store=idempotency.persistence("admit"), config=idempotency.by_event_id())
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    manifest = event.detail.get("manifest") or {}
    metadata = manifest.get("metadata") or {}
    logger.append_keys(kind=manifest.get("kind"), instance=metadata.get("name"), namespace=metadata.get("namespace"))
    try:
        if event.detail_type == operations.INSTANCE_DELETED:
            result = operations.delete_instance(services(), manifest)
        else:
            result = operations.apply_instance(services(), manifest)
    except KrolessError as err:
        metrics.add_metric(name="InstanceRejected", unit=MetricUnit.Count, value=1)
        logger.error("instance rejected", extra={"error": err.located()})
        raise
    metrics.add_metric(name="InstanceAdmitted", unit=MetricUnit.Count, value=1)
    logger.info("instance admitted", extra=result)
    return result
