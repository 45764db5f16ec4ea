"""Rules on the default bus for the CloudTrail events of the managed services (the drift feature's input).

With no ``target`` no rule is created. ``calls`` maps a botocore service to the operations to watch
(``kroless.drift.identity.watched_calls`` derives them from the allowed kinds); the pattern uses
CloudTrail's spelling of both (``kroless.drift.cloudtrail``: ``elbv2`` is ``elasticloadbalancing``, Lambda's
event names carry their API version), the same code the drift function parses events with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from kroless.drift.cloudtrail import DETAIL_TYPE, bus_source, event_names, event_source

CLOUDTRAIL_DETAIL_TYPE = DETAIL_TYPE


@dataclass(frozen=True)
class DriftRulesProps:
    calls: Mapping[str, Sequence[str]] = field(default_factory=dict)
    target: lambda_.IFunction | None = None


def cloudtrail_pattern(service: str, operations: Sequence[str]) -> events.EventPattern:
    names = sorted({name for op in operations for name in event_names(service, op)})
    return events.EventPattern(
        source=[bus_source(service)],
        detail_type=[CLOUDTRAIL_DETAIL_TYPE],
        detail={"eventSource": [event_source(service)], "eventName": names},
    )


class DriftRules(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DriftRulesProps) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        if props.target is None:
            return
        for service, names in sorted(props.calls.items()):
            if not names:
                continue
            self.rules[service] = events.Rule(
                self,
                f"Drift-{service}",
                description=f"CloudTrail {service} calls that change kroless-managed resources -> drift",
                event_pattern=cloudtrail_pattern(service, names),
                targets=[targets.LambdaFunction(props.target)],
            )
