"""Task tokens: a node task that waits for another task parks its token, and that task wakes it. No polling.

Every node state of a generated machine is ``lambda:invoke.waitForTaskToken`` (:mod:`kroless.statemachine.asl`):
the reconcile function gets the task token with the node, and the machine moves on when someone sends
``SendTaskSuccess`` (the node is done) or ``SendTaskFailure`` (an outcome its Retry/Catch acts on:
``NodeNotReady``, ``NodeFailed``, ``NodeSuperseded``, ...). Usually that is the function itself, at once.

A node that must wait for something another task finishes (:class:`~kroless.contract.WaitTarget`: a dependency
on another branch, a dependent not deleted yet, a nested child instance not settled or not gone yet) records its token in the
state table under that target (one item per waiting node) and returns; its state waits, costing nothing. The
task that finishes the target — the dependency's own node task, or the child's finalize (its delete's, too) — claims every token
parked on it (a conditional delete: exactly one claimer wakes a waiter) and runs the waiter's step in its own
process, then answers for it.

The race between parking and finishing: the waiter parks first, then runs its step again (check after write).
If the target finished meanwhile, both the waiter and the finisher may see it; the claim decides who answers.

A lost token (a function that crashed between claim and answer) does not hang the run: the node state's
``TimeoutSeconds`` (minutes) fails it with ``States.Timeout``, whose Retry runs the node's task again — a rare
backstop, not a poll.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from kroless.contract import (
    DependencyPending,
    DependencyReady,
    NodeNotReady,
    NodeResult,
    ReconcileTask,
    TaskOutcome,
    WaitTarget,
)
from kroless.errors import as_task_error
from kroless.runtime.states import DONE, NodeState
from kroless.store import InstanceKey, Store, Waiter

logger = logging.getLogger(__name__)

Step = Callable[[ReconcileTask], NodeResult]  # one node step; raises the TaskOutcome the machine acts on
# Step Functions' answers to a token whose task is over (superseded run, timed-out task): nothing to do
ENDED_TOKEN_ERRORS = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
GRACE_INTERVAL = 0.25  # seconds between in-process re-reads


def _waiter(task: ReconcileTask) -> Waiter:
    assert task.token is not None
    return Waiter(task.instance, task.generation, task.node, task.mode, task.token)


def _task(waiter: Waiter) -> ReconcileTask:
    return ReconcileTask(
        instance=waiter.instance, generation=waiter.generation, node=waiter.node, mode=waiter.mode, token=waiter.token  # type: ignore[arg-type]
    )


def _done(task: ReconcileTask, result: NodeResult) -> bool:
    return result.state in ({NodeState.DELETED} if task.mode == "delete" else DONE)


class Callbacks:
    """Drive node tasks that carry a task token. ``may_run`` says which woken steps this process may run (the
    finalize function's role applies nothing: it runs nested-instance steps only, and hands the others back to
    their machine with :class:`~kroless.contract.DependencyReady`)."""

    def __init__(
        self,
        store: Store,
        sfn: Any,
        step: Step,
        *,
        may_run: Callable[[ReconcileTask], bool] = lambda task: True,
        grace_seconds: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.sfn = sfn
        self.step = step
        self.may_run = may_run
        self.grace_seconds = grace_seconds
        self.sleep = sleep

    def run(self, task: ReconcileTask) -> None:
        """A node task's own invocation. A failure that is no outcome propagates: the function fails, and with
        it the task (the machine's Retry acts); what it woke before is answered already."""
        self._drive_all([task], own=task)

    def wake(self, on: InstanceKey, target: str = "") -> int:
        """Node ``target`` of ``on`` (the instance itself when empty) is done: wake whatever waits for it."""
        woken = list(self._claim(on, target))
        self._drive_all(list(woken))
        return len(woken)

    # -- driving

    def _drive_all(self, queue: list[ReconcileTask], own: ReconcileTask | None = None) -> None:
        while queue:
            task = queue.pop(0)
            if task is not own and not self.may_run(task):
                self._answer_failure(task, DependencyReady("what the node waited for is done"))
                continue
            try:
                done = self._drive(task)
            except Exception as exc:
                if task is own:
                    raise
                # a woken step failed in this process: its machine gets the failure as the function would report it
                error = as_task_error(exc)
                self._send_failure(task, type(error).__name__, str(error))
                continue
            if done:
                queue.extend(self._claim(task.key, task.node))

    def _drive(self, task: ReconcileTask) -> bool:
        """Run the step until it is answered or parked; True when the node is done (its waiters are next)."""
        parked: WaitTarget | None = None
        deadline = time.monotonic() + self.grace_seconds
        while True:
            try:
                result = self.step(task)
            except TaskOutcome as outcome:
                target = outcome.wait_on if isinstance(outcome, (DependencyPending, NodeNotReady)) else None
                if target is not None:
                    if target == parked:
                        return False  # still waiting, parked: the target's task wakes it
                    if parked is not None and not self._claim_own(parked, task):
                        return False  # the previous target's task claimed it meanwhile and answers
                    self.store.park_waiter(target.instance, target.node, _waiter(task))
                    parked = target
                    continue  # check after write: the target may have finished before the park
                if parked is not None and not self._claim_own(parked, task):
                    return False
                parked = None
                if isinstance(outcome, NodeNotReady) and time.monotonic() + GRACE_INTERVAL < deadline:
                    self.sleep(GRACE_INTERVAL)  # a resource ready within seconds: cheaper to re-read here
                    continue
                self._answer_failure(task, outcome)
                return False
            if parked is not None and not self._claim_own(parked, task):
                return False
            self._send(task, "send_task_success", output=json.dumps(result.dump()))
            return _done(task, result)

    def _claim(self, on: InstanceKey, target: str) -> Iterator[ReconcileTask]:
        for waiter in self.store.waiters(on, target):
            if self.store.claim_waiter(on, target, waiter):
                yield _task(waiter)

    def _claim_own(self, target: WaitTarget, task: ReconcileTask) -> bool:
        return self.store.claim_waiter(target.instance, target.node, _waiter(task))

    # -- answering

    def _answer_failure(self, task: ReconcileTask, outcome: TaskOutcome) -> None:
        # expected waits are not errors: INFO, so that a log shows no ERROR line for a poll
        logger.info("node %s: %s (%s)", task.node, type(outcome).__name__, outcome.message)
        self._send_failure(task, type(outcome).__name__, outcome.message)

    def _send_failure(self, task: ReconcileTask, error: str, message: str) -> None:
        # the cause is shaped as Lambda's error document: the machines read its errorMessage (asl.emit_node)
        cause = json.dumps({"errorMessage": message, "errorType": error})
        self._send(task, "send_task_failure", error=error, cause=cause[:32768])

    def _send(self, task: ReconcileTask, operation: str, **fields: Any) -> None:
        try:
            getattr(self.sfn, operation)(taskToken=task.token, **fields)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") not in ENDED_TOKEN_ERRORS:
                raise
            # the run ended (a newer generation took over) or the task timed out and was retried: nothing waits
            logger.info("node %s of %s: task token no longer waited on", task.node, task.instance)
