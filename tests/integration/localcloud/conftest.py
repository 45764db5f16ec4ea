"""Fixtures for the embedded AWS: one LocalAws per test, a helper to create and run state machines."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kroless_cli.localcloud.aws import LocalAws, execution_history, wait_for_execution

ROLE = "arn:aws:iam::123456789012:role/kroless-sfn"


@pytest.fixture
def aws() -> Iterator[LocalAws]:
    with LocalAws() as local:
        yield local


class Runner:
    """Create a state machine from a dict and run it to completion, keeping the wall time."""

    def __init__(self, aws: LocalAws) -> None:
        self.sfn = aws.client("stepfunctions")
        self.count = 0
        self.elapsed = 0.0

    def create(self, definition: dict[str, Any], name: str | None = None) -> str:
        self.count += 1
        name = name or f"sm{self.count}"
        arn = self.sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition))
        return str(arn["stateMachineArn"])

    def run(self, definition: dict[str, Any] | str, payload: Any = None, timeout: float = 30) -> dict[str, Any]:
        arn = definition if isinstance(definition, str) else self.create(definition)
        self.count += 1
        start = time.perf_counter()
        ex = self.sfn.start_execution(stateMachineArn=arn, name=f"run{self.count}", input=json.dumps(payload or {}))
        desc = wait_for_execution(self.sfn, ex["executionArn"], timeout=timeout, poll=0.002)
        self.elapsed = time.perf_counter() - start
        if desc["status"] == "SUCCEEDED":
            desc["result"] = json.loads(desc["output"])
        return desc

    def history(self, desc: dict[str, Any]) -> str:
        return execution_history(self.sfn, desc["executionArn"])


@pytest.fixture
def runner(aws: LocalAws) -> Runner:
    return Runner(aws)
