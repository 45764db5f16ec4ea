"""Heals: a new reconcile epoch without a manifest change, the debounce window, the drift seen meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from kroless.store import InstanceKey, Owner, StaleGenerationError, Store
from tests.integration.store.conftest import Clock

Manifest = Callable[..., dict[str, Any]]
WINDOW = timedelta(seconds=60)


def test_a_heal_is_a_new_generation_of_the_same_manifest(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    assert store.bump_generation(key, "drift") is None, "nothing to heal: no instance"
    store.admit_instance(key, "webapp", webapp())
    store.set_instance_status(key, 1, "ACTIVE", {}, [])

    assert store.bump_generation(key, "db: spec.allocatedStorage changed") == 2
    record = store.get_instance(key)
    assert record is not None
    assert (record.generation, record.state, record.manifest) == (2, "IN_PROGRESS", webapp())
    assert store.admit_instance(key, "webapp", webapp()) == 2, "the manifest did not change"
    with pytest.raises(StaleGenerationError):  # the execution the heal superseded reports nothing
        store.set_instance_status(key, 1, "ACTIVE", {}, [])

    store.request_deletion(key)
    assert store.bump_generation(key, "drift") is None, "a deleting instance is not healed"


def test_claim_heal_debounces_per_window(store: Store, key: InstanceKey, clock: Clock) -> None:
    other = InstanceKey("kro.run", "v1alpha1", "WebApp", "prod", "other")
    assert store.claim_heal(key, WINDOW) is True
    assert store.claim_heal(key, WINDOW) is False, "inside the window"
    assert store.claim_heal(other, WINDOW) is True, "windows are per instance"
    assert store.claim_heal(key, WINDOW, force=True) is True, "a trailing heal claims anyway"

    clock.advance(seconds=59)
    assert store.claim_heal(key, WINDOW) is False
    clock.advance(seconds=1)
    assert store.claim_heal(key, WINDOW) is True, "the window is over"


def test_pending_drift_is_taken_once(store: Store, key: InstanceKey) -> None:
    assert store.take_pending_drift(key) == []
    store.claim_heal(key, WINDOW)
    assert store.add_pending_drift(key, ["db", "bucket"]) is None, "the heal has not started an execution yet"
    store.set_heal_generation(key, 5)
    assert store.add_pending_drift(key, ["db", "queue"]) == 5
    assert store.add_pending_drift(key, []) == 5

    assert store.take_pending_drift(key) == ["bucket", "db", "queue"]
    assert store.take_pending_drift(key) == [], "exactly one caller gets each set"

    store.claim_heal(key, WINDOW, force=True)
    assert store.add_pending_drift(key, ["db"]) is None, "a new claim forgets the previous heal's generation"


def test_aliases_find_the_owner_until_the_instance_is_gone(store: Store, key: InstanceKey, webapp: Manifest) -> None:
    store.admit_instance(key, "webapp", webapp())
    arn = "arn:aws:rds:eu-west-1:123456789012:db:shop"
    store.put_node(key, "db", 1, state="SYNCED", physical_id=arn)
    store.put_aliases(key, "db", None, ["shop", "db-ABCDEF", "shop"])
    store.put_aliases(key, "workers", 2, ["worker-2"])

    assert store.owner_of(arn) == store.owner_of("shop") == store.owner_of("db-ABCDEF") == Owner(key, "db")
    assert store.owner_of("worker-2") == Owner(key, "workers", 2)
    assert [n.node_id for n in store.get_nodes(key)] == ["db"], "aliases are not nodes"

    store.delete_instance(key)
    assert store.owners_of("shop") == [] and store.owner_of(arn) is None
