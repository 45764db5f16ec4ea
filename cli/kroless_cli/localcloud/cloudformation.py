"""What moto's CloudFormation lacks to create the kroless stack as AWS does.

The local cloud deploys the synthesized CDK template with CloudFormation ``CreateStack`` in moto. moto 5.2.5
stops or silently skips on a few resource types the template uses; each gap is filled here and undone on exit:

* ``Ref`` of an ``AWS::Events::EventBus`` is the bus name on AWS; moto hands the bus object to the next
  resource (a rule's ``EventBusName`` then fails with ``'EventBus' object has no attribute 'split'``).
* ``AWS::Events::EventBusPolicy`` (the bus's resource policy), ``AWS::Lambda::EventInvokeConfig`` (retries of
  asynchronous invocations), ``AWS::Scheduler::Schedule`` (the resync backstop), ``AWS::SQS::QueuePolicy``, ``AWS::CloudWatch::Alarm``, ``AWS::Logs::ResourcePolicy``,
  ``AWS::Logs::MetricFilter``: moto's APIs hold them, its CloudFormation does
  not; here each is created through the same backend call its API uses.

A type neither moto nor this module knows fails the deployment (moto only warns and skips it), so a new
resource in the CDK app cannot be silently missing from the local cloud.

And one shortcut: moto reads every template with PyYAML, about 0.4 s for the kroless stack's 120 kB at each
start of the local cloud; a synthesized template is JSON, which ``json`` reads in a millisecond to the same dict
(JSON is YAML), so JSON is tried first.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel

_ORIGINALS: dict[str, Any] = {}


class UnsupportedResourceType(RuntimeError):
    pass


class _GapModel(CloudFormationModel):
    """A CloudFormation resource moto's CloudFormation cannot create: ``create`` calls the backend instead."""

    TYPE = ""

    def __init__(self, physical_id: str, attributes: dict[str, Any] | None = None) -> None:
        self._physical_id = physical_id
        self._attributes = attributes or {}

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self._attributes.get(attribute_name, self._physical_id)

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> _GapModel:
        return cls.create(resource_name, cloudformation_json.get("Properties", {}), account_id, region_name)

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        raise NotImplementedError

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        return None


class EventBusPolicy(_GapModel):
    TYPE = "AWS::Events::EventBusPolicy"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        from moto.events.models import events_backends

        statement = {"Sid": properties["StatementId"], **properties["Statement"]}
        policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        events_backends[account_id][region_name].put_permission(
            properties.get("EventBusName") or "default", "", "", "", {}, policy
        )
        return cls(properties["StatementId"])


class EventInvokeConfig(_GapModel):
    TYPE = "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        from moto.awslambda.utils import get_backend

        config = {k: v for k, v in properties.items() if k not in ("FunctionName", "Qualifier")}
        get_backend(account_id, region_name).put_function_event_invoke_config(properties["FunctionName"], config)
        return cls(f"{properties['FunctionName']}:{properties.get('Qualifier', '$LATEST')}")


class Schedule(_GapModel):
    TYPE = "AWS::Scheduler::Schedule"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        from moto.scheduler.models import scheduler_backends

        name = properties.get("Name") or logical_id
        target = properties["Target"]
        optional: dict[str, Any] = {
            "description": properties.get("Description"),
            "group_name": properties.get("GroupName"),
            "schedule_expression_timezone": properties.get("ScheduleExpressionTimezone"),
            "state": properties.get("State"),
            "end_date": None,
            "kms_key_arn": None,
            "start_date": None,
        }
        schedule = scheduler_backends[account_id][region_name].create_schedule(
            name=name,
            flexible_time_window=properties["FlexibleTimeWindow"],
            schedule_expression=properties["ScheduleExpression"],
            target=target,
            action_after_completion=None,
            **optional,
        )
        return cls(name, {"Arn": schedule.arn})


