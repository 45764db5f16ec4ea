"""A new version of an RGD reaches its live instances with no change to them (issue 12 item 1; Kro re-enqueues
every instance when an RGD is registered again): registered through the bus, the compile function starts one
paced reconcile per instance and each re-renders with the new graph. On the local cloud."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kroless import operations
from kroless_cli.localcloud.cloud import LocalCloud
from tests.e2e.reconcile.conftest import configmap_rgd, wait_until


def greeter(greeting: str) -> dict[str, Any]:
    """``greeter.kroless.dev``: one ConfigMap whose data the RGD's version decides."""
    return configmap_rgd("Greeter", {}, {"text": "${'" + greeting + " ' + schema.spec.name}"})


def test_a_new_rgd_version_re_renders_every_live_instance_without_touching_them(
    cloud: LocalCloud, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two per compile invocation: the rollout goes through the bus twice (the rule back to compile, compile's
    # right to put kroless.controller events and to start executions, all as deployed)
    monkeypatch.setattr(operations, "ROLLOUT_BATCH", 2)
    k8s = cloud.kubernetes
    cloud.register(greeter("hello"))
    names = ["ann", "bob", "cyd"]
    for name in names:
        manifest = {"apiVersion": "kroless.dev/v1alpha1", "kind": "Greeter", "metadata": {"name": name, "namespace": namespace}, "spec": {"name": name}}
        assert cloud.apply(manifest)["state"] == "ACTIVE"

    def texts() -> dict[str, str]:
        return {n: k8s.cluster.read("v1", "ConfigMap", n, namespace)["data"]["text"] for n in names}

    assert texts() == {n: f"hello {n}" for n in names}
    before = {i.key.name: i for i in cloud.store.list_instances("greeter.kroless.dev") if i.key.namespace == namespace}

    errors_before = len(cloud.aws.async_errors)
    started = time.monotonic()
    cloud.register(greeter("good day"))  # the RGD only: no instance is applied again
    wait_until(lambda: texts() == {n: f"good day {n}" for n in names}, timeout=60, what="all three re-rendered")
    assert time.monotonic() - started < 60
    assert cloud.aws.async_errors[errors_before:] == []

    def settled() -> bool:
        now = {i.key.name: i for i in cloud.store.list_instances("greeter.kroless.dev") if i.key.namespace == namespace}
        return all(r.state == "ACTIVE" and r.observed_generation == r.generation for r in now.values())

    wait_until(settled, what="every instance ACTIVE at its new generation")
    after = {i.key.name: i for i in cloud.store.list_instances("greeter.kroless.dev") if i.key.namespace == namespace}
    for name in names:
        assert after[name].manifest_hash == before[name].manifest_hash, "the instance itself is unchanged"
        assert after[name].generation == before[name].generation + 1, "one reconcile each"

    cloud.register(greeter("good day"))  # the same document again: no new revision, nothing re-runs
    cloud.settle()
    again = {i.key.name: i.generation for i in cloud.store.list_instances("greeter.kroless.dev") if i.key.namespace == namespace}
    assert again == {name: after[name].generation for name in names}
