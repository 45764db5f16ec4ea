"""Many instances at once on the local cloud (plain script; prints a Markdown table, then a JSON line).

    .venv/bin/python bench/bench_scale.py [--instances N] [--quick]

One 5-node RGD mixing AWS and Kubernetes kinds (an SNS topic and an SQS queue, a ConfigMap reading both, a
Service after it, a second ConfigMap reading the Service's and the queue's status), registered on the local
cloud; then N ``Instance Applied`` events put through EventBridge in PutEvents batches of 10 (EventBridge's
entry limit per call), as fast as the bus takes them; wait until every instance is ACTIVE. Counted, never
assumed: every topic, queue and object in moto and the Kubernetes emulator (exactly N of each: none duplicated,
none lost); conditional-write conflicts and other DynamoDB errors (the local cloud's request counts);
task retries by error and failed executions (the execution histories); wall time; billed state transitions and
Lambda task invocations per instance (median, p95, from the histories). Then N ``Instance Deleted`` events:
nothing may be left (topics, queues, objects, instance records).

Everything is read from outside: execution histories, moto's APIs, the emulator's objects, the state table.
The local cloud runs at most 8 handlers and 32 executions at once (``--lambda-concurrency``,
``--execution-concurrency``; the others wait their turn): emulation choices for one Python process (README).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]

from kroless_cli.localcloud.aws import history_events, state_transitions  # noqa: E402
from kroless_cli.localcloud.cloud import LocalCloud  # noqa: E402
from kroless_cli.testing.scale_scenario import RGD, footprint, instance_states, put_all  # noqa: E402


def wait_until(what: str, done: Callable[[], tuple[bool, str]], timeout: float, poll: float = 2.0) -> None:
    """Poll ``done`` until it says so. A poll lists every instance through the state table (moto serialises the
    answer under the DynamoDB lock every handler needs), so it waits at least 10 times as long as the last poll
    took: with 1,000 instances, polling every 2 s was most of the process's work (py-spy, --gil)."""
    deadline = time.monotonic() + timeout
    while True:
        polled = time.monotonic()
        finished, progress = done()
        took = time.monotonic() - polled
        print(f"  {what}: {progress} (poll {took:.1f} s)", file=sys.stderr, flush=True)
        if finished:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done after {timeout:.0f} s ({progress})")
        time.sleep(max(poll, 10 * took))


def thread_stacks(top: int = 12, depth: int = 3) -> str:
    """The process's threads grouped by where they are: the innermost frame, then the innermost ``depth`` frames
    of kroless or moto code (what a thread of the local cloud waits in or runs), most common first."""
    places: Counter[str] = Counter()
    for frame in sys._current_frames().values():
        stack = traceback.extract_stack(frame)
        ours = [f for f in stack if "kroless" in f.filename or "/moto/" in f.filename][-depth:]
        where = [stack[-1], *reversed(ours)] if stack else []
        places[" < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in where)] += 1
    lines = [f"  {n:5d}  {place}" for place, n in places.most_common(top)]
    return f"threads: {sum(places.values())}\n" + "\n".join(lines)


def watch_threads(every: float) -> None:
    """Print :func:`thread_stacks` every ``every`` seconds (py-spy could not attach to a 1,000-instance run)."""

    def loop() -> None:
        while True:
            time.sleep(every)
            print(thread_stacks(), file=sys.stderr, flush=True)

    threading.Thread(target=loop, name="bench thread stacks", daemon=True).start()


def execution_costs(cloud: LocalCloud) -> dict[str, Any]:
    """Per execution of the RGD's machine: billed transitions and Lambda task invocations, and task failures
    (each a retry or a caught error) by error name, from the execution histories."""
    sfn = cloud.client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if "scale-bench" in m["name"])
    transitions: dict[str, list[int]] = {"apply": [], "delete": []}
    invocations: dict[str, list[int]] = {"apply": [], "delete": []}
    durations: dict[str, list[float]] = {"apply": [], "delete": []}
    failures: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"]):
        for execution in page["executions"]:
            statuses[execution["status"]] += 1
            mode = "delete" if execution["name"].endswith("-delete") else "apply"
            history = history_events(sfn, execution["executionArn"])
            transitions[mode].append(state_transitions(history))
            invocations[mode].append(sum(1 for e in history if e["type"] == "TaskScheduled"))
            if execution.get("stopDate"):
                durations[mode].append((execution["stopDate"] - execution["startDate"]).total_seconds())
            for event in history:
                if event["type"] in ("TaskFailed", "TaskTimedOut", "LambdaFunctionFailed"):
                    details: dict[str, Any] = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
                    failures[str(details.get("error", event["type"]))] += 1
    return {"machine": machine["name"], "transitions": transitions, "invocations": invocations,
            "durations": durations, "task_failures": dict(failures), "statuses": dict(statuses)}


