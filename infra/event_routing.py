"""The bus ``kroless``, its resource policy, and the rules routing requests to compile and admit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from kroless.settings import EVENT_BUS, EVENT_SOURCE_CONTROLLER, EVENT_SOURCE_REQUESTS

# The event vocabulary (DESIGN.md "Events"); tests check these against kroless.operations and events/*.json.
SOURCE_REQUESTS = EVENT_SOURCE_REQUESTS
SOURCE_CONTROLLER = EVENT_SOURCE_CONTROLLER
RGD_DETAIL_TYPES = ("ResourceGraphDefinition Applied", "ResourceGraphDefinition Deleted")
INSTANCE_DETAIL_TYPES = ("Instance Applied", "Instance Deleted")
CONTROLLER_DETAIL_TYPES = ("Instance Reconciled", "Instance Failed", "Drift Detected")
ROLLOUT_DETAIL_TYPE = "ResourceGraphDefinition Rollout"  # compile to itself: the next batch of a rollout


@dataclass(frozen=True)
class EventRoutingProps:
    compile_function: lambda_.IFunction
    admit_function: lambda_.IFunction
    dead_letter_queue: sqs.IQueue
    # Roles allowed to put kroless.controller events (what kroless itself emits); everyone else is denied
    # by the bus policy, so an "Instance Reconciled" on the bus always comes from kroless.
    controller_roles: Sequence[iam.IRole]
    bus_name: str = EVENT_BUS


class EventRouting(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: EventRoutingProps) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(
            self, "Bus", event_bus_name=props.bus_name, description="kroless requests and outcomes"
        )

        # Same-account principals put events when their IAM policy allows it (the developer and platform
        # policies of ClientAccess); no other account may. Only kroless's own roles emit controller events.
        statements = [
            iam.PolicyStatement(
                sid="AccountPutEvents",
                actions=["events:PutEvents"],
                principals=[iam.AccountRootPrincipal()],
                resources=[self.bus.event_bus_arn],
                conditions={"StringEquals": {"events:source": [SOURCE_REQUESTS, SOURCE_CONTROLLER]}},
            ),
            iam.PolicyStatement(
                sid="OnlyKrolessEmitsControllerEvents",
                effect=iam.Effect.DENY,
                actions=["events:PutEvents"],
                principals=[iam.AnyPrincipal()],
                resources=[self.bus.event_bus_arn],
                conditions={
                    "StringEquals": {"events:source": SOURCE_CONTROLLER},
                    "ArnNotEquals": {"aws:PrincipalArn": [role.role_arn for role in props.controller_roles]},
                },
            ),
        ]
        # (cdk-nag's EVB1 rule reads CfnEventBusPolicy's deprecated `principal` property: the deprecation
        # warning printed on synthesis comes from the check, not from this policy.)
        for statement in statements:
            self.bus.add_to_resource_policy(statement)

        def target(function: lambda_.IFunction) -> targets.LambdaFunction:
            return targets.LambdaFunction(
                function,
                dead_letter_queue=props.dead_letter_queue,
                retry_attempts=8,
                max_event_age=Duration.hours(2),
            )

        self.rgd_rule = events.Rule(
            self,
            "RgdToCompile",
            event_bus=self.bus,
            description="ResourceGraphDefinition Applied/Deleted -> compile",
            event_pattern=events.EventPattern(source=[SOURCE_REQUESTS], detail_type=list(RGD_DETAIL_TYPES)),
            targets=[target(props.compile_function)],
        )
        # An RGD update re-reconciles its live instances in paced batches; compile hands itself the next one
        self.rollout_rule = events.Rule(
            self,
            "RolloutToCompile",
            event_bus=self.bus,
            description="ResourceGraphDefinition Rollout (the next batch of an RGD update) -> compile",
            event_pattern=events.EventPattern(source=[SOURCE_CONTROLLER], detail_type=[ROLLOUT_DETAIL_TYPE]),
            targets=[target(props.compile_function)],
        )
        self.instance_rule = events.Rule(
            self,
            "InstanceToAdmit",
            event_bus=self.bus,
            description="Instance Applied/Deleted -> admit",
            event_pattern=events.EventPattern(source=[SOURCE_REQUESTS], detail_type=list(INSTANCE_DETAIL_TYPES)),
            targets=[target(props.admit_function)],
        )
