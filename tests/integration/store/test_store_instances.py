"""Instance items: the generation rules, status writes guarded by generation, deletion, listing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kroless.store import (
    InstanceDeletingError,
    InstanceKey,
    InstanceNotFoundError,
    InstanceState,
    StaleGenerationError,
    Store,
)

Manifest = Callable[..., dict[str, Any]]


def test_admit_and_get(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    assert store.get_instance(key) is None
    assert store.admit_instance(key, "webapp", webapp()) == 1

    record = store.get_instance(key)
    assert record is not None
    assert (record.key, record.rgd, record.manifest) == (key, "webapp", webapp())
    assert (record.generation, record.observed_generation, record.state) == (1, None, "IN_PROGRESS")
    assert (record.status, record.conditions, record.deletion_requested, record.execution) == ({}, [], False, None)


def test_generation_rules(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    assert store.admit_instance(key, "webapp", webapp()) == 1
    assert store.admit_instance(key, "webapp", webapp()) == 1, "same manifest: same generation"
    assert store.admit_instance(key, "webapp", webapp(replicas=3)) == 2, "changed spec: +1"
    assert store.admit_instance(key, "webapp", webapp(replicas=3, team="a")) == 3, "labels count (CEL reads them)"

    server_filled = webapp(replicas=3, team="a")
    server_filled["metadata"] |= {"resourceVersion": "42", "uid": "u-1", "generation": 7}
    server_filled["status"] = {"state": "ACTIVE"}
    assert store.admit_instance(key, "webapp", server_filled) == 3, "status and server metadata do not count"

    assert store.admit_instance(key, "webapp", webapp(replicas=2)) == 4, "going back is a change too"


def test_uid_stays_for_a_life_and_is_new_for_the_next(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    """Execution names carry the uid: a re-created instance (generation 1 again) must not reuse its old names."""
    store.admit_instance(key, "webapp", webapp())
    first = store.get_instance(key)
    assert first is not None and first.uid
    store.admit_instance(key, "webapp", webapp(replicas=3))
    assert store.get_instance(key).uid == first.uid  # type: ignore[union-attr]
    store.request_deletion(key)
    store.delete_instance(key)
    assert store.admit_instance(key, "webapp", webapp()) == 1
    again = store.get_instance(key)
    assert again is not None and again.uid and again.uid != first.uid


def test_status_write_is_guarded_by_generation(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    store.admit_instance(key, "webapp", webapp())
    conditions = [{"type": "Ready", "status": "True", "reason": "AllResourcesReady"}]
    store.set_instance_status(key, 1, InstanceState.ACTIVE, {"url": "http://shop"}, conditions, execution="shop-1")

    record = store.get_instance(key)
    assert record is not None
    assert (record.state, record.status, record.conditions) == ("ACTIVE", {"url": "http://shop"}, conditions)
    assert (record.observed_generation, record.execution) == (1, "shop-1")

    assert store.admit_instance(key, "webapp", webapp(replicas=5)) == 2
    with pytest.raises(StaleGenerationError, match="generation 1 refused, the instance is at generation 2") as err:
        store.set_instance_status(key, 1, InstanceState.ERROR, {"url": "stale"}, [])
    assert (err.value.generation, err.value.stored) == (1, 2)

    record = store.get_instance(key)
    assert record is not None and record.status == {"url": "http://shop"} and record.state == "IN_PROGRESS"
    with pytest.raises(InstanceNotFoundError):
        store.set_instance_status(InstanceKey("g", "v1", "K", "ns", "none"), 1, "ACTIVE", {}, [])


def test_a_running_status_after_the_outcome_is_dropped(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    """A run failed and its finalize recorded ERROR; a task still in flight from that run then writes its
    progress: the ERROR stays (else the instance looks reconciling and nothing re-drives it)."""
    store.admit_instance(key, "webapp", webapp())
    waiting = [{"type": "Ready", "status": "False", "reason": "NotReady", "message": "awaiting resource readiness"}]
    store.set_instance_status(key, 1, InstanceState.IN_PROGRESS, {}, waiting, observed=False)
    record = store.get_instance(key)
    assert record is not None and (record.state, record.observed_generation) == ("IN_PROGRESS", None)

    failed = [{"type": "Ready", "status": "False", "reason": "NotReady", "message": "resource reconciliation failed"}]
    store.set_instance_status(key, 1, InstanceState.ERROR, {}, failed)
    store.set_instance_status(key, 1, InstanceState.IN_PROGRESS, {}, waiting, observed=False)
    record = store.get_instance(key)
    assert record is not None and (record.state, record.conditions, record.observed_generation) == ("ERROR", failed, 1)

    assert store.admit_instance(key, "webapp", webapp(replicas=5)) == 2  # the next generation reports again
    store.set_instance_status(key, 2, InstanceState.IN_PROGRESS, {}, waiting, observed=False)
    record = store.get_instance(key)
    assert record is not None and (record.state, record.conditions) == ("IN_PROGRESS", waiting)


def test_request_deletion(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    with pytest.raises(InstanceNotFoundError):
        store.request_deletion(key)
    store.admit_instance(key, "webapp", webapp())

    assert store.request_deletion(key) == 2
    assert store.request_deletion(key) == 2, "idempotent"
    record = store.get_instance(key)
    assert record is not None and (record.state, record.deletion_requested) == ("DELETING", True)

    with pytest.raises(InstanceDeletingError, match="being deleted"):
        store.admit_instance(key, "webapp", webapp())
    with pytest.raises(InstanceDeletingError):
        store.admit_instance(key, "webapp", webapp(replicas=9))
    with pytest.raises(StaleGenerationError):
        store.set_instance_status(key, 1, "ACTIVE", {}, [])


def test_delete_instance_removes_every_item(
    store: Store, key: InstanceKey, webapp: Manifest, raw_items: Callable[[], list[Any]]
) -> None:
    other = InstanceKey("kro.run", "v1alpha1", "WebApp", "prod", "other")
    for k in (key, other):
        store.admit_instance(k, "webapp", webapp())
        for i in range(60):  # more than two BatchWriteItem chunks of 25
            store.put_node(k, f"node{i}", 1, state="SYNCED", physical_id=f"{k.name}-{i}")
        store.put_node(k, "workers", 1, index=0, state="SYNCED")
        store.put_drift(k, "node1", {"field": "spec.x"})
        store.put_execution(k, f"{k.name}-1", 1, "SUCCEEDED")

    assert store.delete_instance(key) == 60 + 1 + 1 + 1 + 1
    assert store.get_instance(key) is None and store.get_nodes(key) == []
    assert all(item["pk"]["S"] == other.pk for item in raw_items())
    assert len(store.get_nodes(other)) == 61, "the neighbour is untouched"
    assert store.owner_of("shop-3") is None
    assert store.delete_instance(key) == 0


def test_delete_instance_checks_generation(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    store.admit_instance(key, "webapp", webapp())
    store.admit_instance(key, "webapp", webapp(replicas=3))
    store.put_node(key, "deployment", 2, state="DELETED")
    with pytest.raises(StaleGenerationError):
        store.delete_instance(key, generation=1)
    assert store.get_node(key, "deployment") is not None, "nothing removed on a stale delete"
    assert store.delete_instance(key, generation=2) == 2


def test_list_instances(store: Store, webapp: Manifest) -> None:
    keys = [InstanceKey("kro.run", "v1alpha1", "WebApp", "ns", f"app{i}") for i in range(7)]
    for k in reversed(keys):
        store.admit_instance(k, "webapp", webapp())
        store.put_node(k, "deployment", 1, state="SYNCED")
    cache = InstanceKey("kro.run", "v1alpha1", "Cache", "_", "shared")
    store.admit_instance(
        cache, "cache", {"apiVersion": "kro.run/v1alpha1", "kind": "Cache", "metadata": {"name": "shared"}}
    )

    assert [r.key for r in store.list_instances("webapp")] == keys
    assert [r.key for r in store.list_instances("cache")] == [cache]
    assert [r.key for r in store.list_instances()] == sorted([*keys, cache])
    assert store.list_instances("nothing") == []
    assert cache.cluster_scoped and str(cache) == "Cache.kro.run shared"


def test_records_are_copies(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    """What a caller does with a record or a document it wrote never changes what is stored."""
    manifest = webapp()
    store.admit_instance(key, "webapp", manifest)
    manifest["spec"]["replicas"] = 7
    record = store.get_instance(key)
    assert record is not None
    record.manifest["spec"]["image"] = "evil"
    desired = {"spec": {"replicas": 2}}
    node = store.put_node(key, "web", 1, desired=desired)
    desired["spec"]["replicas"] = 9
    assert node.desired is not None
    node.desired["spec"]["replicas"] = 8

    assert store.get_instance(key).manifest == webapp()  # type: ignore[union-attr]
    assert store.get_node(key, "web").desired == {"spec": {"replicas": 2}}  # type: ignore[union-attr]


def test_instance_key() -> None:
    doc = {"apiVersion": "kro.run/v1alpha1", "kind": "WebApp", "metadata": {"name": "shop"}}
    key = InstanceKey.from_manifest(doc)
    assert key.pk == "INSTANCE#kro.run/v1alpha1/WebApp/default/shop"
    assert InstanceKey.parse(key.pk) == key and key.api_version == "kro.run/v1alpha1"
    assert InstanceKey.from_manifest(doc, cluster_scoped=True).pk == "INSTANCE#kro.run/v1alpha1/WebApp/_/shop"
    # payloads and events name the instance without the table's prefix; the state machine adds it back
    assert key.ref == "kro.run/v1alpha1/WebApp/default/shop" and InstanceKey.from_ref(key.ref) == key
