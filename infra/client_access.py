"""What the people using kroless may do: two managed policies, exported for the user to attach.

- developer: put ``Instance Applied``/``Instance Deleted`` events (source ``kroless``) on the bus;
- platform: put ``ResourceGraphDefinition Applied``/``Deleted`` events (source ``kroless``).

Both may read status the way the CLI does (``kroless get``/``describe``: the state table and its listing
index, the executions of the ``kroless-*`` machines). A platform engineer who also applies instances gets both.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.event_routing import INSTANCE_DETAIL_TYPES, RGD_DETAIL_TYPES, SOURCE_REQUESTS
from infra.execution_role import execution_arn, state_machine_arn
from infra.nag import acknowledge, finding
from kroless.settings import STATE_MACHINE_PREFIX
from kroless.store.table import LISTING_INDEX


@dataclass(frozen=True)
class ClientAccessProps:
    bus: events.IEventBus
    table: dynamodb.ITable
    table_key: kms.IKey | None = None
    state_machine_prefix: str = STATE_MACHINE_PREFIX


def put_events_statement(bus: events.IEventBus, detail_types: tuple[str, ...]) -> iam.PolicyStatement:
    # EventBridge evaluates events:source and events:detail-type for every entry of a PutEvents call.
    return iam.PolicyStatement(
        sid="PutEvents",
        actions=["events:PutEvents"],
        resources=[bus.event_bus_arn],
        conditions={"StringEquals": {"events:source": SOURCE_REQUESTS, "events:detail-type": list(detail_types)}},
    )


class ClientAccess(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ClientAccessProps) -> None:
        super().__init__(scope, construct_id)
        table = props.table
        machines = state_machine_arn(self, f"{props.state_machine_prefix}*")
        executions = execution_arn(self, f"{props.state_machine_prefix}*:*")

        def read_statements() -> list[iam.PolicyStatement]:
            return [
                iam.PolicyStatement(
                    sid="ReadStatus",
                    actions=["dynamodb:GetItem", "dynamodb:Query"],
                    resources=[table.table_arn, f"{table.table_arn}/index/{LISTING_INDEX}"],
                ),
                iam.PolicyStatement(sid="ListExecutions", actions=["states:ListExecutions"], resources=[machines]),
                iam.PolicyStatement(sid="ReadExecutions", actions=["states:DescribeExecution"], resources=[executions]),
            ]

        self.developer_policy = iam.ManagedPolicy(
            self,
            "Developer",
            description="kroless developer: put Instance Applied/Deleted events (source kroless), read status",
            statements=[put_events_statement(props.bus, INSTANCE_DETAIL_TYPES), *read_statements()],
        )
        self.platform_policy = iam.ManagedPolicy(
            self,
            "Platform",
            description="kroless platform: put ResourceGraphDefinition Applied/Deleted events (source kroless), read status",
            statements=[put_events_statement(props.bus, RGD_DETAIL_TYPES), *read_statements()],
        )
        for policy in (self.developer_policy, self.platform_policy):
            if props.table_key is not None:
                policy.add_statements(
                    iam.PolicyStatement(
                        sid="DecryptTable", actions=["kms:Decrypt"], resources=[props.table_key.key_arn]
                    )
                )
            acknowledge(
                policy,
                finding("AwsSolutions-IAM5", self, resource=machines),
                "list executions of the kroless-* machines (created at run time, one per RGD)",
            )
            acknowledge(
                policy,
                finding("AwsSolutions-IAM5", self, resource=executions),
                "read executions of the kroless-* machines (named at run time after instance and generation)",
            )
