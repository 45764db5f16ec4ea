"""Rules on the default bus for the CloudTrail events of the managed services (the drift feature's input).

Empty until a drift function exists: with no ``target`` no rule is created. ``calls`` maps a botocore
service to the CloudTrail event names to watch (``kind_actions.mutating_operations`` derives them from the
allowed kinds: CloudTrail's ``eventName`` is the API operation name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"


@dataclass(frozen=True)
class DriftRulesProps:
    calls: Mapping[str, Sequence[str]] = field(default_factory=dict)
    target: lambda_.IFunction | None = None


def cloudtrail_pattern(service: str, event_names: Sequence[str]) -> events.EventPattern:
    return events.EventPattern(
        source=[f"aws.{service}"],
        detail_type=[CLOUDTRAIL_DETAIL_TYPE],
        detail={"eventSource": [f"{service}.amazonaws.com"], "eventName": list(event_names)},
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