class Alarm(_GapModel):
    TYPE = "AWS::CloudWatch::Alarm"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.moto_api._internal import mock_random

        # CloudFormation names an alarm <stack>-<logical id>-<random> unless AlarmName is set
        name = properties.get("AlarmName") or f"{logical_id}-{mock_random.get_random_hex(12).upper()}"
        cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name,
            namespace=properties.get("Namespace", ""),
            metric_name=properties.get("MetricName", ""),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=int(properties.get("Period", 60)),
            threshold=float(properties.get("Threshold", 0)),
            statistic=properties.get("Statistic", ""),
            description=properties.get("AlarmDescription", ""),
            dimensions=properties.get("Dimensions", []),
            alarm_actions=properties.get("AlarmActions", []),
            ok_actions=properties.get("OKActions", []),
            treat_missing_data=properties.get("TreatMissingData"),
        )
        return cls(name)


class QueuePolicy(_GapModel):
    TYPE = "AWS::SQS::QueuePolicy"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        from moto.sqs.models import sqs_backends

        policy = json.dumps(properties["PolicyDocument"])
        for url in properties["Queues"]:
            sqs_backends[account_id][region_name].set_queue_attributes(url.rsplit("/", 1)[-1], {"Policy": policy})
        return cls(logical_id)


class LogsResourcePolicy(_GapModel):
    TYPE = "AWS::Logs::ResourcePolicy"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        from moto.logs.models import logs_backends

        logs_backends[account_id][region_name].put_resource_policy(
            properties["PolicyName"], properties["PolicyDocument"]
        )
        return cls(properties["PolicyName"])


class MetricFilter(_GapModel):
    TYPE = "AWS::Logs::MetricFilter"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> _GapModel:
        from moto.logs.models import logs_backends

        name = properties.get("FilterName") or logical_id
        transformations = [
            {key[0].lower() + key[1:]: value for key, value in t.items()} for t in properties["MetricTransformations"]
        ]
        logs_backends[account_id][region_name].put_metric_filter(
            name, properties["FilterPattern"], properties["LogGroupName"], transformations  # type: ignore[arg-type]
        )
        return cls(name)


GAPS: dict[str, type[_GapModel]] = {
    model.TYPE: model for model in (Alarm, EventBusPolicy, EventInvokeConfig, QueuePolicy, Schedule, LogsResourcePolicy, MetricFilter)
}


def _resource_class_from_type(resource_type: str) -> Any:
    if resource_type in GAPS:
        return GAPS[resource_type]
    model = _ORIGINALS["resource_class_from_type"](resource_type)
    if model is None and not resource_type.startswith(("Custom::", "AWS::CloudFormation::", "AWS::CDK::")):
        raise UnsupportedResourceType(
            f"the local cloud cannot create {resource_type}: neither moto's CloudFormation nor "
            "kroless_cli.localcloud.cloudformation supports it"
        )
    return model


def _event_bus_name(self: Any) -> str:
    return str(self.name)


def _parse_template(template: str) -> dict[str, Any]:
    if template.lstrip().startswith("{"):
        try:
            parsed = json.loads(template)
        except ValueError:
            pass
        else:
            if isinstance(parsed, dict):
                return parsed
    return _ORIGINALS["parse_template"](template)


def install() -> None:
    """Fill the gaps (idempotent)."""
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Stack
    from moto.events.models import EventBus

    if _ORIGINALS:
        return
    _ORIGINALS["resource_class_from_type"] = parsing.resource_class_from_type
    parsing.resource_class_from_type = _resource_class_from_type
    EventBus.physical_resource_id = property(_event_bus_name)  # type: ignore[attr-defined]
    _ORIGINALS["parse_template"] = Stack.parse_template
    Stack.parse_template = staticmethod(_parse_template)  # type: ignore[method-assign]


def uninstall() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Stack
    from moto.events.models import EventBus

    if not _ORIGINALS:
        return
    parsing.resource_class_from_type = _ORIGINALS.pop("resource_class_from_type")
    Stack.parse_template = staticmethod(_ORIGINALS.pop("parse_template"))  # type: ignore[method-assign]
    if "physical_resource_id" in EventBus.__dict__:
        delattr(EventBus, "physical_resource_id")
