"""The four Lambda functions (functions/<name>/app.py), each with its own role and log group."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge
from kroless.settings import METRICS_NAMESPACE, function_service

REPO = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO / "functions"


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # folder under functions/
    memory_mb: int
    timeout_seconds: int
    description: str
    asynchronous: bool  # invoked by EventBridge (async: retries, dead-letter queue)


# compile and reconcile_node evaluate CEL and render; more memory is also more CPU on Lambda.
FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("compile", 1024, 60, "RGD applied/deleted: validate, store, create/update the state machine", True),
    FunctionSpec(
        "admit", 512, 30, "Instance applied/deleted: validate, default, generation++, start the execution", True
    ),
    FunctionSpec("reconcile_node", 1024, 120, "One DAG node: apply, check readiness, delete", False),
    FunctionSpec("finalize", 512, 30, "Write the instance status, emit Instance Reconciled/Failed", False),
)

_RUNTIMES = {"3.12": lambda_.Runtime.PYTHON_3_12, "3.13": lambda_.Runtime.PYTHON_3_13}
_ARCHITECTURES = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}


def runtime_for(python_version: str) -> lambda_.Runtime:
    return _RUNTIMES[python_version]


def architecture_for(name: str) -> lambda_.Architecture:
    return _ARCHITECTURES[name]


@dataclass(frozen=True)
class FunctionsProps:
    layer: lambda_.ILayerVersion
    runtime: lambda_.Runtime
    architecture: lambda_.Architecture
    # KROLESS_* settings shared by every function (kroless.services.Settings.from_environment)
    environment: dict[str, str]
    dead_letter_queue: sqs.IQueue
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    log_level: str = "INFO"
    tracing: bool = False
    metrics_namespace: str = METRICS_NAMESPACE
    specs: tuple[FunctionSpec, ...] = FUNCTIONS
    code_dir: Path = field(default=FUNCTIONS_DIR)


class Functions(Construct):
    """``self.functions[name]``, ``self.roles[name]``, ``self.log_groups[name]`` for compile, admit,
    reconcile_node, finalize. Roles start with only their log group; the stack grants the rest."""

    def __init__(self, scope: Construct, construct_id: str, props: FunctionsProps) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        self.log_groups: dict[str, logs.LogGroup] = {}
        for spec in props.specs:
            cid = "".join(part.capitalize() for part in spec.name.split("_"))
            log_group = logs.LogGroup(
                self, f"{cid}Logs", retention=props.log_retention, removal_policy=RemovalPolicy.DESTROY
            )
            role = iam.Role(
                self,
                f"{cid}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"kroless {spec.name} function",
            )
            log_group.grant_write(role)
            environment = {
                **props.environment,
                "POWERTOOLS_SERVICE_NAME": function_service(spec.name),
                "POWERTOOLS_METRICS_NAMESPACE": props.metrics_namespace,
                "POWERTOOLS_LOG_LEVEL": props.log_level,
                "POWERTOOLS_TRACE_DISABLED": "false" if props.tracing else "true",
            }
            function = lambda_.Function(
                self,
                cid,
                description=f"kroless: {spec.description}",
                runtime=props.runtime,
                architecture=props.architecture,
                handler="app.handler",
                code=lambda_.Code.from_asset(str(props.code_dir / spec.name), exclude=["__pycache__", "*.pyc"]),
                layers=[props.layer],
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_seconds),
                role=role,
                environment=environment,
                log_group=log_group,
                tracing=lambda_.Tracing.ACTIVE if props.tracing else lambda_.Tracing.DISABLED,
                dead_letter_queue=props.dead_letter_queue if spec.asynchronous else None,
                retry_attempts=2 if spec.asynchronous else None,
            )
            acknowledge(
                function,
                "AwsSolutions-L1",
                f"the runtime is {props.runtime.name} on purpose: the core layer's "
                "wheels (cel-expr-python, pydantic-core) are built for that CPython; context pythonVersion "
                "selects it",
            )
            if props.tracing:
                acknowledge(
                    role,
                    "AwsSolutions-IAM5[Resource::*]",
                    "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) accepts no resource ARN",
                )
            self.functions[spec.name] = function
            self.roles[spec.name] = role
            self.log_groups[spec.name] = log_group
