"""Drift end to end on the local cloud, with Kro's Dogs-vs-Cats stack: the production path (EventBridge
rules on the default bus → the drift function → a heal execution of the owning instance's state machine),
CloudTrail's delivery played by the local cloud (moto emits no CloudTrail events)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kroless.services import services
from kroless_cli import drift_scene as scene
from kroless_cli.demo import dogs_vs_cats_active
from tests.conftest import KRO_EXAMPLES, missing


@pytest.fixture(scope="module")
def app() -> Iterator[dict[str, Any]]:
    from kroless_cli.localcloud.cloud import LocalCloud

    if not KRO_EXAMPLES.is_dir():
        missing(f"Kro's examples not found at {KRO_EXAMPLES} (set KRO_EXAMPLES)")
    kro_examples: Path = KRO_EXAMPLES
    with LocalCloud(kubernetes_ready_delay=0.05) as cloud:
        key = dogs_vs_cats_active(cloud, kro_examples, timeout=180)
        assert all(i.state == "ACTIVE" for i in cloud.store.list_instances()), cloud.aws.async_errors
        yield {"cloud": cloud, "key": key}


def test_status_fields_that_arrive_after_readiness_fill_in(app: dict[str, Any]) -> None:
    """voteURL/resultURL come from Ingress hostnames published after the Ingresses were ready: the
    executions fill them in, child first, then the app: in Finalize's in-process re-read, or their status
    refresh (finalize → wait → re-read) when they come later."""
    cloud, key = app["cloud"], app["key"]
    deadline = time.monotonic() + 120
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = cloud.store.get_instance(key).status or {}
        if status.get("voteURL") and status.get("resultURL"):
            break
        time.sleep(0.2)
    assert status.get("voteURL") == "pets-vote-ingress-default.ingress.localcloud.kroless", status
    assert status.get("resultURL") == "pets-result-ingress-default.ingress.localcloud.kroless", status
    sfn = cloud.client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == services().state_machine_name("dogsvscats-app.kro.run"))
    (execution,) = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    wait_for = time.monotonic() + 60
    while sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "RUNNING" and time.monotonic() < wait_for:
        time.sleep(0.2)
    assert sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "SUCCEEDED"
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        if "stateEnteredEventDetails" in e
    ]
    # the hostnames were read where the data was at hand (Finalize's in-process re-read: the children's
    # finalize had them when it answered the app's nodes) or, on a slow machine, by a refresh: either ends the run
    assert entered[-1] in ("Finalize", "Refresh status")


def _reports(cloud: Any) -> int:
    return sum(len(cloud.store.list_drift(i.key)) for i in cloud.store.list_instances())


def test_kroless_own_calls_produce_no_drift_reports(app: dict[str, Any]) -> None:
    cloud = app["cloud"]
    assert _reports(cloud) == 0  # the whole apply (every create, tag, rule call) made none
    assert scene.delete_db_instance_event_only(cloud) == "ignored (no drift report)"
    key = scene._child(cloud.store, "RDSPostgres")
    record = cloud.store.get_instance(key)
    assert record is not None and record.observed_generation == record.generation == 1


def test_deleted_rds_instance_comes_back_with_one_reconcile_per_burst(app: dict[str, Any]) -> None:
    cloud = app["cloud"]
    healed = scene.delete_db_instance(cloud, burst=100)
    assert healed.restored, healed
    assert healed.reconciles == 1, healed
    assert healed.reports == 100  # every event is reported, one heal runs
    assert cloud.store.get_instance(app["key"]).state == "ACTIVE"
    assert not cloud.aws.async_errors


def test_revoked_security_group_rule_comes_back(app: dict[str, Any]) -> None:
    cloud = app["cloud"]
    healed = scene.revoke_ingress(cloud)
    assert healed.restored, healed
    assert healed.reconciles == 1 and healed.reports == 1, healed


def test_deleted_deployment_comes_back_through_the_resync(app: dict[str, Any]) -> None:
    cloud = app["cloud"]
    healed = scene.delete_deployment(cloud)
    assert healed.restored, healed
    assert healed.reconciles == 1 and healed.reports == 1, healed
    assert [d["nodes"] for d in healed.details["drifted"]] == [["voteDeployment"]] or healed.details["drifted"]
    # nothing else drifted: a second resync finds everything in sync and heals nothing
    assert cloud.resync()["drifted"] == []


def test_the_app_ends_active_and_kroless_heals_made_no_reports(app: dict[str, Any]) -> None:
    cloud = app["cloud"]
    cloud.settle()
    assert all(i.state == "ACTIVE" for i in cloud.store.list_instances())
    assert _reports(cloud) == 102  # 100 + 1 + 1: the heals' own calls added none
