"""Drift detection and self-healing: the drift and resync functions, the CloudTrail rules on the default
bus (one per managed service, generated from the kind table), and the resync schedule.

- drift: "AWS API Call via CloudTrail" events of the allowed kinds' mutating calls → owner lookup → drift
  report, ``Drift Detected``, heal. Calls made by kroless's reconcile role are ignored in the function
  (``KROLESS_RECONCILE_ROLE_ARN``; a pattern ``anything-but`` on the issuer would also drop IAM-user events,
  which carry no session issuer).
- resync: an EventBridge Scheduler schedule (default every 60 minutes) compares observed with desired
  (Kubernetes has no CloudTrail; CloudTrail's delivery is best effort) and heals what drifted.

EventBridge receives CloudTrail's management write events on the default bus. Global services (IAM,
Organizations) deliver theirs in us-east-1 only: a stack elsewhere sees their drift through the resync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.drift_rules import DriftRules, DriftRulesProps
from infra.functions import Functions, FunctionSpec, FunctionsProps
from kroless.drift.identity import watched_calls
from kroless.providers.aws.table import Kind

DRIFT_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("drift", 512, 60, "CloudTrail call on a managed resource: drift report, Drift Detected, heal", True),
    FunctionSpec("resync", 1024, 900, "Scheduled backstop: compare observed with desired, heal what drifted", False),
)


@dataclass(frozen=True)
class DriftProps:
    kinds: Sequence[Kind]
    layer: lambda_.ILayerVersion
    runtime: lambda_.Runtime
    architecture: lambda_.Architecture
    environment: dict[str, str]
    dead_letter_queue: sqs.IQueue
    reconcile_role: iam.IRole  # its calls are kroless's own: never drift
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    log_level: str = "INFO"
    tracing: bool = False
    window_seconds: int = 60
    resync_minutes: int = 60


class Drift(Construct):
    """``self.functions`` / ``self.roles`` (``drift``, ``resync``), ``self.rules`` (per service),
    ``self.schedule``. The stack grants table, bus, executions and reads."""

    def __init__(self, scope: Construct, construct_id: str, props: DriftProps) -> None:
        super().__init__(scope, construct_id)
        if props.resync_minutes < 1:
            raise ValueError("resyncMinutes must be at least 1")
        environment = {
            **props.environment,
            "KROLESS_RECONCILE_ROLE_ARN": props.reconcile_role.role_arn,
            "KROLESS_DRIFT_WINDOW_SECONDS": str(props.window_seconds),
        }
        made = Functions(
            self,
            "Functions",
            FunctionsProps(
                layer=props.layer,
                runtime=props.runtime,
                architecture=props.architecture,
                environment=environment,
                dead_letter_queue=props.dead_letter_queue,
                log_retention=props.log_retention,
                log_level=props.log_level,
                tracing=props.tracing,
                specs=DRIFT_FUNCTIONS,
            ),
        )
        self.functions = made.functions
        self.roles = made.roles
        self.calls = watched_calls(props.kinds)
        self.rules = DriftRules(self, "Rules", DriftRulesProps(calls=self.calls, target=self.functions["drift"])).rules

        invoker = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="kroless resync schedule: invokes the resync function",
        )
        invoker.add_to_policy(  # the function itself, no version wildcard
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.functions["resync"].function_arn])
        )
        self.schedule = scheduler.CfnSchedule(
            self,
            "Resync",
            description="kroless resync backstop: observed vs desired for every instance",
            schedule_expression=f"rate({props.resync_minutes} minute{'s' if props.resync_minutes > 1 else ''})",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=self.functions["resync"].function_arn,
                role_arn=invoker.role_arn,
                input='{"source": "aws.scheduler"}',
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=0),
            ),
        )
