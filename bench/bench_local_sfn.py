"""Costs of the embedded Step Functions interpreter (moto's, in process), side by side in one run.

    .venv/bin/python bench/bench_local_sfn.py [--repeats N]

Prints a Markdown table: the execution floor, the cost of a Pass state, of a Lambda task (ARN form and
lambda:invoke form) against a direct boto3 Lambda invoke, how long a Wait of 1 s and 2 s really takes, and a
Parallel of 20 one-second Waits (sequential would be 20 s). Medians over --repeats runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]

from kroless_cli.localcloud.aws import LocalAws, wait_for_execution  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/kroless-sfn"


def chain(n: int, state: dict[str, Any]) -> dict[str, Any]:
    states = {f"s{i}": {**state, **({"Next": f"s{i + 1}"} if i < n - 1 else {"End": True})} for i in range(n)}
    return {"StartAt": "s0", "States": states}


class Runner:
    def __init__(self, aws: LocalAws, repeats: int) -> None:
        self.sfn = aws.client("stepfunctions")
        self.repeats = repeats
        self.count = 0

    def median_seconds(self, definition: dict[str, Any]) -> float:
        """Median wall time from StartExecution to SUCCEEDED seen."""
        self.count += 1
        arn = self.sfn.create_state_machine(name=f"sm{self.count}", roleArn=ROLE, definition=json.dumps(definition))[
            "stateMachineArn"
        ]
        samples = []
        for run in range(self.repeats):
            start = time.perf_counter()
            execution = self.sfn.start_execution(stateMachineArn=arn, name=f"run{run}", input="{}")
            desc = wait_for_execution(self.sfn, execution["executionArn"], timeout=120, poll=0.002)
            samples.append(time.perf_counter() - start)
            if desc["status"] != "SUCCEEDED":
                raise SystemExit(f"execution failed: {desc}")
        return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n = 100
    with LocalAws() as aws:
        runner = Runner(aws, args.repeats)
        arn = aws.register_function("noop", lambda event, context: event)
        invoke = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "OutputPath": "$.Payload",
            "Parameters": {"FunctionName": arn, "Payload.$": "$"},
        }
        base = runner.median_seconds(chain(1, {"Type": "Pass"}))
        pass_ms = (runner.median_seconds(chain(n, {"Type": "Pass"})) - base) / (n - 1) * 1000
        task_ms = (runner.median_seconds(chain(n, {"Type": "Task", "Resource": arn})) - base) / n * 1000
        invoke_ms = (runner.median_seconds(chain(n, invoke)) - base) / n * 1000
        lam = aws.client("lambda")
        direct = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(n):
                lam.invoke(FunctionName="noop", Payload=json.dumps({"id": "db"}))
            direct.append((time.perf_counter() - start) / n * 1000)
        waits = {s: runner.median_seconds(chain(1, {"Type": "Wait", "Seconds": s})) for s in (1, 2)}
        branch = {"StartAt": "w", "States": {"w": {"Type": "Wait", "Seconds": 1, "End": True}}}
        parallel = runner.median_seconds(
            {"StartAt": "p", "States": {"p": {"Type": "Parallel", "Branches": [branch] * 20, "End": True}}}
        )
    print(f"| measure (median of {args.repeats}) | result |\n|---|---|")
    print(f"| execution floor (1 Pass, start → SUCCEEDED seen) | {base * 1000:.1f} ms |")
    print(f"| Pass state | {pass_ms:.2f} ms |")
    print(f"| Lambda-ARN task round trip | {task_ms:.2f} ms |")
    print(f"| lambda:invoke task round trip | {invoke_ms:.2f} ms |")
    print(f"| boto3 lambda.invoke, direct | {statistics.median(direct):.2f} ms |")
    print(f"| Wait 1 s / Wait 2 s | {waits[1]:.3f} s / {waits[2]:.3f} s |")
    print(f"| Parallel of 20 × Wait 1 s (sequential: 20 s) | {parallel:.3f} s |")


if __name__ == "__main__":
    main()
