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
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]

import yaml  # noqa: E402

from kroless.settings import EVENT_SOURCE_REQUESTS  # noqa: E402
from kroless_cli.localcloud.aws import history_events, state_transitions  # noqa: E402
from kroless_cli.localcloud.cloud import LocalCloud  # noqa: E402

RGD = yaml.safe_load(
    """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: scale.bench.kro.run
spec:
  schema:
    apiVersion: v1alpha1
    kind: ScaleApp
    spec:
      name: string
    status:
      topicARN: ${topic.status.ackResourceMetadata.arn}
      queueARN: ${queue.status.queueARN}
  resources:
    - id: topic
      template:
        apiVersion: sns.services.k8s.aws/v1alpha1
        kind: Topic
        metadata:
          name: ${schema.spec.name}-topic
        spec:
          name: ${schema.spec.name}-events
    - id: queue
      template:
        apiVersion: sqs.services.k8s.aws/v1alpha1
        kind: Queue
        metadata:
          name: ${schema.spec.name}-queue
        spec:
          queueName: ${schema.spec.name}-work
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-config
        data:
          topic: ${topic.status.ackResourceMetadata.arn}
          queue: ${queue.status.queueARN}
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata:
          name: ${schema.spec.name}-web
          annotations:
            config: ${config.metadata.name}
        spec:
          ports:
            - port: 80
    - id: summary
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-summary
        data:
          service: ${service.metadata.uid}
          queue: ${queue.status.queueARN}
"""
)
NAMESPACE = "default"
BATCH = 10  # PutEvents takes at most 10 entries per call


def manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ScaleApp",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"name": name},
    }


def put_all(cloud: LocalCloud, detail_type: str, names: list[str]) -> float:
    """Every request on the bus in PutEvents batches of 10; seconds it took. A refused entry is an error."""
    events = cloud.client("events")
    started = time.monotonic()
    for first in range(0, len(names), BATCH):
        entries = [
            {
                "Source": EVENT_SOURCE_REQUESTS,
                "DetailType": detail_type,
                "Detail": json.dumps({"manifest": manifest(name)}),
                "EventBusName": cloud.bus,
            }
            for name in names[first : first + BATCH]
        ]
        result = events.put_events(Entries=entries)
        if result.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents refused entries: {[e for e in result['Entries'] if 'ErrorCode' in e]}")
    return time.monotonic() - started


def instance_states(cloud: LocalCloud) -> Counter[str]:
    """Instances by state (settled = the current generation observed)."""
    states: Counter[str] = Counter()
    for record in cloud.store.list_instances():
        if record.key.kind != "ScaleApp":
            continue
        settled = record.observed_generation == record.generation
        states[record.state if settled else f"{record.state} (unsettled)"] += 1
    return states


def wait_until(what: str, done: Callable[[], tuple[bool, str]], timeout: float, poll: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        finished, progress = done()
        print(f"  {what}: {progress}", file=sys.stderr, flush=True)
        if finished:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done after {timeout:.0f} s ({progress})")
        time.sleep(poll)


def footprint(cloud: LocalCloud, names: list[str]) -> dict[str, Counter[str]]:
    """How many topics, queues and Kubernetes objects each instance has, counted in moto and the emulator."""
    wanted = set(names)
    session = cloud.session
    made: dict[str, Counter[str]] = {}

    def count(kind: str, name: str, suffix: str) -> None:
        if name.endswith(suffix) and name[: -len(suffix)] in wanted:
            made.setdefault(kind, Counter())[name[: -len(suffix)]] += 1

    for page in session.client("sns").get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            count("Topic", topic["TopicArn"].rsplit(":", 1)[1], "-events")
    for page in session.client("sqs").get_paginator("list_queues").paginate(MaxResults=1000):
        for url in page.get("QueueUrls", []):
            count("Queue", url.rsplit("/", 1)[1], "-work")
    for obj in cloud.kubernetes.cluster.objects():
        name = obj["metadata"]["name"]
        for suffix in ("-config", "-web", "-summary"):
            count(f"{obj['kind']} {suffix[1:]}", name, suffix)
    return made


def execution_costs(cloud: LocalCloud) -> dict[str, Any]:
    """Per execution of the RGD's machine: billed transitions and Lambda task invocations, and task failures
    (each a retry or a caught error) by error name, from the execution histories."""
    sfn = cloud.client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("scale-bench-kro-run") or "scale" in m["name"])
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
                    details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
                    failures[str(details.get("error", event["type"]))] += 1
    return {"machine": machine["name"], "transitions": transitions, "invocations": invocations,
            "durations": durations, "task_failures": dict(failures), "statuses": dict(statuses)}


def spread(values: list[float] | list[int]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):g}, p95 {p95:g}, max {ordered[-1]:g}"


def run(count: int, timeout: float) -> dict[str, Any]:
    names = [f"s{i:05d}" for i in range(count)]
    with LocalCloud(kubernetes_ready_delay=0.0) as cloud:
        cloud.register(RGD)
        started = time.monotonic()
        put_seconds = put_all(cloud, "Instance Applied", names)

        def all_active() -> tuple[bool, str]:
            states = instance_states(cloud)
            return states.get("ACTIVE", 0) == count, f"{time.monotonic() - started:.0f} s {dict(states)}"

        wait_until("apply", all_active, timeout)
        apply_wall = time.monotonic() - started
        made = footprint(cloud, names)
        costs = execution_costs(cloud)

        started = time.monotonic()
        delete_put_seconds = put_all(cloud, "Instance Deleted", names)

        def all_gone() -> tuple[bool, str]:
            states = instance_states(cloud)
            return not states, f"{time.monotonic() - started:.0f} s {dict(states) or 'none left'}"

        wait_until("delete", all_gone, timeout)
        delete_wall = time.monotonic() - started
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
            "dynamodb_errors": cloud.aws.request_errors("dynamodb"),
            "async_errors": len(cloud.aws.async_errors),
            **costs,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="50 instances (a smoke run)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for all ACTIVE / all gone")
    args = parser.parse_args()
    result = run(50 if args.quick else args.instances, args.timeout)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
