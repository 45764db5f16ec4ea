"""Pruning (Kro §5.10, §6.1: apply, then prune what the instance no longer wants): a forEach that shrinks
deletes the objects of the items that are gone, and only those; a node excluded by includeWhen is covered in
test_include_when.py."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tests.unit.runtime.conftest import APP
from tests.unit.runtime.engine import Engine


def workers(engine: Engine) -> list[str]:
    return [name for name in engine.cluster.names("Deployment") if "-worker-" in name]


def reconcile(engine: Engine, queues: list[str]) -> tuple[int, str]:
    """Apply the instance with these queues and run its generation; (generation, the workers node's state)."""
    key, generation = engine.admit({"name": "shop", "queues": queues})
    return generation, engine.step(key, generation, "workers").state


def test_a_collection_that_shrinks_deletes_the_items_that_are_gone(engine: Engine) -> None:
    reconcile(engine, ["orders", "emails", "audit"])
    assert workers(engine) == ["shop-worker-audit", "shop-worker-emails", "shop-worker-orders"]

    _, state = reconcile(engine, ["orders"])
    assert state == "SYNCED"
    assert workers(engine) == ["shop-worker-orders"]
    assert sorted(engine.cluster.touched("delete")) == ["Deployment/shop-worker-audit", "Deployment/shop-worker-emails"]
    key = engine.store.list_instances()[0].key
    assert [n.index for n in engine.store.get_nodes(key, "workers") if n.index is not None] == [0]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["orders", "emails"], ["emails"]),
        (["orders", "emails", "audit"], ["orders", "audit"]),
        (["orders", "emails"], ["emails", "orders"]),
    ],
    ids=["first item removed", "middle item removed", "reordered"],
)
def test_pruning_follows_identity_not_position(engine: Engine, before: list[str], after: list[str]) -> None:
    reconcile(engine, before)
    _, state = reconcile(engine, after)

    assert state == "SYNCED"
    assert workers(engine) == sorted(f"shop-worker-{queue}" for queue in after)
    gone = sorted(f"Deployment/shop-worker-{queue}" for queue in set(before) - set(after))
    assert sorted(engine.cluster.touched("delete")) == gone, "an object still wanted is never deleted"


def test_an_emptied_collection_deletes_every_item_and_is_done(engine: Engine) -> None:
    reconcile(engine, ["orders", "emails"])
    generation, state = reconcile(engine, [])

    assert state == "SYNCED" and workers(engine) == []
    key = engine.store.list_instances()[0].key
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    engine.run(key, generation)
    assert engine.finalize(key, generation)["status"]["workers"] == 0


def test_a_retained_item_is_left_in_place_when_pruned() -> None:
    rgd = yaml.safe_load(APP)
    (node,) = [r for r in rgd["spec"]["resources"] if r["id"] == "workers"]
    node["template"]["metadata"]["annotations"] = {"kroless.dev/deletion-policy": "Retain"}
    engine = Engine(copy.deepcopy(rgd))
    reconcile(engine, ["orders", "emails"])
    reconcile(engine, ["orders"])

    assert workers(engine) == ["shop-worker-emails", "shop-worker-orders"]
    assert engine.cluster.touched("delete") == []


def test_a_resource_removed_from_the_rgd_is_deleted(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, first = engine.admit({"name": "shop", "monitoring": True})
    engine.run(key, first)
    assert engine.cluster.names("ConfigMap") == ["shop-config", "shop-monitor", "shop-monitor-dashboard"]

    rgd = yaml.safe_load(APP)
    rgd["spec"]["resources"] = [r for r in rgd["spec"]["resources"] if r["id"] != "dashboard"]
    engine.graph = engine.registry.register(rgd)  # the rollout runs the new version's machine
    second = engine.store.bump_generation(key, "RGD updated")
    assert second is not None
    engine.run(key, second)
    assert engine.finalize(key, second)["state"] == "ACTIVE"
    assert engine.cluster.names("ConfigMap") == ["shop-config", "shop-monitor"]


def _with_policies(rgd: dict[str, Any]) -> dict[str, Any]:
    """APP with ``workers`` declared deletionPolicy Detach and ``monitor`` annotated kroless's Retain."""
    resources = {r["id"]: r for r in rgd["spec"]["resources"]}
    resources["workers"]["deletionPolicy"] = "Detach"
    resources["monitor"]["template"]["metadata"]["annotations"] = {"kroless.dev/deletion-policy": "Retain"}
    return rgd


def test_a_detach_item_is_released_when_pruned_and_carries_its_policy() -> None:
    engine = Engine(_with_policies(yaml.safe_load(APP)))
    reconcile(engine, ["orders", "emails"])
    (emails,) = [o for ref, o in engine.cluster.objects.items() if ref.name == "shop-worker-emails"]
    assert emails["metadata"]["annotations"] == {"kro.run/deletion-policy": "Detach"}, "stamped, as Kro does"

    reconcile(engine, ["orders"])
    assert engine.cluster.touched("release") == ["Deployment/shop-worker-emails"]
    assert engine.cluster.touched("delete") == []


def test_removed_resources_are_pruned_as_their_policies_say() -> None:
    engine = Engine(_with_policies(yaml.safe_load(APP)))
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, first = engine.admit({"name": "shop", "monitoring": True, "queues": ["orders"]})
    engine.run(key, first)
    assert engine.finalize(key, first)["state"] == "ACTIVE"

    rgd = _with_policies(yaml.safe_load(APP))
    rgd["spec"]["resources"] = [r for r in rgd["spec"]["resources"] if r["id"] not in ("workers", "monitor", "dashboard")]
    rgd["spec"]["schema"]["status"].pop("workers")
    engine.graph = engine.registry.register(rgd)
    second = engine.store.bump_generation(key, "RGD updated")
    assert second is not None
    engine.run(key, second)
    assert engine.finalize(key, second)["state"] == "ACTIVE"

    assert engine.cluster.touched("delete") == ["ConfigMap/shop-monitor-dashboard"]
    assert engine.cluster.touched("release") == ["Deployment/shop-worker-orders"]
    assert engine.cluster.names("ConfigMap") == ["shop-config", "shop-monitor"], "the Retain one is left as it is"
    assert {n.node_id for n in engine.store.get_nodes(key)} == {"config", "web", "service"}


def test_deleting_the_instance_releases_a_detach_resource() -> None:
    engine = Engine(_with_policies(yaml.safe_load(APP)))
    reconcile(engine, ["orders"])
    key = engine.store.list_instances()[0].key
    generation = engine.store.request_deletion(key)
    assert engine.reconciler.delete_node(key, generation, "workers").state == "DELETED"
    assert engine.cluster.touched("release") == ["Deployment/shop-worker-orders"]
    assert engine.cluster.touched("delete") == []
