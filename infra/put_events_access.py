"""Who may put which events: two managed policies for the user to attach (developer, platform)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.event_routing import INSTANCE_DETAIL_TYPES, RGD_DETAIL_TYPES, SOURCE_REQUESTS


@dataclass(frozen=True)
class PutEventsAccessProps:
    bus: events.IEventBus


def put_events_statement(bus: events.IEventBus, detail_types: tuple[str, ...]) -> iam.PolicyStatement:
    # EventBridge checks events:source and events:detail-type for every entry of a PutEvents call.
    return iam.PolicyStatement(
        actions=["events:PutEvents"],
        resources=[bus.event_bus_arn],
        conditions={"StringEquals": {"events:source": SOURCE_REQUESTS, "events:detail-type": list(detail_types)}},
    )


class PutEventsAccess(Construct):
    """``developer_policy``: Instance Applied/Deleted only (``kroless apply`` of instances);
    ``platform_policy``: ResourceGraphDefinition Applied/Deleted only (``kroless apply`` of RGDs). A platform
    engineer who also applies instances gets both."""

    def __init__(self, scope: Construct, construct_id: str, props: PutEventsAccessProps) -> None:
        super().__init__(scope, construct_id)
        self.developer_policy = iam.ManagedPolicy(
            self,
            "Developer",
            description="kroless: put Instance Applied/Deleted events (source kroless) on the kroless bus",
            statements=[put_events_statement(props.bus, INSTANCE_DETAIL_TYPES)],
        )
        self.platform_policy = iam.ManagedPolicy(
            self,
            "Platform",
            description="kroless: put ResourceGraphDefinition Applied/Deleted events (source kroless) on the kroless bus",
            statements=[put_events_statement(props.bus, RGD_DETAIL_TYPES)],
        )
