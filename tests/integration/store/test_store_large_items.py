"""Items near DynamoDB's 400 KB limit: large JSON is compressed transparently, too large fails clearly."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest

from kroless.store import InstanceKey, ItemTooLargeError, Store


def configmap(entries: int) -> dict[str, Any]:
    data = {f"key{i}": f"value number {i} of a fairly repetitive configuration file" for i in range(entries)}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data}


def test_large_json_is_compressed(
    store: Store, key: InstanceKey, raw_items: Callable[[], list[dict[str, Any]]]
) -> None:
    big = configmap(12_000)  # about 900 KB of JSON: over the item limit unless compressed
    store.put_node(key, "config", 1, state="SYNCED", observed=big, desired={"small": True})

    (raw,) = [i for i in raw_items() if i["sk"]["S"] == "NODE#config"]
    assert "B" in raw["observed"] and len(raw["observed"]["B"]) < 100_000
    assert raw["desired"] == {"S": '{"small":true}'}, "small documents stay readable"

    node = store.get_node(key, "config")
    assert node is not None and node.observed == big


def test_large_instance_manifest_round_trips(store: Store, key: InstanceKey) -> None:
    manifest = {"apiVersion": "kro.run/v1alpha1", "kind": "WebApp", "metadata": {"name": "shop"},
                "spec": configmap(8_000)["data"]}  # fmt: skip
    assert store.admit_instance(key, "webapp", manifest) == 1
    record = store.get_instance(key)
    assert record is not None and record.manifest == manifest
    assert store.admit_instance(key, "webapp", manifest) == 1


def test_incompressible_item_fails_clearly(store: Store, key: InstanceKey) -> None:
    noise = {"blob": secrets.token_urlsafe(450_000)}
    with pytest.raises(ItemTooLargeError, match=r"node blob.*over DynamoDB's limit.*largest attributes: observed"):
        store.put_node(key, "blob", 1, observed=noise)
    assert store.get_node(key, "blob") is None


def test_merged_item_too_large_is_reported(store: Store, key: InstanceKey) -> None:
    # Each update alone fits; together they do not: DynamoDB refuses, the store says why.
    store.put_node(key, "blob", 1, observed={"blob": secrets.token_urlsafe(250_000)})
    with pytest.raises(ItemTooLargeError, match="maximum allowed size"):
        store.put_node(key, "blob", 1, desired={"blob": secrets.token_urlsafe(250_000)})
