"""The role every ``kroless-<rgd>`` state machine runs as (compile passes it to CreateStateMachine)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.nag import acknowledge, finding
from kroless.settings import STATE_MACHINE_PREFIX

_COLON = ArnFormat.COLON_RESOURCE_NAME

# CloudWatch Logs delivery for Step Functions ("vended logs"): AWS accepts these only with Resource "*".
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
# X-Ray: no resource-level permissions.
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets")


@dataclass(frozen=True)
class ExecutionRoleProps:
    reconcile_function: lambda_.IFunction
    finalize_function: lambda_.IFunction
    state_machine_prefix: str = STATE_MACHINE_PREFIX


class StateMachineExecutionRole(Construct):
    """Invoke reconcile_node and finalize, write logs and traces (the machines read no table: the tasks do)."""

    def __init__(self, scope: Construct, construct_id: str, props: ExecutionRoleProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="states",
                            resource="stateMachine",
                            resource_name=f"{props.state_machine_prefix}*",
                            arn_format=_COLON,
                        )
                    },
                },
            ),
            description="kroless state machines (kroless-<rgd>): invoke the node and finalize tasks",
        )
        functions = [props.reconcile_function, props.finalize_function]
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="InvokeTasks",
                actions=["lambda:InvokeFunction"],
                resources=[f.function_arn for f in functions] + [f"{f.function_arn}:*" for f in functions],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(sid="LogDelivery", actions=list(LOG_DELIVERY_ACTIONS), resources=["*"])
        )
        self.role.add_to_policy(iam.PolicyStatement(sid="Tracing", actions=list(XRAY_ACTIONS), resources=["*"]))
        for function in functions:
            acknowledge(
                self.role,
                finding("AwsSolutions-IAM5", self, resource=f"{function.function_arn}:*"),
                "versions and aliases of the two task functions (Step Functions invokes qualified ARNs too)",
            )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery (logs:*LogDelivery*, Put/DescribeResourcePolicies, DescribeLogGroups) and "
            "X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) accept no resource ARN",
        )


def state_machine_arn(scope: Construct, pattern: str) -> str:
    return Stack.of(scope).format_arn(
        service="states", resource="stateMachine", resource_name=pattern, arn_format=_COLON
    )


def execution_arn(scope: Construct, pattern: str) -> str:
    return Stack.of(scope).format_arn(service="states", resource="execution", resource_name=pattern, arn_format=_COLON)
