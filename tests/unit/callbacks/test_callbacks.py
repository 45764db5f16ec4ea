"""Task tokens (kroless.callbacks): a node that waits parks its token, the task that finishes what it waits for
answers it, exactly once, whoever sees the finish first; nothing polls.

The store is the in-memory one (the same TableStore logic as DynamoDB's, conditional delete included); Step
Functions is a recorder of SendTaskSuccess/SendTaskFailure calls, which answers as AWS does for a token whose
task is over.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kroless.callbacks import Callbacks
from kroless.contract import (
    DependencyPending,
    NodeNotReady,
    NodeResult,
    NodeSuperseded,
    ReconcileTask,
    WaitTarget,
)
from kroless.errors import RetriableError
from kroless.store import InstanceKey
from kroless_cli.testing import MemoryStore

KEY = InstanceKey.from_ref("kro.run/v1alpha1/App/default/shop")
CHILD = InstanceKey.from_ref("kro.run/v1alpha1/Db/default/shop-db")


class StepFunctions:
    """Records the answers; a token in ``ended`` answers as AWS does once its task is over."""

    def __init__(self, ended: dict[str, str] | None = None) -> None:
        self.answers: list[tuple[str, str, dict[str, Any]]] = []
        self.ended = ended or {}

    def _answer(self, kind: str, token: str, **fields: Any) -> None:
        if token in self.ended:
            raise ClientError({"Error": {"Code": self.ended[token], "Message": "over"}}, kind)
        self.answers.append((kind, token, fields))

    def send_task_success(self, *, taskToken: str, output: str) -> None:  # noqa: N803 - botocore's names
        self._answer("success", taskToken, output=json.loads(output))

    def send_task_failure(self, *, taskToken: str, error: str, cause: str) -> None:  # noqa: N803
        self._answer("failure", taskToken, error=error, cause=json.loads(cause))

    def of(self, token: str) -> list[tuple[str, dict[str, Any]]]:
        return [(kind, fields) for kind, t, fields in self.answers if t == token]


def SYNCED(node: str) -> dict[str, Any]:  # noqa: N802 - reads as the answer it stands for
    return NodeResult(node=node, state="SYNCED").dump()  # type: ignore[arg-type]


def task(node: str, token: str, generation: int = 1, mode: str = "apply") -> ReconcileTask:
    return ReconcileTask(instance=KEY.ref, generation=generation, node=node, mode=mode, token=token)  # type: ignore[arg-type]


class Graph:
    """A scripted reconcile step: ``done`` nodes are SYNCED; a node waits for its ``deps`` (DependencyPending on
    the first not done) or for its ``child`` instance (NodeNotReady with the child as target) until settled."""

    def __init__(self, deps: dict[str, list[str]], children: dict[str, InstanceKey] | None = None) -> None:
        self.deps = deps
        self.children = children or {}
        self.done: set[str] = set()
        self.settled: set[InstanceKey] = set()
        self.steps: list[str] = []
        self.before_step: Callable[[ReconcileTask], None] = lambda task: None

    def step(self, task: ReconcileTask) -> NodeResult:
        self.before_step(task)
        self.steps.append(task.node)
        for dependency in self.deps.get(task.node, []):
            if dependency not in self.done:
                raise DependencyPending(f"waiting for {dependency}", wait_on=WaitTarget(task.key, dependency))
        child = self.children.get(task.node)
        if child is not None and child not in self.settled:
            raise NodeNotReady("instance state is IN_PROGRESS", wait_on=WaitTarget(child))
        self.done.add(task.node)
        return NodeResult(node=task.node, state="SYNCED")  # type: ignore[arg-type]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_a_ready_node_answers_its_own_token(store: MemoryStore) -> None:
    graph, sfn = Graph({}), StepFunctions()
    Callbacks(store, sfn, graph.step).run(task("db", "t-db"))
    assert sfn.of("t-db") == [("success", {"output": SYNCED("db")})]


def test_a_join_parks_and_the_dependency_answers_it(store: MemoryStore) -> None:
    graph, sfn = Graph({"app": ["db"]}), StepFunctions()
    callbacks = Callbacks(store, sfn, graph.step)
    callbacks.run(task("app", "t-app"))
    assert sfn.of("t-app") == []  # parked: the machine waits, nothing polls
    assert [w.node for w in store.waiters(KEY, "db")] == ["app"]
    assert graph.steps == ["app", "app"]  # its step, and the check after the park
    callbacks.run(task("db", "t-db"))  # the dependency's own task finishes it ...
    assert sfn.of("t-db")[0][0] == "success"
    assert sfn.of("t-app") == [("success", {"output": SYNCED("app")})]  # ... and answers the join
    assert store.waiters(KEY, "db") == []


def test_a_dependency_done_before_the_park_is_seen_by_the_check_after_write(store: MemoryStore) -> None:
    graph, sfn = Graph({"app": ["db"]}), StepFunctions()
    callbacks = Callbacks(store, sfn, graph.step)
    # the dependency finishes between the waiter's first step and its park: its task found nobody to wake
    graph.before_step = lambda t: graph.done.add("db") if graph.steps == ["app"] else None
    callbacks.run(task("app", "t-app"))
    assert sfn.of("t-app") == [("success", {"output": SYNCED("app")})]
    assert store.waiters(KEY, "db") == []  # its own record claimed back: a later wake finds nothing
    assert callbacks.wake(KEY, "db") == 0


def test_when_both_see_the_finish_only_the_claimer_answers(store: MemoryStore) -> None:
    graph, sfn = Graph({"app": ["db"]}), StepFunctions()
    callbacks = Callbacks(store, sfn, graph.step)

    def finish_db_right_after_the_park(t: ReconcileTask) -> None:
        if graph.steps == ["app"]:  # the waiter has parked; before its re-check, db's task finishes and wakes
            graph.done.add("db")
            graph.before_step = lambda t: None
            assert callbacks.wake(KEY, "db") == 1

    graph.before_step = finish_db_right_after_the_park
    callbacks.run(task("app", "t-app"))
    assert [kind for kind, _ in sfn.of("t-app")] == ["success"]  # once: the re-check lost the claim


def test_a_nested_child_wakes_its_parent_node(store: MemoryStore) -> None:
    graph, sfn = Graph({}, children={"db": CHILD}), StepFunctions()
    callbacks = Callbacks(store, sfn, graph.step)
    callbacks.run(task("db", "t-db"))
    assert sfn.of("t-db") == [] and [w.node for w in store.waiters(CHILD, "")] == ["db"]
    graph.settled.add(CHILD)
    assert callbacks.wake(CHILD) == 1  # the child's finalize
    assert sfn.of("t-db")[0][0] == "success"


def test_a_woken_node_that_waits_again_parks_on_its_next_target(store: MemoryStore) -> None:
    graph, sfn = Graph({"app": ["db", "cache"]}), StepFunctions()
    callbacks = Callbacks(store, sfn, graph.step)
    callbacks.run(task("app", "t-app"))
    callbacks.run(task("db", "t-db"))
    assert sfn.of("t-app") == [] and [w.node for w in store.waiters(KEY, "cache")] == ["app"]
    callbacks.run(task("cache", "t-cache"))
    assert sfn.of("t-app")[0][0] == "success"


def test_a_function_that_may_not_run_the_step_hands_the_node_back(store: MemoryStore) -> None:
    graph, sfn = Graph({"app": ["db"]}), StepFunctions()
    Callbacks(store, sfn, graph.step).run(task("app", "t-app"))
    graph.done.add("db")
    finalize = Callbacks(store, sfn, graph.step, may_run=lambda t: False)
    assert finalize.wake(KEY, "db") == 1
    [(kind, fields)] = sfn.of("t-app")
    assert (kind, fields["error"]) == ("failure", "DependencyReady")  # the machine runs the task again
    assert fields["cause"]["errorType"] == "DependencyReady" and fields["cause"]["errorMessage"]


def test_not_ready_is_re_read_in_process_then_left_to_the_retry(store: MemoryStore) -> None:
    sfn, slept = StepFunctions(), []

    def never_ready(t: ReconcileTask) -> NodeResult:
        raise NodeNotReady('readyWhen condition evaluated to false: "${web.status.ready}"')

    Callbacks(store, sfn, never_ready, grace_seconds=1.0, sleep=slept.append).run(task("web", "t-web"))
    assert slept and all(s == 0.25 for s in slept)
    [(kind, fields)] = sfn.of("t-web")
    assert fields["error"] == "NodeNotReady"
    assert fields["cause"]["errorMessage"] == 'readyWhen condition evaluated to false: "${web.status.ready}"'


def test_an_answer_to_a_task_that_is_over_is_dropped_and_other_errors_are_not(store: MemoryStore) -> None:
    def superseded(t: ReconcileTask) -> NodeResult:
        raise NodeSuperseded("a newer generation is reconciling")

    for code in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
        Callbacks(store, StepFunctions({"t": code}), superseded).run(task("db", "t"))  # the run ended: nothing to do
    with pytest.raises(ClientError):
        Callbacks(store, StepFunctions({"t": "AccessDeniedException"}), superseded).run(task("db", "t"))


def test_a_woken_step_that_fails_is_answered_as_the_function_would_fail(store: MemoryStore) -> None:
    graph, sfn = Graph({"app": ["db"]}), StepFunctions()
    callbacks = Callbacks(store, sfn, graph.step)
    callbacks.run(task("app", "t-app"))

    def throttled(t: ReconcileTask) -> None:
        if t.node == "app":
            raise RetriableError("Rate exceeded")

    graph.before_step = throttled
    callbacks.run(task("db", "t-db"))  # db is answered; app's step failed in db's process
    assert sfn.of("t-db")[0][0] == "success"
    [(kind, fields)] = sfn.of("t-app")
    assert (fields["error"], fields["cause"]["errorMessage"]) == ("RetriableError", "Rate exceeded")
    with pytest.raises(RetriableError):  # in its own invocation the function fails (the machine's Retry)
        callbacks.run(task("app", "t-app2"))
