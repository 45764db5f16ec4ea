"""The local cloud tried as a new user would: an instance applied, deleted and applied again under the same
name (Step Functions keeps an execution name taken for 90 days, so each life needs its own names), an RGD
whose name is as long as a user may make it, and an RGD the compile function rejects."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from kroless.errors import KrolessError
from kroless.store import InstanceKey, InstanceRecord, StateStore
from kroless_cli.commands.registration import wait_registered
from tests.e2e.conftest import TIME_SCALE
from tests.unit.statemachine.asl_walk import rgd_document

# Kro's RGD is a Kubernetes object (names up to 253 characters); 79 leaves no room for a "kroless-" prefix
LONG_RGD_NAME = "configmaps-of-a-team-with-a-long-name-that-kubernetes-accepts.example.kroless.dev"[:79]


@pytest.fixture(scope="module")
def cloud() -> Iterator[Any]:
    from kroless_cli.localcloud.cloud import LocalCloud

    with LocalCloud(kubernetes_ready_delay=0.05, time_scale=TIME_SCALE) as local:
        yield local


def register(cloud: Any, name: str, kind: str, order: list[str], dependencies: dict[str, list[str]]) -> None:
    """An RGD of ConfigMaps ``<instance name>-<id>`` serving ``kind``, through the compile function."""
    document = rgd_document(name, order, dependencies).body
    document["spec"]["schema"]["kind"] = kind
    cloud.put("ResourceGraphDefinition Applied", document)
    cloud.settle()
    assert cloud.store.get_rgd(name) is not None, cloud.aws.async_errors


def instance(kind: str, name: str) -> dict[str, Any]:
    return {"apiVersion": "kro.run/v1alpha1", "kind": kind, "metadata": {"name": name}, "spec": {"name": name}}


def wait_until(store: StateStore, key: InstanceKey, done: Any, timeout: float = 60) -> InstanceRecord | None:
    record = store.get_instance(key)
    deadline = time.monotonic() + timeout
    while not done(record) and time.monotonic() < deadline:
        time.sleep(0.1)
        record = store.get_instance(key)
    return record


def apply_until_active(cloud: Any, manifest: dict[str, Any]) -> InstanceRecord:
    key = InstanceKey.from_manifest(manifest)
    cloud.put("Instance Applied", manifest)
    record = wait_until(cloud.store, key, lambda r: r is not None and r.state == "ACTIVE")
    assert record is not None and record.state == "ACTIVE", (record, cloud.aws.async_errors)
    return record


def delete_until_gone(cloud: Any, manifest: dict[str, Any]) -> None:
    key = InstanceKey.from_manifest(manifest)
    cloud.put("Instance Deleted", manifest)
    record = wait_until(cloud.store, key, lambda r: r is None)
    assert record is None, (record, cloud.aws.async_errors)


def config_maps(cloud: Any, name: str) -> list[str]:
    return sorted(
        o["metadata"]["name"]
        for o in cloud.kubernetes.cluster.objects()
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith(f"{name}-")
    )


def test_an_instance_applied_deleted_and_applied_again_is_active_each_time(cloud: Any) -> None:
    register(cloud, "lives.kroless.dev", "Lives", ["a", "b"], {"a": [], "b": ["a"]})
    manifest = instance("Lives", "shop")
    first = apply_until_active(cloud, manifest)
    assert config_maps(cloud, "shop") == ["shop-a", "shop-b"]
    delete_until_gone(cloud, manifest)
    assert config_maps(cloud, "shop") == []

    second = apply_until_active(cloud, manifest)
    assert second.uid != first.uid  # a new life: a new uid, so new execution names
    assert config_maps(cloud, "shop") == ["shop-a", "shop-b"]
    delete_until_gone(cloud, manifest)
    assert config_maps(cloud, "shop") == []


def test_an_rgd_with_a_79_character_name_registers_and_reconciles(cloud: Any) -> None:
    assert len(LONG_RGD_NAME) == 79
    register(cloud, LONG_RGD_NAME, "LongNamed", ["a"], {"a": []})
    manifest = instance("LongNamed", "long")
    apply_until_active(cloud, manifest)
    assert config_maps(cloud, "long") == ["long-a"]
    delete_until_gone(cloud, manifest)


def test_a_rejected_rgd_is_reported_at_once_with_its_reason(cloud: Any) -> None:
    """What ``kroless apply`` waits on: the compile function (under its own role) records why it rejected the
    request, and the wait ends at once with that reason instead of after its timeout."""
    document = rgd_document("typo.kroless.dev", ["a"], {"a": []}).body
    document["spec"]["schema"]["kind"] = "Typo"
    document["spec"]["resources"][0]["template"]["data"] = {"k": "${spc.version}"}  # Kro's eks-reused typo
    event_id = cloud.put("ResourceGraphDefinition Applied", document)
    started = time.monotonic()
    with pytest.raises(KrolessError, match=r'^resourcegraphdefinition "typo.kroless.dev": resource "a": .*\[spc\]'):
        wait_registered(cloud.store, document, event_id, timeout=120)
    assert time.monotonic() - started < 30
    assert cloud.store.get_rgd("typo.kroless.dev") is None
