"""Status fields whose data arrives after the resource was ready (a load balancer's hostname), on the local
cloud: the execution's Finalize writes the status and raises StatusPending, ``Refresh status`` re-reads the
objects they wait on (its Retry re-runs it on StatusPending, backing off), and the status fills in; a stale
generation's refresh writes nothing. (When the retries stop: tests/unit/statemachine/test_asl.py.)"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kroless.services import services
from kroless.statemachine.names import execution_name
from kroless.store import InstanceKey
from kroless_cli.localcloud.cloud import LocalCloud
from tests.e2e.reconcile.conftest import wait_until

RGD = {
    "apiVersion": "kro.run/v1alpha1",
    "kind": "ResourceGraphDefinition",
    "metadata": {"name": "frontdoor.kro.run"},
    "spec": {
        "schema": {
            "apiVersion": "v1alpha1",
            "kind": "FrontDoor",
            "spec": {"name": "string"},
            "status": {"host": "${lb.status.loadBalancer.ingress[0].hostname}", "port": "${lb.spec.ports[0].port}"},
        },
        "resources": [
            {
                "id": "lb",
                "template": {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": "${schema.spec.name}"},
                    "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]},
                },
            }
        ],
    },
}


def front_door(namespace: str) -> dict[str, Any]:
    return {"apiVersion": "kro.run/v1alpha1", "kind": "FrontDoor", "metadata": {"name": "shop", "namespace": namespace}, "spec": {"name": "shop"}}


class Clock:
    """The emulator's clock, moved by the test: the load balancer is ready when the test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def registered(cloud: LocalCloud) -> LocalCloud:
    cloud.register(RGD)
    return cloud


@pytest.fixture
def clock(registered: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The cluster's simulated controllers stand still until the test moves the clock past the cluster's ready
    delay; then the cloud's load balancer controller publishes the hostname. The real clock is back afterwards."""
    cloud = registered
    frozen = Clock()
    monkeypatch.setattr(cloud.kubernetes.cluster, "clock", frozen)
    yield frozen


def execution(cloud: LocalCloud, key: InstanceKey, generation: int) -> str:
    record = cloud.store.get_instance(key)
    assert record is not None
    machine = services().state_machine_arn(RGD["metadata"]["name"])  # type: ignore[index]
    return machine.replace(":stateMachine:", ":execution:") + ":" + execution_name(key, record.uid, generation)


def results(cloud: LocalCloud, arn: str, state: str) -> list[dict[str, Any]]:
    """What the finalize function did each time it ran in ``state`` (Finalize, Refresh status, retries
    included): its answer, or the error it raised as ``{"error", "message"}``."""
    events = cloud.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    found, current = [], None
    for event in events:
        if "stateEnteredEventDetails" in event:
            current = event["stateEnteredEventDetails"]["name"]
        elif current == state and event["type"] == "TaskSucceeded":
            found.append(json.loads(event["taskSucceededEventDetails"]["output"])["Payload"])
        elif current == state and event["type"] == "TaskFailed":
            details = event["taskFailedEventDetails"]
            found.append({"error": details["error"], "message": json.loads(details["cause"])["errorMessage"]})
    return found


def entered(cloud: LocalCloud, arn: str) -> list[str]:
    events = cloud.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def succeeded(cloud: LocalCloud, arn: str) -> bool:
    return bool(cloud.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "SUCCEEDED")


def test_a_hostname_that_arrives_after_readiness_fills_the_status(cloud: LocalCloud, namespace: str, clock: Clock) -> None:
    key = InstanceKey("kro.run", "v1alpha1", "FrontDoor", namespace, "shop")
    applied = cloud.apply(front_door(namespace))
    assert applied["state"] == "ACTIVE"  # the Service exists: ready, as in Kro, before its load balancer is
    assert applied["status"]["port"] == 443 and "host" not in applied["status"]
    arn = execution(cloud, key, 1)
    # Finalize reports the field pending and the machine waits the first refresh interval
    pending = {"error": "StatusPending", "message": "status fields waiting on data: host"}
    # the status is written before finalize raises, so the history may not hold its answer yet
    assert wait_until(lambda: results(cloud, arn, "Finalize"), what="finalize's answer in the history") == [pending]
    # a refresh while the load balancer has no hostname yet finds nothing new: its Retry waits longer
    refreshed = wait_until(lambda: results(cloud, arn, "Refresh status"), what="a first status refresh")
    assert refreshed[0] == pending
    assert "host" not in cloud.store.get_instance(key).status  # type: ignore[union-attr]

    clock.now += 1  # the cloud's load balancer controller publishes the hostname
    record = wait_until(lambda: (r := cloud.store.get_instance(key)) and "host" in r.status and r, what="the host")
    assert record.status["host"] == f"shop-{namespace}.elb.localcloud.kroless"
    assert record.state == "ACTIVE" and record.generation == 1
    # nothing pending any more: the loop stops and the execution ends
    wait_until(lambda: succeeded(cloud, arn), what="the execution to succeed")
    assert results(cloud, arn, "Refresh status")[-1] == {"state": "ACTIVE"}
    assert entered(cloud, arn)[-1] == "Refresh status"  # its success ends the run


def test_a_stale_generations_refresh_writes_nothing(cloud: LocalCloud, namespace: str, clock: Clock) -> None:
    key = InstanceKey("kro.run", "v1alpha1", "FrontDoor", namespace, "shop")
    first = front_door(namespace)
    assert cloud.apply(first)["state"] == "ACTIVE"  # generation 1 waits for its hostname in its refresh loop
    second = {**first, "metadata": {**first["metadata"], "labels": {"v": "2"}}}
    assert cloud.apply(second)["state"] == "ACTIVE"
    assert cloud.store.get_instance(key).generation == 2  # type: ignore[union-attr]

    # the "Refresh status" task of generation 1's execution, as it runs now: it reads nothing, writes nothing
    stale = {"instance": key.ref, "generation": 1, "mode": "refresh"}
    response = cloud.client("lambda").invoke(FunctionName=cloud.functions["finalize"], Payload=json.dumps(stale))
    assert json.loads(response["Payload"].read()) == {"state": "SUPERSEDED"}
    assert all(record.generation == 2 for record in cloud.store.get_nodes(key))
    # and generation 1's execution, at its own next re-read, stops there: in Finalize's in-process re-read of the
    # pending fields (its first 2 s) or at its next Refresh status, whichever the newer generation came during
    arn = execution(cloud, key, 1)
    wait_until(lambda: succeeded(cloud, arn), what="generation 1's execution to end")
    last = entered(cloud, arn)[-1]  # its success ends the run
    assert last in ("Finalize", "Refresh status")
    assert results(cloud, arn, last)[-1] == {"state": "SUPERSEDED"}
