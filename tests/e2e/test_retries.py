"""Transient failures are retried, by the provider and then by the state machine, terminal ones are not: the
Kubernetes API answers a node's apply with an error (a fault injected into the API emulator), on the local cloud
(the deployed stack's reconcile function, its state machine in moto's interpreter).

A 503 is retriable: the provider sends the request again a few times; when that is not enough the reconcile
task fails as RetriableError, the machine's Retry runs the step again and the instance reaches ACTIVE. A 403 is terminal: the node is ERROR with the API's message after one attempt. An API
that stays unavailable ends the instance in ERROR, with the API's message, once the retries are spent.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from kroless.errors import RETRIABLE_ERROR
from kroless.providers.kubernetes.provider import TRANSIENT_RETRY_DELAYS
from kroless.runtime.reconciler import Reconciler
from kroless.services import services
from kroless.statemachine import StateMachineOptions, asl
from kroless.store import InstanceKey
from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.testing.fault_scenario import settled
from kroless_cli.testing.faults import kubernetes_failing
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


def test_a_kubernetes_503_on_apply_is_retried_by_the_provider_and_the_instance_becomes_active(cloud: LocalCloud) -> None:
    unavailable = "the server is currently unable to handle the request"
    with kubernetes_failing(cloud.kubernetes, "blip-settings", 503, "ServiceUnavailable", unavailable, times=2) as refused:
        result = cloud.apply(instance("blip"))
    assert result["state"] == "ACTIVE", result
    assert len(refused) == 2  # both refused applies were sent again, by the provider ...
    assert task_failures(cloud, "blip") == []  # ... within the task: the machine had nothing to retry


def test_a_kubernetes_503_that_outlasts_the_provider_is_retried_by_the_machine(cloud: LocalCloud) -> None:
    unavailable = "the server is currently unable to handle the request"
    tries = 1 + len(TRANSIENT_RETRY_DELAYS)  # one task's requests
    with kubernetes_failing(cloud.kubernetes, "late-settings", 503, "ServiceUnavailable", unavailable, times=tries + 1) as refused:
        result = cloud.apply(instance("late"))
    assert result["state"] == "ACTIVE", result
    assert len(refused) == tries + 1
    assert task_failures(cloud, "late") == [RETRIABLE_ERROR]  # the first task gave up; the machine's retry applied
    nodes = {r.node_id: r for r in cloud.store.get_nodes(InstanceKey.from_manifest(instance("blip")))}
    assert nodes["settings"].state == "SYNCED" and nodes["settings"].error is None


def test_a_kubernetes_403_is_not_retried_and_the_node_says_why(cloud: LocalCloud) -> None:
    forbidden = 'configmaps "denied-settings" is forbidden: User "kroless" cannot patch resource "configmaps"'
    with kubernetes_failing(cloud.kubernetes, "denied-settings", 403, "Forbidden", forbidden, times=5) as refused:
        result = cloud.apply(instance("denied"))
    assert result["state"] == "ERROR", result
    assert len(refused) == 1
    assert task_failures(cloud, "denied") == ["NodeFailed"]  # once: no Retry matches it, the node's Catch took it
    assert "settings: ConfigMap default/denied-settings: " + forbidden in ready_message(result)


def test_an_api_that_stays_unavailable_ends_in_error_once_the_retries_are_spent(cloud: LocalCloud) -> None:
    unavailable = "etcd cluster is unavailable or misconfigured"
    with kubernetes_failing(cloud.kubernetes, "down-config", 503, "ServiceUnavailable", unavailable, times=100) as refused:
        result = cloud.apply(instance("down"))
    assert result["state"] == "ERROR", result
    attempts = 1 + StateMachineOptions().retry_max_attempts
    assert len(refused) == attempts * (1 + len(TRANSIENT_RETRY_DELAYS))  # each task's tries, in each attempt
    assert task_failures(cloud, "down") == [RETRIABLE_ERROR] * attempts
    assert "config: ConfigMap default/down-config: " + unavailable in ready_message(result)
    failed = json.dumps(result["status"])
    assert "down-settings" not in failed  # its dependent never ran


def crash_once(monkeypatch: pytest.MonkeyPatch, name: str, node: str) -> list[str]:
    """The reconcile task of ``node`` of instance ``name`` dies once (an uncaught error, as a killed function's);
    returns the list the crash is noted in."""
    crashed: list[str] = []
    original = Reconciler.reconcile_node

    def reconcile_node(self: Reconciler, key: InstanceKey, generation: int, node_id: str, **kwargs: Any) -> Any:
        if key.name == name and node_id == node and not crashed:
            crashed.append(node_id)
            raise RuntimeError("simulated crash of the reconcile function")
        return original(self, key, generation, node_id, **kwargs)

    monkeypatch.setattr(Reconciler, "reconcile_node", reconcile_node)
    return crashed


def test_a_crashed_task_ends_in_error_and_the_same_manifest_applied_again_reconciles(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reconcile task that dies (an uncaught terminal error, as a killed function's) leaves its node unfinished:
    the machine's "Record failure" must write ERROR, not IN_PROGRESS (nothing runs for it any more), and
    applying the unchanged manifest again must start a new reconcile (issue 13)."""
    crashed = crash_once(monkeypatch, "crash", "settings")
    result = cloud.apply(instance("crash"), timeout=60)
    assert crashed == ["settings"]
    assert result["state"] == "ERROR", result
    assert "the reconcile stopped before settings: RuntimeError: simulated crash" in ready_message(result)

    again = cloud.apply(instance("crash"))
    assert again["state"] == "ACTIVE", again
    record = cloud.store.get_instance(InstanceKey.from_manifest(instance("crash")))
    assert record is not None and record.generation == 2 and record.observed_generation == 2


def active_record(cloud: LocalCloud, name: str) -> Any:
    """The instance's record once its current generation has settled, which must be ACTIVE."""
    assert settled(cloud, instance(name), timeout=60) == "ACTIVE", cloud.store.get_instance(InstanceKey.from_manifest(instance(name)))
    return cloud.store.get_instance(InstanceKey.from_manifest(instance(name)))


def redrives_of(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    ref = InstanceKey.from_manifest(instance(name)).ref
    return [r for r in report["redriven"] if r["instance"] == ref]


def test_an_instance_stuck_by_a_crash_is_re_driven_by_the_resync(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing stuck (issue 13): no re-apply; the resync (invoked as its schedule does) finds the ERROR instance
    with no execution running and reconciles it again, once; an ACTIVE instance is left alone."""
    crash_once(monkeypatch, "stuck", "config")
    assert cloud.apply(instance("stuck"), timeout=60)["state"] == "ERROR"
    assert cloud.kubernetes.cluster.read("v1", "ConfigMap", "stuck-settings", "default") is None

    report = cloud.resync()
    [redrive] = redrives_of(report, "stuck")
    assert redrive["redrive"] == "started" and redrive["lastExecution"] == "FAILED", redrive
    record = active_record(cloud, "stuck")
    assert record.generation == 2 and record.redrives == 0
    assert cloud.kubernetes.cluster.read("v1", "ConfigMap", "stuck-settings", "default") is not None
    assert redrives_of(cloud.resync(), "stuck") == []  # ACTIVE: nothing to re-drive


def test_the_resync_never_doubles_a_running_reconcile(cloud: LocalCloud) -> None:
    """An IN_PROGRESS instance whose execution is still RUNNING (its apply held in the API server) is not
    re-driven: the resync asked Step Functions first."""
    entered, release = threading.Event(), threading.Event()
    handler = cloud.kubernetes._server.RequestHandlerClass  # type: ignore[union-attr]
    original = handler._route

    def held(self: Any, method: str, parts: list[str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        if method == "PATCH" and parts[-1:] == ["slow-config"] and not release.is_set():
            entered.set()
            release.wait(30)
        return original(self, method, parts, query, body)  # type: ignore[no-any-return]

    handler._route = held
    try:
        cloud.put("Instance Applied", instance("slow"))
        assert entered.wait(30), "the apply of slow-config never reached the API server"
        report = cloud.resync()
    finally:
        release.set()
        handler._route = original
    assert redrives_of(report, "slow") == []
    record = active_record(cloud, "slow")
    assert record.generation == 1 and record.redrives == 0


GATED = yaml.safe_load(
    """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: gated.kro.run
spec:
  schema:
    apiVersion: v1alpha1
    kind: Gated
    spec:
      name: string
  resources:
    - id: config
      readyWhen:
        - ${config.metadata.?annotations.?approved.orValue("") == "yes"}
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-config
        data:
          name: ${schema.spec.name}
"""
)


def test_a_readiness_timeout_stays_in_progress_and_the_resync_retries_it(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kro keeps an instance whose resource is not ready IN_PROGRESS and keeps trying; here the readiness wait
    ends at the node timeout (20 s, 2 s at this time scale), the instance stays IN_PROGRESS with no execution
    running, and the resync re-drives it: once the resource is ready, the instance is ACTIVE."""
    monkeypatch.setattr(asl, "StateMachineOptions", functools.partial(StateMachineOptions, node_timeout_seconds=20))
    cloud.register(GATED)
    manifest = {**instance("gate"), "kind": "Gated"}
    key = InstanceKey.from_manifest(manifest)
    cloud.put("Instance Applied", manifest)
    record = wait_for_execution(cloud, key)
    assert record.state == "IN_PROGRESS" and record.observed_generation == 1, record
    ready = next(c for c in record.conditions if c["type"] == "Ready")
    assert ready["status"] == "False" and "config" in ready["message"], ready

    cloud.kubernetes.cluster.edit(
        "v1", "ConfigMap", "gate-config", "default",
        change=lambda o: o["metadata"].setdefault("annotations", {}).update({"approved": "yes"}),
    )
    [redrive] = [r for r in cloud.resync()["redriven"] if r["instance"] == key.ref]
    assert redrive["redrive"] == "started" and redrive["state"] == "IN_PROGRESS", redrive
    deadline = time.monotonic() + 30
    while (record := cloud.store.get_instance(key)) is not None and record.state != "ACTIVE":
        assert time.monotonic() < deadline, record
        time.sleep(0.05)
    assert record is not None and record.generation == 2


def wait_for_execution(cloud: LocalCloud, key: InstanceKey, timeout: float = 60) -> Any:
    """The instance's record once the execution recorded for its generation has ended."""
    sfn = cloud.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = cloud.store.get_instance(key)
        if record is not None and record.execution and record.execution_generation == record.generation:
            if sfn.describe_execution(executionArn=record.execution)["status"] != "RUNNING":
                return cloud.store.get_instance(key)
        time.sleep(0.1)
    raise AssertionError(f"no execution of {key} ended within {timeout} s")


def test_an_instance_stuck_deleting_is_re_driven_by_the_resync(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delete task that dies leaves the instance DELETING with its delete execution FAILED; the resync starts a
    new delete execution (a new generation, as a re-drive counted for the backoff) and the instance goes, with its
    objects. Kro requeues a failed deletion like any failed reconcile."""
    assert cloud.apply(instance("leaving"))["state"] == "ACTIVE"
    crashed: list[str] = []
    original = Reconciler.delete_node

    def delete_node(self: Reconciler, key: InstanceKey, generation: int, node_id: str) -> Any:
        if key.name == "leaving" and not crashed:
            crashed.append(node_id)
            raise RuntimeError("simulated crash of the delete task")
        return original(self, key, generation, node_id)

    monkeypatch.setattr(Reconciler, "delete_node", delete_node)
    key = InstanceKey.from_manifest(instance("leaving"))
    cloud.put("Instance Deleted", instance("leaving"))
    cloud.settle()  # the deletion is requested and its execution started
    record = wait_for_execution(cloud, key)
    assert crashed and record.state == "DELETING" and record.deletion_requested, record
    ready = next(c for c in record.conditions if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("Unknown", "UnderDeletion"), ready
    assert ready["message"].startswith("deletion blocked: ") and "simulated crash of the delete task" in ready["message"]
    assert cloud.kubernetes.cluster.read("v1", "ConfigMap", "leaving-config", "default") is not None

    [redrive] = redrives_of(cloud.resync(), "leaving")
    assert redrive["redrive"] == "started" and redrive["state"] == "DELETING" and redrive["lastExecution"] == "FAILED", redrive
    assert redrive["generation"] == record.generation + 1
    deadline = time.monotonic() + 30
    while cloud.store.get_instance(key) is not None:
        assert time.monotonic() < deadline, cloud.store.get_instance(key)
        time.sleep(0.05)
    assert cloud.kubernetes.cluster.read("v1", "ConfigMap", "leaving-config", "default") is None
    assert redrives_of(cloud.resync(), "leaving") == []  # gone: nothing to re-drive
