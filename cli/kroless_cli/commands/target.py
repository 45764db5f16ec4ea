"""Where ``apply/get/describe/delete`` go: the local cloud (default) or a deployed stack on AWS.

Both targets are the same code path: requests go to the EventBridge bus, state is read from the
DynamoDB table, executions from Step Functions. Only the endpoint differs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kroless.errors import KrolessError
from kroless.eventbus import put_event
from kroless.runtime.registry import RGDRegistry
from kroless.settings import EVENT_SOURCE_REQUESTS, STATE_MACHINE_PREFIX
from kroless.store import StateStore

DEFAULT_STACK = "Kroless"
# CloudFormation outputs of the deployed stack (infra/) that the CLI reads
OUTPUT_BUS = "EventBusName"
OUTPUT_TABLE = "StateTableName"
OUTPUT_PREFIX = "StateMachinePrefix"


@dataclass
class Target:
    name: str
    session: Any
    bus: str
    table: str
    region: str
    state_machine_prefix: str = STATE_MACHINE_PREFIX
    endpoint_url: str | None = None
    kubernetes_url: str | None = None

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url, region_name=self.region)

    @cached_property
    def store(self) -> StateStore:
        return StateStore(self.table, self.client("dynamodb"))

    @cached_property
    def registry(self) -> RGDRegistry:
        return RGDRegistry(self.store)

    def put(self, detail_type: str, manifest: dict[str, Any]) -> str:
        """A request (apply/delete an RGD or an instance) on the bus; its event id."""
        detail = {"manifest": manifest}
        return put_event(self.client("events"), bus=self.bus, source=EVENT_SOURCE_REQUESTS, detail_type=detail_type, detail=detail)

    def console_url(self, execution_arn: str) -> str | None:
        if self.name != "aws":
            return None
        return f"https://{self.region}.console.aws.amazon.com/states/home?region={self.region}#/v2/executions/details/{execution_arn}"


def local_target(state_dir: str, stack: str = DEFAULT_STACK, *, start: bool = True) -> Target:
    """The local cloud's deployed stack, read exactly as on AWS (its outputs), signing as its administrator.
    Only ``start`` starts it when it is not running: reading a folder that holds no local cloud is a mistake
    (a mistyped --state-dir), not a reason to create an empty one."""
    import boto3

    from kroless_cli.localcloud.server import running, start_background

    record = start_background(state_dir) if start else running(state_dir)
    if record is None:
        raise KrolessError(
            f"no local cloud is running in {state_dir}: start it with `kroless local up --state-dir {state_dir}`"
            " (or apply something there), or use --target aws"
        )
    # never a real profile for the local cloud: the administrator the local cloud created
    session = boto3.session.Session(
        aws_access_key_id=record["accessKeyId"],
        aws_secret_access_key=record["secretAccessKey"],
        region_name=record["region"],
    )
    return stack_target("local", session, stack, endpoint_url=record["endpoint"], kubernetes_url=record["kubernetes"])


def target_of(args: Any, *, start: bool = False) -> Target:
    """The target of ``--target``; only ``apply`` (``start``) starts the local cloud when it is not running."""
    if args.target == "aws":
        return aws_target(args.stack, args.region)
    return local_target(args.state_dir, start=start)


def aws_target(stack: str, region: str | None) -> Target:
    import boto3

    session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION"))
    return stack_target("aws", session, stack)


def stack_target(
    name: str, session: Any, stack: str, *, endpoint_url: str | None = None, kubernetes_url: str | None = None
) -> Target:
    """The target a deployed kroless stack's outputs describe."""
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url)
    try:
        outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except Exception as err:  # noqa: BLE001 - any SDK failure means the same thing to the user
        raise KrolessError(f"cannot read the outputs of stack {stack}: {err} (deploy it with `cdk deploy`)") from None
    values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    missing = [key for key in (OUTPUT_BUS, OUTPUT_TABLE, OUTPUT_PREFIX) if key not in values]
    if missing:
        raise KrolessError(f"stack {stack} has no output(s) {', '.join(missing)}: is it a kroless stack?")
    return Target(
        name,
        session,
        bus=values[OUTPUT_BUS],
        table=values[OUTPUT_TABLE],
        region=session.region_name,
        state_machine_prefix=values[OUTPUT_PREFIX],
        endpoint_url=endpoint_url,
        kubernetes_url=kubernetes_url,
    )
