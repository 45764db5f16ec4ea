"""``kroless version`` and ``kroless logs KIND NAME``: what kubectl users reach for first.

``logs`` has no container to read: an instance's "logs" are its reconcile executions. It prints the last ones
(newest first) with, for each failed one, the states that failed and the errors and causes Step Functions
recorded, which are kroless's own messages (values of Secret fields never appear in them).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from importlib import metadata
from typing import Any


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    target: Callable[[argparse.ArgumentParser], None],
    namespace_arguments: Callable[[argparse.ArgumentParser], None],
) -> None:
    version = commands.add_parser("version", help="the versions of kroless and of the local cloud's Kubernetes API")
    version.add_argument("--state-dir", default=".kroless/local", help="the local cloud's state folder")
    logs = commands.add_parser("logs", help="an instance's last reconcile executions: failed states, errors, causes")
    logs.add_argument("kind")
    logs.add_argument("name")
    namespace_arguments(logs)
    logs.add_argument("--tail", type=int, default=3, metavar="N", help="how many executions, newest first (default 3)")
    target(logs)


def version(args: argparse.Namespace) -> int:
    from kroless_cli.localcloud import server

    print(f"Client Version: kroless {metadata.version('kroless')}")
    record = server.running(args.state_dir)
    if record is None:
        print("Local cloud: not running (kroless local up)")
        return 0
    import urllib.request

    with urllib.request.urlopen(f"{record['kubernetes']}/version", timeout=5) as response:
        kubernetes = json.loads(response.read())
    print(f"Local cloud Kubernetes API: {kubernetes['gitVersion']} at {record['kubernetes']}")
    return 0


def logs(args: argparse.Namespace) -> int:
    from kroless.statemachine import state_machine_name
    from kroless_cli.commands.cloud import find_instance, target_of

    target = target_of(args)
    record = find_instance(target, args)
    sfn = target.client("stepfunctions")
    account = target.client("sts").get_caller_identity()["Account"]
    machine = f"arn:aws:states:{target.region}:{account}:stateMachine:{state_machine_name(record.rgd, target.state_machine_prefix)}"
    executions = [e for e in sfn.list_executions(stateMachineArn=machine, maxResults=100)["executions"] if e["name"].startswith(f"{record.key.name}-")]
    executions.sort(key=lambda e: e["startDate"], reverse=True)
    if not executions:
        print(f"No executions found for {record.key}.")
        return 0
    for execution in executions[: args.tail]:
        print(f"{execution['name']}  {execution['status']}  started {execution['startDate']:%Y-%m-%dT%H:%M:%SZ}")
        history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        for line in failures(history):
            print(f"  {line}")
    return 0


def failures(history: list[dict[str, Any]]) -> list[str]:
    """The failed states, errors and causes of an execution history, in order."""
    lines = []
    for event in history:
        kind = event["type"]
        if kind == "FailStateEntered":
            lines.append(f"failed state: {event['stateEnteredEventDetails']['name']}")
        elif kind.endswith("Failed") or kind.endswith("TimedOut") or kind == "ExecutionAborted":
            details: dict[str, Any] = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            if details.get("error") or details.get("cause"):
                lines.append(f"{kind}: {details.get('error', '')}: {details.get('cause', '')}".rstrip(": "))
    return lines