def item_bytes(cloud: LocalCloud) -> dict[str, int]:
    """The largest RGD item and instance item in the state table (every reconcile task reads the first and
    writes the second), as DynamoDB sizes an item: attribute names plus values, approximated by its JSON."""
    sizes: dict[str, int] = {}
    for page in cloud.client("dynamodb").get_paginator("scan").paginate(TableName=cloud.table):
        for item in page["Items"]:
            kind = {"RGD": "rgd"}.get(item.get("listKey", {}).get("S", ""), "instance" if "listKey" in item else "")
            if kind:
                sizes[kind] = max(sizes.get(kind, 0), len(json.dumps(item)))
    return sizes


def state_items(cloud: LocalCloud) -> dict[str, int]:
    """Items left in the state table by kind of key (the part of ``pk`` before its first '#')."""
    left: Counter[str] = Counter()
    for page in cloud.client("dynamodb").get_paginator("scan").paginate(TableName=cloud.table):
        for item in page["Items"]:
            left[item["pk"]["S"].split("#", 1)[0]] += 1
    return dict(left)


def spread(values: list[float] | list[int]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):g}, p95 {p95:g}, max {ordered[-1]:g}"


def one_resync(cloud: LocalCloud) -> dict[str, Any]:
    """The hourly backstop over the unchanged instances, invoked as its schedule would: what it found, how
    long it took (it paces its reads) and the DynamoDB requests it made."""
    before = cloud.aws.requests("dynamodb")
    started = time.monotonic()
    result = cloud.resync()
    after = cloud.aws.requests("dynamodb")
    return {
        "seconds": round(time.monotonic() - started, 1),
        "checked": result.get("instancesChecked"),
        "reads": result.get("reads"),
        "drifted": len(result.get("drifted", [])),
        "dynamodb_requests": {op: n - before.get(op, 0) for op, n in after.items() if n != before.get(op, 0)},
    }


