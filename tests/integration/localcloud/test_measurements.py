"""Costs of the embedded Step Functions, printed for the design notes (run with -s); bounds are loose."""

from __future__ import annotations

import json
import time
from typing import Any

from kroless.localcloud.aws import LocalAws

from .conftest import Runner


def chain(n: int, state: dict[str, Any]) -> dict[str, Any]:
    states = {f"s{i}": {**state, **({"Next": f"s{i + 1}"} if i < n - 1 else {"End": True})} for i in range(n)}
    return {"StartAt": "s0", "States": states}


def timed(runner: Runner, definition: dict[str, Any], payload: Any = None) -> float:
    arn = runner.create(definition)
    best = float("inf")
    for _ in range(3):
        desc = runner.run(arn, payload)
        assert desc["status"] == "SUCCEEDED", runner.history(desc)
        best = min(best, runner.elapsed)
    return best


def test_costs(aws: LocalAws, runner: Runner) -> None:
    arn = aws.register_function("noop", lambda event, context: event)
    n = 100
    base = timed(runner, chain(1, {"Type": "Pass"}))
    pass_ms = (timed(runner, chain(n, {"Type": "Pass"})) - base) / (n - 1) * 1000
    task_ms = (timed(runner, chain(n, {"Type": "Task", "Resource": arn})) - base) / n * 1000
    invoke = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "OutputPath": "$.Payload",
        "Parameters": {"FunctionName": arn, "Payload.$": "$"},
    }
    invoke_ms = (timed(runner, chain(n, invoke)) - base) / n * 1000

    lam = aws.client("lambda")
    start = time.perf_counter()
    for _ in range(n):
        lam.invoke(FunctionName="noop", Payload=json.dumps({"id": "db"}))
    direct_ms = (time.perf_counter() - start) / n * 1000

    waits = {s: timed(runner, chain(1, {"Type": "Wait", "Seconds": s})) for s in (1, 2)}
    print(
        f"\nexecution floor (1 Pass, start->SUCCEEDED seen): {base * 1000:.1f} ms"
        f"\nPass state: {pass_ms:.2f} ms"
        f"\nLambda-ARN task round trip: {task_ms:.2f} ms"
        f"\nlambda:invoke task round trip: {invoke_ms:.2f} ms"
        f"\nboto3 lambda.invoke (direct): {direct_ms:.2f} ms"
        f"\nWait 1s: {waits[1]:.3f} s, Wait 2s: {waits[2]:.3f} s"
    )
    assert pass_ms < 50 and task_ms < 200 and 0.9 < waits[1] < 3
