"""Status fields whose data arrives after the resource was ready (a load balancer's hostname): finalize
reports them pending, a refresh re-reads the objects they wait on, and the status fills in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kroless.operations import STATUS_REFRESH, _status_refresh
from kroless.providers.kubernetes import KubernetesProvider
from kroless.runtime.status import finalize
from kroless.store import InstanceKey, StateStore
from kroless_cli.control import ControlPlane
from kroless_cli.localcloud.kubernetes import Cluster, KubernetesEmulator

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
INSTANCE = {"apiVersion": "kro.run/v1alpha1", "kind": "FrontDoor", "metadata": {"name": "shop", "namespace": "default"}, "spec": {"name": "shop"}}
KEY = InstanceKey("kro.run", "v1alpha1", "FrontDoor", "default", "shop")


class Clock:
    """The emulator's clock, moved by the test: the load balancer is ready when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slow_load_balancers(clock: Clock) -> Iterator[KubernetesEmulator]:
    with KubernetesEmulator(cluster=Cluster(ready_delay=60, clock=clock)) as emulator:
        yield emulator


def test_a_hostname_that_arrives_after_readiness_fills_the_status(
    store: StateStore, slow_load_balancers: KubernetesEmulator, clock: Clock
) -> None:
    control = ControlPlane(store, kubernetes=KubernetesProvider.from_host(slow_load_balancers.url), poll=0.02, node_timeout=20)
    control.register(RGD)
    applied = control.apply(INSTANCE)
    assert applied["state"] == "ACTIVE"  # the Service exists: ready, as in Kro, before its load balancer is
    first = finalize(control.reconciler, KEY, 1)
    assert first["status"]["port"] == 443 and "host" not in first["status"]
    assert first["pendingStatus"] == ["host"]
    assert _status_refresh(first, 0) == {"pendingStatus": ["host"], "refreshSeconds": STATUS_REFRESH[0], "refreshAttempt": 1}

    clock.now += 61  # the cloud's load balancer controller publishes the hostname
    assert finalize(control.reconciler, KEY, 1)["pendingStatus"] == ["host"]  # finalize alone reads nothing new
    control.reconciler.refresh_observed(KEY, 1)
    refreshed = finalize(control.reconciler, KEY, 1)
    assert refreshed["status"]["host"] == "shop-default.elb.localcloud.kroless"
    assert refreshed["pendingStatus"] == [] and _status_refresh(refreshed, 1) == {}
    assert store.get_instance(KEY).status["host"] == "shop-default.elb.localcloud.kroless"  # type: ignore[union-attr]


def test_the_refresh_gives_up_after_its_last_wait_and_never_runs_for_a_stale_generation(store: StateStore, slow_load_balancers: KubernetesEmulator) -> None:
    pending = {"state": "ACTIVE", "pendingStatus": ["host"]}
    assert _status_refresh(pending, len(STATUS_REFRESH)) == {}  # then the resync's turn
    assert _status_refresh({**pending, "state": "ERROR"}, 0) == {}
    control = ControlPlane(store, kubernetes=KubernetesProvider.from_host(slow_load_balancers.url), poll=0.02, node_timeout=20)
    control.register(RGD)
    control.apply(INSTANCE)
    control.apply({**INSTANCE, "spec": {"name": "shop"}, "metadata": {**INSTANCE["metadata"], "labels": {"v": "2"}}})
    assert store.get_instance(KEY).generation == 2  # type: ignore[union-attr]
    control.reconciler.refresh_observed(KEY, 1)  # a stale execution's refresh: reads nothing, writes nothing
    assert all(record.generation == 2 for record in store.get_nodes(KEY))
