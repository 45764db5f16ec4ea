"""compile: ResourceGraphDefinition Applied/Deleted → validate, store, create/update/delete the state machine;
ResourceGraphDefinition Rollout (kroless's own) → the next batch of an RGD update's re-reconciles."""

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

SERVICE = function_service("compile")
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@metrics.log_metrics
@logger.inject_lambda_context
@idempotent(persistence_store=idempotency.persistence("compile"), config=idempotency.by_event_id())
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    manifest = event.detail.get("manifest") or {}
    name = (manifest.get("metadata") or {}).get("name") or event.detail.get("rgd")
    logger.append_keys(rgd=name, detail_type=event.detail_type)
    try:
        if event.detail_type == operations.RGD_ROLLOUT:
            result = operations.rollout(services(), event.detail)
        elif event.detail_type == operations.RGD_DELETED:
            result = operations.delete_rgd(services(), manifest)
        else:
            result = operations.apply_rgd(services(), manifest, event_id=event.id)
    except KrolessError as err:
        metrics.add_metric(name="RgdRejected", unit=MetricUnit.Count, value=1)
        logger.error("RGD rejected", extra={"error": err.located()})
        raise
    metrics.add_metric(name="RgdCompiled", unit=MetricUnit.Count, value=1)
    logger.info("RGD processed", extra=result)
    return result
