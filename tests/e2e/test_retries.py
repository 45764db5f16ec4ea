"""Transient failures are retried by the state machine, terminal ones are not: the Kubernetes API answers a
node's apply with an error (a fault injected into the API emulator), on the local cloud (the deployed stack's
reconcile function, its state machine in moto's interpreter).

A 503 is retriable: the reconcile task fails as RetriableError, the machine's Retry runs the step again and the
instance reaches ACTIVE. A 403 is terminal: the node is ERROR with the API's message after one attempt. An API
that stays unavailable ends the instance in ERROR, with the API's message, once the retries are spent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kroless.errors import RETRIABLE_ERROR
from kroless.runtime.reconciler import Reconciler
from kroless.services import services
from kroless.statemachine import StateMachineOptions
from kroless.store import InstanceKey
from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.localcloud.kubernetes.store import ApiError
from tests.e2e.conftest import TIME_SCALE
from tests.unit.statemachine.asl_walk import rgd_document

KIND = "Flaky"
RGD = "flaky.kro.run"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(kubernetes_ready_delay=0.05, time_scale=TIME_SCALE) as local:
        document = rgd_document(RGD, ["config", "settings"], {"config": [], "settings": ["config"]}).body
        document["spec"]["schema"]["kind"] = KIND
        local.register(document)
        yield local


@contextmanager
def api_failing(cloud: LocalCloud, name: str, status: int, reason: str, message: str, times: int) -> Iterator[list[str]]:
    """The emulated API server answers the first ``times`` applies (PATCH) of object ``name`` with ``status``;
    yields the requests it refused."""
    handler = cloud.kubernetes._server.RequestHandlerClass  # type: ignore[union-attr]
    original = handler._route
    refused: list[str] = []

    def route(self: Any, method: str, parts: list[str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        if method == "PATCH" and parts[-1:] == [name] and len(refused) < times:
            refused.append("/".join(parts))
            raise ApiError(status, reason, message)
        return original(self, method, parts, query, body)  # type: ignore[no-any-return]

    handler._route = route
    try:
        yield refused
    finally:
        handler._route = original


def instance(name: str) -> dict[str, Any]:
    return {"apiVersion": "kro.run/v1alpha1", "kind": KIND, "metadata": {"name": name, "namespace": "default"}, "spec": {"name": name}}


def task_failures(cloud: LocalCloud, name: str) -> list[str]:
    """The error names of the failed task attempts in the instance's executions (the machine's history)."""
    sfn = cloud.client("stepfunctions")
    arn = services().state_machine_arn(RGD)
    errors = []
    for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
        if not execution["name"].startswith(f"{name}-"):
            continue
        for event in sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]:
            if event["type"] in ("TaskFailed", "LambdaFunctionFailed"):
                details = event.get("taskFailedEventDetails") or event.get("lambdaFunctionFailedEventDetails") or {}
                errors.append(details.get("error", ""))
    return errors


def ready_message(result: dict[str, Any]) -> str:
    conditions = result["status"].get("conditions") or []
    return next((c["message"] for c in conditions if c["type"] == "Ready"), "")


def test_a_kubernetes_503_on_apply_is_retried_and_the_instance_becomes_active(cloud: LocalCloud) -> None:
    unavailable = "the server is currently unable to handle the request"
    with api_failing(cloud, "blip-settings", 503, "ServiceUnavailable", unavailable, times=2) as refused:
        result = cloud.apply(instance("blip"))
    assert result["state"] == "ACTIVE", result
    assert len(refused) == 2  # both refused applies were tried again, by the machine
    assert task_failures(cloud, "blip") == [RETRIABLE_ERROR, RETRIABLE_ERROR]
    nodes = {r.node_id: r for r in cloud.store.get_nodes(InstanceKey.from_manifest(instance("blip")))}
    assert nodes["settings"].state == "SYNCED" and nodes["settings"].error is None


def test_a_kubernetes_403_is_not_retried_and_the_node_says_why(cloud: LocalCloud) -> None:
    forbidden = 'configmaps "denied-settings" is forbidden: User "kroless" cannot patch resource "configmaps"'
    with api_failing(cloud, "denied-settings", 403, "Forbidden", forbidden, times=5) as refused:
        result = cloud.apply(instance("denied"))
    assert result["state"] == "ERROR", result
    assert len(refused) == 1
    assert task_failures(cloud, "denied") == ["NodeFailed"]  # once: no Retry matches it, the node's Catch took it
    assert "settings: ConfigMap default/denied-settings: " + forbidden in ready_message(result)


def test_an_api_that_stays_unavailable_ends_in_error_once_the_retries_are_spent(cloud: LocalCloud) -> None:
    unavailable = "etcd cluster is unavailable or misconfigured"
    with api_failing(cloud, "down-config", 503, "ServiceUnavailable", unavailable, times=100) as refused:
        result = cloud.apply(instance("down"))
    assert result["state"] == "ERROR", result
    attempts = 1 + StateMachineOptions().retry_max_attempts
    assert len(refused) == attempts
    assert task_failures(cloud, "down") == [RETRIABLE_ERROR] * attempts
    assert "config: ConfigMap default/down-config: " + unavailable in ready_message(result)
    failed = json.dumps(result["status"])
    assert "down-settings" not in failed  # its dependent never ran


def test_a_crashed_task_ends_in_error_and_the_same_manifest_applied_again_reconciles(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reconcile task that dies (an uncaught terminal error, as a killed function's) leaves its node unfinished:
    the machine's "Record failure" must write ERROR, not IN_PROGRESS (nothing runs for it any more), and
    applying the unchanged manifest again must start a new reconcile (issue 13)."""
    crashed: list[str] = []
    original = Reconciler.reconcile_node

    def crash_once(self: Reconciler, key: InstanceKey, generation: int, node: str, **kwargs: Any) -> Any:
        if key.name == "crash" and node == "settings" and not crashed:
            crashed.append(node)
            raise RuntimeError("simulated crash of the reconcile function")
        return original(self, key, generation, node, **kwargs)

    monkeypatch.setattr(Reconciler, "reconcile_node", crash_once)
    result = cloud.apply(instance("crash"), timeout=60)
    assert crashed == ["settings"]
    assert result["state"] == "ERROR", result
    assert "the reconcile stopped before settings: RuntimeError: simulated crash" in ready_message(result)

    again = cloud.apply(instance("crash"))
    assert again["state"] == "ACTIVE", again
    record = cloud.store.get_instance(InstanceKey.from_manifest(instance("crash")))
    assert record is not None and record.generation == 2 and record.observed_generation == 2
