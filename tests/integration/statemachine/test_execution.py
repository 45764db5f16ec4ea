"""Generated machines executed by moto's ASL interpreter, with a fake reconcile function (LocalAws)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from kubernetes.client.exceptions import ApiException

from kroless.graph import Graph
from kroless.statemachine import StateMachineOptions, compile_state_machine
from kroless.store import StoreThrottledError
from kroless_cli.localcloud.aws import LocalAws
from tests.integration.statemachine.fake import FakeReconciler
from tests.unit.statemachine.asl_walk import compile_graph, node_tasks, random_dag, rgd_document

DOGS_VS_CATS = {
    "postgres": [],
    "redis": [],
    "voteapp": ["redis"],
    "resultapp": ["postgres"],
    "workerapp": ["redis", "postgres"],
}
FAST = StateMachineOptions(first_wait_seconds=1, max_wait_seconds=1)


@pytest.fixture
def cloud() -> Iterator[LocalAws]:
    with LocalAws() as aws:
        yield aws


@pytest.fixture
def dogs_vs_cats() -> Graph:
    return compile_graph(rgd_document("dogsvscats", list(DOGS_VS_CATS), DOGS_VS_CATS))


def machine(fake: FakeReconciler, graph: Graph, options: StateMachineOptions = FAST) -> dict[str, Any]:
    return compile_state_machine(
        graph,
        reconcile_function_arn=fake.reconcile_arn, finalize_function_arn=fake.finalize_arn, options=options
    )


@pytest.mark.parametrize("form", ["named", "generic"])
def test_dogs_vs_cats_runs_on_the_dag(cloud: LocalAws, dogs_vs_cats: Graph, form: str) -> None:
    # the vote app needs only Redis: the database becomes ready only after the vote app is, so a level-by-level
    # schedule (vote app after postgres) would time out here instead of succeeding
    delays = {"redis": 0.5, "voteapp": 0.5, "resultapp": 0.5, "workerapp": 0.5}
    fake = FakeReconciler(cloud, delays, DOGS_VS_CATS, done_after={"postgres": ("finished", "voteapp")})
    options = StateMachineOptions(
        first_wait_seconds=1, max_wait_seconds=1, form=form, node_timeouts={"postgres": 30}
    )
    result = fake.run(machine(fake, dogs_vs_cats, options))
    assert result["status"] == "SUCCEEDED", result
    assert fake.violations == []
    assert fake.finished["voteapp", "apply"] <= fake.finished["postgres", "apply"]
    assert [f["mode"] for f in fake.finalized] == ["reconcile"]
    assert fake.finalized[0]["t"] >= max(fake.finished.values())


def test_deletion_runs_in_reverse(cloud: LocalAws, dogs_vs_cats: Graph) -> None:
    # postgres waits only for its own dependents, not for the vote app: the vote app is deleted only once the
    # postgres deletion has started, so a level-by-level schedule would time out here instead of succeeding
    delays = {"postgres": 1.0, "redis": 0.5, "resultapp": 0.5, "workerapp": 0.5}
    fake = FakeReconciler(cloud, delays, DOGS_VS_CATS, done_after={"voteapp": ("started", "postgres")})
    options = StateMachineOptions(
        first_wait_seconds=1, max_wait_seconds=1, node_timeouts={"voteapp": 30}
    )
    result = fake.run(machine(fake, dogs_vs_cats, options), mode="delete")
    assert result["status"] == "SUCCEEDED", result
    assert fake.violations == []
    assert {node for node, phase in fake.started if phase == "apply"} == set()
    assert fake.started["postgres", "delete"] <= fake.finished["voteapp", "delete"]
    assert [f["mode"] for f in fake.finalized] == ["delete"]


def test_node_error_fails_the_execution_and_records_it(cloud: LocalAws, dogs_vs_cats: Graph) -> None:
    fake = FakeReconciler(cloud, {}, DOGS_VS_CATS, errors={"resultapp"})
    result = fake.run(machine(fake, dogs_vs_cats))
    assert result["status"] == "FAILED"
    assert result["error"] == "Kroless.NodeError"
    assert result["cause"] == "resource resultapp: admission webhook denied the request"
    assert [f["mode"] for f in fake.finalized] == ["error"]
    assert fake.finalized[0]["error"]["Error"] == "Kroless.NodeError"


def test_readiness_timeout_names_the_resource_and_the_ready_when(cloud: LocalAws, dogs_vs_cats: Graph) -> None:
    fake = FakeReconciler(cloud, {}, DOGS_VS_CATS, never_ready={"redis"})
    options = StateMachineOptions(
        first_wait_seconds=1, max_wait_seconds=1, node_timeouts={"redis": 2}
    )
    result = fake.run(machine(fake, dogs_vs_cats, options))
    assert result["status"] == "FAILED"
    assert result["error"] == "Kroless.NodeTimeout"
    assert result["cause"] == "resource redis not ready after 2s: readyWhen ${has(redis.status.endpoint)} is false"
    assert sum(1 for c in fake.calls if c["node"] == "redis") == 3  # apply + 2 checks


def test_superseded_stops_quietly(cloud: LocalAws, dogs_vs_cats: Graph) -> None:
    fake = FakeReconciler(cloud, {}, DOGS_VS_CATS, superseded={"voteapp"})
    result = fake.run(machine(fake, dogs_vs_cats))
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"])["error"]["Error"] == "Kroless.Superseded"
    assert fake.finalized == []


def _aws_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "CreateDBInstance")


def test_retriable_failures_are_retried(cloud: LocalAws, dogs_vs_cats: Graph) -> None:
    # throttled by AWS, the Kubernetes API unavailable, DynamoDB still throttled: each time the machine tries again
    transient = [
        _aws_error("ThrottlingException", 400),
        ApiException(status=503, reason="Service Unavailable"),
        StoreThrottledError("DynamoDB put_item still throttled after retries"),
    ]
    fake = FakeReconciler(cloud, {}, DOGS_VS_CATS, failures={"postgres": transient})
    result = fake.run(machine(fake, dogs_vs_cats))
    assert result["status"] == "SUCCEEDED", result
    assert sum(1 for c in fake.calls if c["node"] == "postgres") == 4  # three failures, then the apply
    assert [f["mode"] for f in fake.finalized] == ["reconcile"]


def test_a_terminal_failure_is_not_retried(cloud: LocalAws, dogs_vs_cats: Graph) -> None:
    fake = FakeReconciler(cloud, {}, DOGS_VS_CATS, failures={"postgres": [_aws_error("AccessDenied", 403)]})
    result = fake.run(machine(fake, dogs_vs_cats))
    assert result["status"] == "FAILED"
    assert result["error"] == "ClientError"  # the function's own exception, caught and recorded
    assert sum(1 for c in fake.calls if c["node"] == "postgres") == 1
    assert [(f["mode"], f["error"]["Error"]) for f in fake.finalized] == [("error", "ClientError")]


def test_random_dag_order(cloud: LocalAws) -> None:
    order, deps = random_dag(3, size=9, density=0.35)
    graph = compile_graph(rgd_document("random", order, deps))
    delays = {v: 0.3 * (i % 4) for i, v in enumerate(order)}
    fake = FakeReconciler(cloud, delays, deps)
    result = fake.run(machine(fake, graph))
    assert result["status"] == "SUCCEEDED", result
    assert fake.violations == []
    assert len({node for node, _ in fake.started}) == len(order)


def test_readiness_polls_back_off_to_the_max_delay(cloud: LocalAws, monkeypatch: Any) -> None:
    """moto's Retry honours BackoffRate, MaxDelaySeconds and JitterStrategy as AWS documents them: the
    readiness polls of a node that never gets ready wait 1, 2, 4, 4 s (NONE: no jitter), and a transient
    retry waits at most its interval (FULL jitter)."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    slept: list[float] = []
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=slept.append, time=retrier_decl.time.time))
    graph = compile_graph(rgd_document("one", ["redis"], {"redis": []}))
    throttled = {"redis": [_aws_error("ThrottlingException", 400)]}
    fake = FakeReconciler(cloud, {}, {"redis": []}, never_ready={"redis"}, failures=throttled)
    options = StateMachineOptions(first_wait_seconds=1, max_wait_seconds=4, node_timeouts={"redis": 11})
    definition = machine(fake, graph, options)
    assert dict(node_tasks(definition))["redis"]["Retry"][1]["MaxAttempts"] == 4  # 1 + 2 + 4 + 4 >= 11
    result = fake.run(definition)
    assert result["error"] == "Kroless.NodeTimeout"
    transient, *polls = slept  # the throttled first call, then the readiness polls
    assert 0 <= transient <= 1
    assert polls == [1, 2, 4, 4]
