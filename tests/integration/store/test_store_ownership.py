"""The ownership index: physical resource → (instance, node)."""

from __future__ import annotations

import pytest

from kroless.store import InstanceKey, Owner, OwnershipConflictError, Store

ARN = "arn:aws:rds:eu-west-1:123456789012:db:shop"


def test_owner_of(store: Store, key: InstanceKey) -> None:
    assert store.owner_of(ARN) is None
    store.put_node(key, "db", 1, state="SYNCED", physical_id=ARN)
    store.put_node(key, "workers", 1, index=3, state="SYNCED", physical_id="apps/v1/Deployment/prod/worker-3")
    store.put_node(key, "cache", 1, state="SYNCED")  # no physicalId: not in the index

    assert store.owner_of(ARN) == Owner(key, "db")
    assert store.owner_of("apps/v1/Deployment/prod/worker-3") == Owner(key, "workers", 3)

    store.put_node(key, "db", 1, physical_id=None)
    assert store.owner_of(ARN) is None


def test_two_claimants_are_a_conflict(store: Store, key: InstanceKey) -> None:
    other = InstanceKey("kro.run", "v1alpha1", "WebApp", "dev", "shop")
    store.put_node(key, "db", 1, physical_id=ARN)
    store.put_node(other, "db", 1, physical_id=ARN)
    assert store.owners_of(ARN) == [Owner(other, "db"), Owner(key, "db")]
    with pytest.raises(OwnershipConflictError, match="claimed by more than one node"):
        store.owner_of(ARN)