def run(
    count: int,
    timeout: float,
    with_resync: bool = False,
    concurrency: int | None = None,
    executions: int | None = None,
) -> dict[str, Any]:
    names = [f"s{i:05d}" for i in range(count)]
    with LocalCloud(kubernetes_ready_delay=0.0, lambda_concurrency=concurrency, execution_concurrency=executions) as cloud:
        cloud.register(RGD)
        started = time.monotonic()
        put_seconds = put_all(cloud, "Instance Applied", names)

        def all_active() -> tuple[bool, str]:
            states = instance_states(cloud)
            return states.get("ACTIVE", 0) == count, f"{time.monotonic() - started:.0f} s {dict(states)}"

        wait_until("apply", all_active, timeout)
        apply_wall = time.monotonic() - started
        apply_requests = cloud.aws.requests("dynamodb")
        sizes = item_bytes(cloud)
        resync = one_resync(cloud) if with_resync else {}
        made = footprint(cloud, names)

        started = time.monotonic()
        delete_put_seconds = put_all(cloud, "Instance Deleted", names)

        def all_gone() -> tuple[bool, str]:
            states = instance_states(cloud)
            return not states, f"{time.monotonic() - started:.0f} s {dict(states) or 'none left'}"

        wait_until("delete", all_gone, timeout)
        delete_wall = time.monotonic() - started
        all_requests = cloud.aws.requests("dynamodb")
        left = footprint(cloud, names)
        costs = execution_costs(cloud)
        return {
            "instances": count,
            "put_seconds": round(put_seconds, 2),
            "apply_wall": round(apply_wall, 1),
            "delete_put_seconds": round(delete_put_seconds, 2),
            "delete_wall": round(delete_wall, 1),
            "made": {kind: {"total": sum(c.values()), "instances": len(c), "max_per_instance": max(c.values())}
                     for kind, c in made.items()},
            "left": {kind: sum(c.values()) for kind, c in left.items()},
            "item_bytes": sizes,
            "resync": resync,
            "dynamodb_requests_apply": apply_requests,
            "dynamodb_requests_delete": {op: n - apply_requests.get(op, 0) for op, n in all_requests.items()},
            "dynamodb_errors": cloud.aws.request_errors("dynamodb"),
            "state_items_left": state_items(cloud),
            "async_errors": len(cloud.aws.async_errors),
            **costs,
        }


def table(result: dict[str, Any]) -> str:
    """The run as the Markdown rows of BENCHMARKS.md."""
    n = result["instances"]
    per = {op: round(count / n, 1) for op, count in result["dynamodb_requests_apply"].items()}
    rows = [
        ("PutEvents of all applies (batches of 10)", f"{result['put_seconds']} s"),
        ("all ACTIVE, from the first PutEvents", f"{result['apply_wall']} s"),
        ("made, counted in moto and the emulator (total / instances / most per instance)",
         "; ".join(f"{kind} {m['total']} / {m['instances']} / {m['max_per_instance']}" for kind, m in result["made"].items())),
        ("executions by status", str(result["statuses"])),
        ("billed transitions per instance, apply", spread(result["transitions"]["apply"])),
        ("Lambda task invocations per instance, apply (+ 1 admit)", spread(result["invocations"]["apply"])),
        ("task failures in the histories (retries, caught errors)", str(result["task_failures"] or 0)),
        ("execution time, apply", spread(result["durations"]["apply"])),
        ("DynamoDB requests per instance, apply", str(per)),
        ("DynamoDB request errors (apply + delete)", str(result["dynamodb_errors"] or 0)),
        ("all deletes: PutEvents, then all gone", f"{result['delete_put_seconds']} s, {result['delete_wall']} s"),
        ("billed transitions / invocations per instance, delete",
         f"{spread(result['transitions']['delete'])} / {spread(result['invocations']['delete'])}"),
        ("left after the deletes (resources / state table items by key)", f"{result['left'] or 'none'} / {result['state_items_left']}"),
    ]
    return f"| measure | {n} instances |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="50 instances (a smoke run)")
    parser.add_argument("--lambda-concurrency", type=int, default=8,
                        help="handlers the local cloud runs at once, the others wait (0: no limit)")
    parser.add_argument("--execution-concurrency", type=int, default=32,
                        help="executions the local cloud evaluates at once, the others wait their turn (0: no limit)")
    parser.add_argument("--resync", action="store_true", help="invoke the resync once over the ACTIVE instances")
    parser.add_argument("--stacks", type=float, default=60.0,
                        help="print the threads grouped by where they are every this many seconds (0: never)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for all ACTIVE / all gone")
    args = parser.parse_args()
    if args.stacks:
        watch_threads(args.stacks)
    result = run(
        50 if args.quick else args.instances,
        args.timeout,
        args.resync,
        args.lambda_concurrency or None,
        args.execution_concurrency or None,
    )
    result["lambda_concurrency"] = args.lambda_concurrency
    result["execution_concurrency"] = args.execution_concurrency
    print(table(result))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
