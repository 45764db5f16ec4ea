"""The demo's reconcile on the local cloud, measured (plain script; prints a Markdown table).

    .venv/bin/python bench/bench_localcloud.py [--runs N]

Kro's Dogs-vs-Cats stack, applied through EventBridge on the local cloud (moto + the Kubernetes emulator
with a 1 s simulated Deployment readiness delay), exactly as `make demo` does:

* wall time from PutEvents("Instance Applied") to the app (and its 5 nested instances) ACTIVE;
* state transitions as Standard workflows bill them (states entered, plus every retry of a task) and Lambda
  invocations (TaskScheduled events, retries included), all executions, per node, and the failed task attempts
  among them by error (readiness polls, status refreshes, nodes handed back);
* then one resync (the hourly backstop) of the unchanged stack: what it starts;
* cold import time of each Lambda handler module in a fresh interpreter (what a cold start pays).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]

import yaml  # noqa: E402

from kroless.model import load_path  # noqa: E402
from kroless.store import InstanceKey  # noqa: E402
from kroless_cli.demo import DOGS_VS_CATS, _network, kro_examples  # noqa: E402
from kroless_cli.localcloud.aws import history_events, state_transitions  # noqa: E402
from kroless_cli.localcloud.cloud import LocalCloud  # noqa: E402


def one_run() -> dict[str, Any]:
    with LocalCloud(kubernetes_ready_delay=1.0) as cloud:
        vpc, subnets = _network(cloud)
        for relative in DOGS_VS_CATS:
            for document in load_path(str(kro_examples() / relative)):
                cloud.put("ResourceGraphDefinition Applied", document.body)
                cloud.settle()
        app = yaml.safe_load((REPO / "examples" / "dogsvscats" / "app.yaml").read_text())
        app["spec"]["vpcID"], app["spec"]["subnetIDs"] = vpc, subnets
        key = InstanceKey.from_manifest(app)
        started = time.monotonic()
        cloud.put("Instance Applied", app)
        while True:
            record = cloud.store.get_instance(key)
            if record is not None and record.state == "ACTIVE" and record.observed_generation == record.generation:
                break
            if time.monotonic() - started > 600:
                raise RuntimeError("not ACTIVE after 600 s")
            time.sleep(0.1)
        wall = time.monotonic() - started
        sfn = cloud.client("stepfunctions")
        _settle(sfn)  # the status refresh goes on after ACTIVE (the Ingresses' hostnames): count it all
        executions, transitions, invocations, failed = _totals(sfn)
        nodes = sum(len([n for n in cloud.store.get_nodes(i.key) if n.index is None]) for i in cloud.store.list_instances())
        # the hourly resync of an unchanged stack: it reads every node and starts nothing
        resync = cloud.resync()
        _settle(sfn)
        after = _totals(sfn)
        return {
            "wall": wall,
            "executions": executions,
            "transitions": transitions,
            "invocations": invocations,
            "failed_tasks": failed,  # TaskFailed by error: the polls and hand-backs among the invocations
            "nodes": nodes,
            "resync_drifted": len(resync.get("drifted", [])),
            "resync_executions": after[0] - executions,
            "resync_transitions": after[1] - transitions,
        }


def _settle(sfn: Any, timeout: float = 900) -> None:
    """Until no execution runs any more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        machines = sfn.list_state_machines()["stateMachines"]
        running = [
            e
            for m in machines
            for e in sfn.list_executions(stateMachineArn=m["stateMachineArn"], statusFilter="RUNNING")["executions"]
        ]
        if not running:
            return
        time.sleep(0.5)
    raise RuntimeError(f"executions still running after {timeout} s")


def _totals(sfn: Any) -> tuple[int, int, int, dict[str, int]]:
    """Executions, billed state transitions, Lambda task invocations (TaskScheduled) of every machine, and the
    failed task attempts by error (a readiness poll, a status refresh, a node handed back)."""
    executions = transitions = invocations = 0
    failed: dict[str, int] = {}
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            history = history_events(sfn, execution["executionArn"])
            executions += 1
            transitions += state_transitions(history)
            invocations += sum(1 for e in history if e["type"] == "TaskScheduled")
            for event in history:
                if event["type"] == "TaskFailed":
                    error = event["taskFailedEventDetails"].get("error", "")
                    failed[error] = failed.get(error, 0) + 1
    return executions, transitions, invocations, failed


def import_times(repeats: int = 5) -> dict[str, float]:
    """Median wall time of importing each handler module in a fresh interpreter (python -X importtime total)."""
    out: dict[str, float] = {}
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers" / "core"), "KROLESS_TABLE": "kroless-state", "AWS_DEFAULT_REGION": "us-west-2"}
    for path in sorted((REPO / "functions").glob("*/app.py")):
        name = path.parent.name
        code = (
            "import importlib.util,time;t=time.perf_counter();"
            f"s=importlib.util.spec_from_file_location('h',{str(path)!r});m=importlib.util.module_from_spec(s);"
            "s.loader.exec_module(m);print(time.perf_counter()-t)"
        )
        samples = []
        for _ in range(repeats):
            result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
            samples.append(float(result.stdout.strip().splitlines()[-1]))
        out[name] = statistics.median(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    walls = [r["wall"] for r in runs]
    last = runs[-1]
    print("| measure | result |\n|---|---|")
    print(f"| Dogs-vs-Cats apply → ACTIVE on the local cloud ({args.runs} runs) | median {statistics.median(walls):.1f} s (min {min(walls):.1f}, max {max(walls):.1f}) |")
    print(f"| executions (the app + 5 nested instances) | {last['executions']} |")
    print(f"| nodes (all 6 graphs) | {last['nodes']} |")
    print(f"| state transitions, all executions | {last['transitions']} ({last['transitions'] / last['nodes']:.1f} per node) |")
    print(f"| Lambda task invocations, all executions | {last['invocations']} ({last['invocations'] / last['nodes']:.1f} per node) |")
    print(
        f"| then one resync of the unchanged stack: drifted / executions started / state transitions | "
        f"{last['resync_drifted']} / {last['resync_executions']} / {last['resync_transitions']} |"
    )
    waits = ", ".join(f"{error} {count}" for error, count in sorted(last["failed_tasks"].items())) or "none"
    print(f"| failed task attempts (polls, refreshes, hand-backs), by error | {waits} |")
    for name, seconds in import_times().items():
        print(f"| cold import of functions/{name}/app.py (fresh interpreter) | median {seconds * 1000:.0f} ms |")
    print(json.dumps(runs), file=sys.stderr)


if __name__ == "__main__":
    main()
