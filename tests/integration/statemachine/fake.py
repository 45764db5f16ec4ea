"""A fake reconcile function for running generated machines in moto (tests and bench/bench_schedule.py).

Each node "becomes ready" ``delays[node]`` seconds after its first apply (or delete) call; the fake records
when every node started and when it was first reported done. Its step answers as the real one does
(kroless.operations.reconcile_node): a done node's NodeResult, or it raises the TaskOutcome the machine's Retry
and Catch act on — NodeNotReady, NodeFailed, NodeSuperseded, and DependencyPending (with the dependency as its
wait target) while a dependency (for a delete: a dependent) is not done, as the real reconciler checks its
records. The step runs under the real token plumbing (kroless.callbacks over an in-memory store): the node
task parks its token on the dependency, and the dependency's finish answers it. With ``pushed``, a node that is
not ready yet waits as a nested instance's node does: parked on a child that a timer "finalizes" when the delay
is over; otherwise its readiness is polled through the Retry. A node's first calls may fail (``failures``): the
exception goes through kroless.errors.task_errors as in the real function, so a retriable one reaches the
machine as RetriableError and a terminal one under its own name.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kroless.callbacks import Callbacks
from kroless.contract import (
    DependencyPending,
    NodeFailed,
    NodeNotReady,
    NodeResult,
    NodeSuperseded,
    ReconcileTask,
    WaitTarget,
)
from kroless.errors import task_errors
from kroless.store import InstanceKey
from kroless_cli.localcloud.aws import LocalAws, history_events, wait_for_execution
from kroless_cli.localcloud.aws import state_transitions as count_transitions
from kroless_cli.testing import MemoryStore

INSTANCE = "kro.run/v1alpha1/Test/default/demo"
ROLE = "arn:aws:iam::123456789012:role/kroless-sfn"


@dataclass
class FakeReconciler:
    cloud: LocalAws
    delays: dict[str, float]
    dependencies: dict[str, list[str]] = field(default_factory=dict)
    errors: set[str] = field(default_factory=set)  # nodes that report ERROR
    never_ready: set[str] = field(default_factory=set)
    superseded: set[str] = field(default_factory=set)
    failures: dict[str, list[Exception]] = field(default_factory=dict)  # node -> what its first calls raise
    # node -> ("started" | "finished", other node): the node is not done until the other node has started or
    # finished the same phase; orders nodes without relying on clocks
    done_after: dict[str, tuple[str, str]] = field(default_factory=dict)
    started: dict[tuple[str, str], float] = field(default_factory=dict)  # (node, "apply"|"delete") -> t
    finished: dict[tuple[str, str], float] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    finalized: list[dict[str, Any]] = field(default_factory=list)
    pushed: bool = False  # readiness pushed (as a nested child's finalize does) instead of polled

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.store = MemoryStore()
        self.callbacks = Callbacks(self.store, self.cloud.client("stepfunctions"), self.step)
        self.timers: dict[tuple[str, str], threading.Timer] = {}
        self.reconcile_arn = self.cloud.register_function("kroless-reconcile", self.reconcile)
        self.finalize_arn = self.cloud.register_function("kroless-finalize", self.finalize)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def _waiting_for(self, node: str, phase: str) -> list[str]:
        """What the node must wait for (the real reconciler reads its records): dependencies not finished (for a
        delete: dependents not deleted)."""
        if phase == "apply":
            before = self.dependencies.get(node, [])
        else:
            before = [w for w, deps in self.dependencies.items() if node in deps]
        with self.lock:
            return [other for other in before if (other, phase) not in self.finished]

    def reconcile(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The function: one invocation of a node task (its token in the event)."""
        node = event["node"]
        with self.lock:
            self.calls.append(event)
            if self.failures.get(node):
                with task_errors():
                    raise self.failures[node].pop(0)
        self.callbacks.run(ReconcileTask.model_validate(event))
        return {}

    def step(self, task: ReconcileTask) -> NodeResult:
        node, mode = task.node, task.mode
        phase = "delete" if mode == "delete" else "apply"
        waiting = self._waiting_for(node, phase)
        if waiting:
            raise DependencyPending(f"waiting for {waiting[0]}", wait_on=WaitTarget(task.key, waiting[0]))
        now = self.now()
        with self.lock:
            if (node, phase) not in self.started:
                self.started[node, phase] = now
                self._check_order(node, phase, now)
            start = self.started[node, phase]
        if node in self.superseded:
            raise NodeSuperseded("generation superseded")
        if node in self.errors:
            raise NodeFailed("admission webhook denied the request")
        done = node not in self.never_ready and now >= start + self.delays.get(node, 0.0)
        if node in self.done_after:
            event, other = self.done_after[node]
            with self.lock:
                done = done and (other, phase) in (self.started if event == "started" else self.finished)
        if not done:
            message = f"readyWhen ${{has({node}.status.endpoint)}} is false"
            if self.pushed and node not in self.never_ready and node not in self.done_after:
                raise NodeNotReady(message, wait_on=WaitTarget(self._push_when_ready(node, phase, start)))
            raise NodeNotReady(message)
        with self.lock:
            self.finished.setdefault((node, phase), now)
        return NodeResult(node=node, state="DELETED" if phase == "delete" else "SYNCED")  # type: ignore[arg-type]

    def _push_when_ready(self, node: str, phase: str, start: float) -> InstanceKey:
        """The node's "child", finalized (its waiters woken) once the node's delay is over."""
        child = InstanceKey.from_ref(f"kro.run/v1alpha1/Child/default/{node}-{phase}")
        with self.lock:
            if (node, phase) not in self.timers:
                delay = max(0.0, start + self.delays.get(node, 0.0) - self.now()) + 0.01
                timer = threading.Timer(delay, self.callbacks.wake, args=(child,))
                timer.daemon = True
                self.timers[node, phase] = timer
                timer.start()
        return child

    def _check_order(self, node: str, phase: str, now: float) -> None:
        if phase == "apply":
            before = self.dependencies.get(node, [])
        else:
            before = [w for w, deps in self.dependencies.items() if node in deps]
        for other in before:
            if (other, phase) not in self.finished or self.finished[other, phase] > now:
                self.violations.append(f"{node} {phase} started before {other} was done")

    def finalize(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self.lock:
            self.finalized.append({**event, "t": self.now()})
        return {"state": "ACTIVE" if event["mode"] == "reconcile" else event["mode"]}

    # -- running a definition

    def run(
        self, definition: dict[str, Any], *, mode: str = "reconcile", generation: int = 1, timeout: float = 120
    ) -> dict[str, Any]:
        sfn = self.cloud.client("stepfunctions")
        from kroless.statemachine import definition_json

        name = f"kroless-test-{len(self.calls)}-{int(time.monotonic() * 1000) % 100000}"
        arn = sfn.create_state_machine(name=name, definition=definition_json(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
        payload: dict[str, Any] = {"instance": INSTANCE, "generation": generation}
        if mode == "delete":
            payload["mode"] = "delete"
        self.t0 = time.monotonic()
        execution = sfn.start_execution(stateMachineArn=arn, name=f"demo-{generation}", input=json.dumps(payload))
        result = wait_for_execution(sfn, execution["executionArn"], timeout=timeout)
        result["makespan"] = self.now()
        result["arn"] = execution["executionArn"]
        return result


def state_transitions(cloud: LocalAws, execution_arn: str) -> int:
    """What Standard workflows bill ($0.025 per 1,000 state transitions, retries included)."""
    return count_transitions(history_events(cloud.client("stepfunctions"), execution_arn))
