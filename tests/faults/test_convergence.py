"""Self-healing under faults (issue 13), on the local cloud: each trial converges to ACTIVE with every
resource exactly once (counted in moto and in the emulated cluster) and leaves nothing after its delete.

The faults (:mod:`kroless_cli.testing.faults`) are seeded: a failure names its seed and replays with it.
``bench/bench_faults.py`` runs many more trials of the same scenarios.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.testing.fault_scenario import LATE_RGD, MIXED_RGD, converge, footprint, instance
from kroless_cli.testing.faults import CrashPoints, aws_faults, crash_after_mutations, kubernetes_faults

MIXED_FOOTPRINT = {"Bucket": 1, "Topic": 1, "ConfigMap": 1, "Service": 1}


def delete_leaves_nothing(cloud: LocalCloud, manifest: dict[str, Any]) -> None:
    assert cloud.delete(manifest)["state"] == "DELETED"
    assert footprint(cloud, manifest["metadata"]["name"]) == {}


@pytest.mark.parametrize("seed", [11, 12])
def test_kubernetes_answering_500_409_429_on_30_percent_of_requests(cloud: LocalCloud, seed: int) -> None:
    manifest = instance(MIXED_RGD, f"k8s-{seed}")
    with kubernetes_faults(cloud.kubernetes, rate=0.3, seed=seed) as injected:
        state, _ = converge(cloud, manifest)
        assert state == "ACTIVE", (seed, injected)
        assert injected, "no fault was injected: the trial proved nothing"
        assert footprint(cloud, f"k8s-{seed}") == MIXED_FOOTPRINT
        delete_leaves_nothing(cloud, manifest)


@pytest.mark.parametrize("seed", [21, 22])
def test_aws_throttling_or_failing_on_30_percent_of_requests(cloud: LocalCloud, seed: int) -> None:
    manifest = instance(MIXED_RGD, f"aws-{seed}")
    with aws_faults(rate=0.3, seed=seed, services=("s3", "sns")) as injected:
        state, _ = converge(cloud, manifest)
        assert state == "ACTIVE", (seed, injected)
        assert injected, "no fault was injected: the trial proved nothing"
    assert footprint(cloud, f"aws-{seed}") == MIXED_FOOTPRINT
    with aws_faults(rate=0.3, seed=seed, services=("s3", "sns")):
        assert cloud.delete(instance(MIXED_RGD, f"aws-{seed}"))["state"] == "DELETED"
    assert footprint(cloud, f"aws-{seed}") == {}


def test_a_crash_after_every_mutating_call_converges_through_the_resync(cloud: LocalCloud) -> None:
    """The reconcile function killed right after each call that changed something (CreateBucket before its
    PutBucketTagging, CreateTopic, each Kubernetes apply): the execution fails, the instance is ERROR, and the
    resync re-drives it to ACTIVE, with no resource made twice."""
    with crash_after_mutations(CrashPoints()) as baseline:
        assert converge(cloud, instance(MIXED_RGD, "crash-0"), resyncs=0)[0] == "ACTIVE"
    delete_leaves_nothing(cloud, instance(MIXED_RGD, "crash-0"))
    points = len(baseline.calls)
    assert points >= 4, baseline.calls  # bucket create and tagging, topic, two Kubernetes applies
    for at in range(1, points + 1):
        name = f"crash-{at}"
        with crash_after_mutations(CrashPoints(at=at)) as crash:
            state, resyncs = converge(cloud, instance(MIXED_RGD, name))
        assert crash.crashed, f"no crash at call {at} of {baseline.calls}"
        assert state == "ACTIVE" and resyncs == 1, (crash.crashed, state, resyncs)
        assert footprint(cloud, name) == MIXED_FOOTPRINT, crash.crashed
        delete_leaves_nothing(cloud, instance(MIXED_RGD, name))


def test_dependencies_that_appear_seconds_after_the_apply_are_waited_for(cloud: LocalCloud) -> None:
    """A Secret read with no graph edge (the DB password) and an externalRef ConfigMap, both created 3 s after
    the apply: the reconcile waits for them, as Kro and ACK do, and reaches ACTIVE."""
    manifest = instance(LATE_RGD, "late")
    cluster = cloud.kubernetes.cluster

    def create_dependencies() -> None:
        cluster.add({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "late-db-password", "namespace": "default"}, "stringData": {"password": "s3cr3t-pass"}})
        cluster.add({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late-settings", "namespace": "default"}, "data": {"size": "large"}})

    timer = threading.Timer(3.0, create_dependencies)
    timer.start()
    try:
        state, resyncs = converge(cloud, manifest, resyncs=0)
    finally:
        timer.cancel()
    assert state == "ACTIVE" and resyncs == 0
    assert footprint(cloud, "late") == {"DBInstance": 1, "ConfigMap": 2, "Secret": 1}
    assert cluster.read("v1", "ConfigMap", "late-config", "default")["data"]["size"] == "large"
    assert cloud.delete(manifest)["state"] == "DELETED"
    assert footprint(cloud, "late") == {"ConfigMap": 1, "Secret": 1}  # what the user made stays
