"""The kroless control plane: one stack composed of the constructs in infra/."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.client_access import ClientAccess, ClientAccessProps
from infra.cluster_access import ClusterAccess, ClusterAccessProps
from infra.config import DeploymentConfig
from infra.core_layer import CoreLayer, CoreLayerProps
from infra.drift import Drift, DriftProps
from infra.event_routing import SOURCE_CONTROLLER, EventRouting, EventRoutingProps
from infra.execution_role import (
    LOG_DELIVERY_ACTIONS,
    ExecutionRoleProps,
    StateMachineExecutionRole,
    execution_arn,
    state_machine_arn,
)
from infra.functions import Functions, FunctionsProps, architecture_for, runtime_for
from infra.kind_actions import select_kinds
from infra.kind_permissions import KindPermissions, KindPermissionsProps, own_resources
from infra.nag import acknowledge, finding
from infra.observability import Observability, ObservabilityProps
from infra.state_table import StateTable, StateTableProps
from kroless.settings import NAME

# What the compile function may do to the state machines it owns.
STATE_MACHINE_ACTIONS = (
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
    "states:DeleteStateMachine",
    "states:DescribeStateMachine",
    "states:TagResource",
    "states:UntagResource",
    "states:ListTagsForResource",
)
EXECUTION_ACTIONS = ("states:DescribeExecution", "states:StopExecution")


@dataclass(frozen=True)
class KrolessStackProps:
    config: DeploymentConfig


class KrolessStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, props: KrolessStackProps, **kwargs: object) -> None:
        super().__init__(
            scope, construct_id, description="kroless: Kro ResourceGraphDefinitions on AWS, no controller", **kwargs
        )
        config = props.config
        prefix = config.state_machine_prefix
        retention = _retention(config.log_retention_days)
        kinds = select_kinds(config.allowed_services, config.allowed_kinds)

        self.state = StateTable(
            self, "State", StateTableProps(encryption=config.table_encryption, retain=config.retain_data)
        )
        table = self.state.table
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )

        runtime = runtime_for(config.python_version)
        architecture = architecture_for(config.architecture)
        self.core_layer = CoreLayer(
            self,
            "CoreLayer",
            CoreLayerProps(
                architecture=architecture,
                runtime=runtime,
                arch_name=config.architecture,
                python_version=config.python_version,
                asset_path=config.layer_asset_path,
            ),
        )
        environment = {
            "KROLESS_TABLE": table.table_name,
            "KROLESS_EVENT_BUS": config.bus_name,
            "KROLESS_STATE_MACHINE_PREFIX": prefix,
        }
        if config.clusters:
            # the functions target one cluster today (Settings.eks_cluster): the first one listed
            environment["KROLESS_EKS_CLUSTER"] = config.clusters[0].name
        self.functions = Functions(
            self,
            "Functions",
            FunctionsProps(
                layer=self.core_layer.layer,
                runtime=runtime,
                architecture=architecture,
                environment=environment,
                dead_letter_queue=self.dead_letters,
                log_retention=retention,
                log_level=config.log_level,
                tracing=config.tracing,
            ),
        )
        fn, roles = self.functions.functions, self.functions.roles

        self.execution_role = StateMachineExecutionRole(
            self,
            "StateMachineExecution",
            ExecutionRoleProps(
                reconcile_function=fn["reconcile_node"],
                finalize_function=fn["finalize"],
                state_machine_prefix=prefix,
            ),
        )
        fn["compile"].add_environment("KROLESS_RECONCILE_FUNCTION_ARN", fn["reconcile_node"].function_arn)
        fn["compile"].add_environment("KROLESS_FINALIZE_FUNCTION_ARN", fn["finalize"].function_arn)
        fn["compile"].add_environment("KROLESS_STATE_MACHINE_ROLE_ARN", self.execution_role.role.role_arn)
        # Execution logs (level only, never execution data) and X-Ray for the machines compile creates
        self.execution_logs = logs.LogGroup(
            self,
            "StateMachineLogs",
            log_group_name=f"/aws/vendedlogs/states/{prefix.rstrip('-') or NAME}",
            retention=retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        fn["compile"].add_environment("KROLESS_STATE_MACHINE_LOG_GROUP_ARN", self.execution_logs.log_group_arn)
        fn["compile"].add_environment("KROLESS_STATE_MACHINE_LOG_LEVEL", config.state_machine_log_level)
        fn["compile"].add_environment("KROLESS_STATE_MACHINE_TRACING", "true" if config.tracing else "false")

        # -- drift: CloudTrail rules -> drift function; the resync schedule -> resync function ---------------
        self.drift = Drift(
            self,
            "Drift",
            DriftProps(
                kinds=kinds,
                layer=self.core_layer.layer,
                runtime=runtime,
                architecture=architecture,
                environment=environment,
                dead_letter_queue=self.dead_letters,
                reconcile_role=roles["reconcile_node"],
                log_retention=retention,
                log_level=config.log_level,
                tracing=config.tracing,
            ),
        )
        self.routing = EventRouting(
            self,
            "Events",
            EventRoutingProps(
                compile_function=fn["compile"],
                admit_function=fn["admit"],
                dead_letter_queue=self.dead_letters,
                controller_roles=[roles["compile"], roles["admit"], roles["finalize"], *self.drift.roles.values()],
                bus_name=config.bus_name,
            ),
        )
        bus = self.routing.bus

        # -- grants: each function gets what its code calls, on kroless's own resources only ----------------
        machines = state_machine_arn(self, f"{prefix}*")
        executions = execution_arn(self, f"{prefix}*:*")
        for role in roles.values():
            table.grant_read_write_data(role)
            acknowledge(
                role,
                finding("AwsSolutions-IAM5", self, resource=f"{table.table_arn}/index/*"),
                "the table's own indexes (ownership, listing): queried by the store; no other table",
            )
        roles["compile"].add_to_principal_policy(
            iam.PolicyStatement(sid="ManageStateMachines", actions=list(STATE_MACHINE_ACTIONS), resources=[machines])
        )
        machines_reason = (
            f"state machines are created at run time, one per RGD, named {prefix}<rgd>: the prefix is the boundary"
        )
        for name in ("compile", "admit", "reconcile_node"):
            acknowledge(roles[name], finding("AwsSolutions-IAM5", self, resource=machines), machines_reason)
        # Create/UpdateStateMachine with a logging configuration sets up the log delivery as the caller
        roles["compile"].add_to_principal_policy(
            iam.PolicyStatement(sid="StateMachineLogDelivery", actions=list(LOG_DELIVERY_ACTIONS), resources=["*"])
        )
        acknowledge(
            roles["compile"],
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery (logs:*LogDelivery*, Put/DescribeResourcePolicies, DescribeLogGroups) accepts "
            "no resource ARN; the state machines' logging configuration needs it from the caller",
        )
        roles["compile"].add_to_principal_policy(
            iam.PolicyStatement(
                sid="PassExecutionRole",
                actions=["iam:PassRole"],
                resources=[self.execution_role.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}},
            )
        )
        # compile starts the executions of an updated RGD's live instances (the rollout)
        roles["compile"].add_to_principal_policy(
            iam.PolicyStatement(sid="StartRolloutExecutions", actions=["states:StartExecution"], resources=[machines])
        )
        # admit starts executions; reconcile_node does too, for nested RGD instances (the child's execution)
        for name in ("admit", "reconcile_node"):
            roles[name].add_to_principal_policy(
                iam.PolicyStatement(sid="StartExecutions", actions=["states:StartExecution"], resources=[machines])
            )
            roles[name].add_to_principal_policy(
                iam.PolicyStatement(sid="Executions", actions=list(EXECUTION_ACTIONS), resources=[executions])
            )
            acknowledge(
                roles[name],
                finding("AwsSolutions-IAM5", self, resource=executions),
                f"executions of the {prefix}* machines, named at run time after instance and generation",
            )
        # node tasks wait for a callback: reconcile_node answers its own and the ones its finish wakes, finalize
        # the parent node a nested instance's end wakes (kroless.callbacks); no heartbeats are sent
        for name in ("reconcile_node", "finalize"):
            roles[name].add_to_principal_policy(
                iam.PolicyStatement(
                    sid="AnswerNodeTasks", actions=["states:SendTaskSuccess", "states:SendTaskFailure"], resources=[machines]
                )
            )
        # admit emits Instance Failed for a rejected instance; finalize emits Instance Reconciled/Failed;
        # compile emits the next batch of a rollout
        for name in ("compile", "admit", "finalize"):
            bus.grant_put_events_to(roles[name])

        self.kind_permissions = KindPermissions(
            self, "ReconcileKinds", KindPermissionsProps(role=roles["reconcile_node"], kinds=kinds)
        )
        self.cluster_access = ClusterAccess(
            self, "ReconcileClusters", ClusterAccessProps(role=roles["reconcile_node"], clusters=config.clusters)
        )
        self.client_access = ClientAccess(
            self,
            "ClientAccess",
            ClientAccessProps(bus=bus, table=table, table_key=self.state.key, state_machine_prefix=prefix),
        )
        # finalize settles drift seen while a heal ran (re-reads, may start a trailing heal): same as drift
        fn["finalize"].add_environment("KROLESS_RECONCILE_ROLE_ARN", roles["reconcile_node"].role_arn)
        healers = {**self.drift.roles, "finalize": roles["finalize"]}
        for role in self.drift.roles.values():
            table.grant_read_write_data(role)
            bus.grant_put_events_to(role)
            acknowledge(
                role,
                finding("AwsSolutions-IAM5", self, resource=f"{table.table_arn}/index/*"),
                "the table's own indexes (ownership, listing): queried by the store; no other table",
            )
        for name, role in healers.items():
            role.add_to_principal_policy(
                iam.PolicyStatement(sid="StartHeals", actions=["states:StartExecution"], resources=[machines])
            )
            acknowledge(role, finding("AwsSolutions-IAM5", self, resource=machines), machines_reason)
            # comparing observed with desired reads the resources through the provider; heals run as executions
            KindPermissions(
                self, f"DriftKinds{name.capitalize()}", KindPermissionsProps(role=role, kinds=kinds, read_only=True)
            )
        ClusterAccess(
            self, "ResyncClusters", ClusterAccessProps(role=self.drift.roles["resync"], clusters=config.clusters)
        )
        # the resync re-drives a stuck instance only once its recorded execution has stopped running
        self.drift.roles["resync"].add_to_principal_policy(
            iam.PolicyStatement(sid="ReadExecutions", actions=["states:DescribeExecution"], resources=[executions])
        )
        acknowledge(
            self.drift.roles["resync"],
            finding("AwsSolutions-IAM5", self, resource=executions),
            f"executions of the {prefix}* machines, named at run time after instance and generation",
        )
        self.observability = Observability(
            self,
            "Observability",
            ObservabilityProps(
                dead_letter_queue=self.dead_letters,
                state_machine_prefix=prefix,
                log_retention=retention,
                alarm_topic_arn=config.alarm_topic_arn,
            ),
        )

        # the kinds' actions never reach kroless's own roles, policies, functions, table, bus, rules, machines
        self.kind_guard = self.kind_permissions.guard(own_resources(self, prefix))

        # -- what `kroless --target aws` reads -------------------------------------------------------------
        outputs = {
            "EventBusName": (bus.event_bus_name, "the kroless bus"),
            "EventBusArn": (bus.event_bus_arn, "the kroless bus ARN"),
            "StateTableName": (table.table_name, "the state table"),
            "StateMachinePrefix": (prefix, "state machines are named <prefix><rgd>"),
            "Region": (self.region, "the region of the control plane"),
            "ControllerEventSource": (SOURCE_CONTROLLER, "source of the events kroless emits"),
            "StateMachineRoleArn": (self.execution_role.role.role_arn, "the role the state machines run as"),
            "StateMachineLogGroupName": (self.execution_logs.log_group_name, "execution logs of the state machines"),
            "CompileFunctionName": (fn["compile"].function_name, "compile function"),
            "AdmitFunctionName": (fn["admit"].function_name, "admit function"),
            "ReconcileNodeFunctionName": (fn["reconcile_node"].function_name, "reconcile_node function"),
            "FinalizeFunctionName": (fn["finalize"].function_name, "finalize function"),
            "DriftFunctionName": (self.drift.functions["drift"].function_name, "drift function (CloudTrail)"),
            "ResyncFunctionName": (self.drift.functions["resync"].function_name, "resync function (schedule)"),
            "DeveloperPolicyArn": (
                self.client_access.developer_policy.managed_policy_arn,
                "attach to developers: Instance events only",
            ),
            "PlatformPolicyArn": (
                self.client_access.platform_policy.managed_policy_arn,
                "attach to the platform team: RGD events",
            ),
            "FailedExecutionsAlarmName": (self.observability.failed_alarm.alarm_name, "alarm on failed executions"),
            "DeadLetterQueueUrl": (self.dead_letters.queue_url, "events that could not be processed"),
        }
        for key, (value, description) in outputs.items():
            CfnOutput(self, key, value=value, description=description)


_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def _retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"logRetentionDays {days}: one of {sorted(_RETENTION)}")
    return _RETENTION[days]
