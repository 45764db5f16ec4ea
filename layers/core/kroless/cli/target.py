"""Where ``apply/get/describe/delete`` go: the local cloud (default) or a deployed stack on AWS.

Both targets are the same code path: requests go to the EventBridge bus, state is read from the
DynamoDB table, executions from Step Functions. Only the endpoint differs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kroless.errors import KrolessError
from kroless.runtime.registry import RGDRegistry
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
    state_machine_prefix: str = "kroless-"
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
        body = json.dumps({"manifest": manifest})
        if len(body.encode()) > 1024 * 1024:
            raise KrolessError(f"the document is {len(body.encode())} bytes; an EventBridge event holds at most 1 MB")
        entry = {"Source": "kroless", "DetailType": detail_type, "Detail": body, "EventBusName": self.bus}
        response = self.client("events").put_events(Entries=[entry])
        result = response["Entries"][0]
        if "ErrorCode" in result:
            raise KrolessError(
                f"EventBridge refused the event: {result['ErrorCode']}: {result.get('ErrorMessage', '')}"
            )
        return str(result["EventId"])

    def console_url(self, execution_arn: str) -> str | None:
        if self.name != "aws":
            return None
        return f"https://{self.region}.console.aws.amazon.com/states/home?region={self.region}#/v2/executions/details/{execution_arn}"


def local_target(state_dir: str) -> Target:
    import boto3

    from kroless.localcloud.server import start_background

    record = start_background(state_dir)
    # moto accepts any credentials; never pick up a real profile for the local cloud
    session = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=record["region"]
    )
    return Target(
        "local",
        session,
        bus="kroless",
        table="kroless-state",
        region=record["region"],
        endpoint_url=record["endpoint"],
        kubernetes_url=record["kubernetes"],
    )


def aws_target(stack: str, region: str | None) -> Target:
    import boto3

    session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION"))
    try:
        outputs = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except Exception as err:  # noqa: BLE001 - any SDK failure means the same thing to the user
        raise KrolessError(f"cannot read the outputs of stack {stack}: {err} (deploy it with `cdk deploy`)") from None
    values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    missing = [key for key in (OUTPUT_BUS, OUTPUT_TABLE) if key not in values]
    if missing:
        raise KrolessError(f"stack {stack} has no output(s) {', '.join(missing)}: is it a kroless stack?")
    return Target(
        "aws",
        session,
        bus=values[OUTPUT_BUS],
        table=values[OUTPUT_TABLE],
        region=session.region_name,
        state_machine_prefix=values.get(OUTPUT_PREFIX, "kroless-"),
    )
