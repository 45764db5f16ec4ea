"""Parked task tokens (kroless.callbacks), the same on DynamoDB and in memory: one item per waiting node under
what it waits for, read strongly, claimed by exactly one caller, expiring with the table's TTL."""

from __future__ import annotations

from datetime import datetime

from kroless.store import InstanceKey, Store, Waiter

APP = InstanceKey.from_ref("kro.run/v1alpha1/App/default/shop")
CHILD = InstanceKey.from_ref("kro.run/v1alpha1/Db/default/shop-db")


def waiter(node: str, token: str, generation: int = 1) -> Waiter:
    return Waiter(APP.ref, generation, node, "apply", token)


def test_a_waiter_is_listed_under_its_target_only(store: Store) -> None:
    store.park_waiter(APP, "db", waiter("web", "t1"))
    store.park_waiter(APP, "dbSubnet", waiter("api", "t2"))  # "db" is a prefix of "dbSubnet": not its waiter
    store.park_waiter(CHILD, "", waiter("db", "t3"))
    assert store.waiters(APP, "db") == [waiter("web", "t1")]
    assert store.waiters(CHILD, "") == [waiter("db", "t3")]
    assert store.waiters(APP, "cache") == []


def test_a_later_token_of_the_same_node_replaces_the_earlier(store: Store) -> None:
    store.park_waiter(APP, "db", waiter("web", "t1"))
    store.park_waiter(APP, "db", waiter("web", "t2", generation=2))  # the task ran again (the backstop, a new run)
    assert store.waiters(APP, "db") == [waiter("web", "t2", generation=2)]


def test_exactly_one_claim_wins_and_only_for_the_token_parked(store: Store) -> None:
    store.park_waiter(APP, "db", waiter("web", "t2"))
    assert store.claim_waiter(APP, "db", waiter("web", "t1")) is False  # an older token: not its record any more
    assert store.claim_waiter(APP, "db", waiter("web", "t2")) is True
    assert store.claim_waiter(APP, "db", waiter("web", "t2")) is False  # the waiter's own re-check, too late
    assert store.waiters(APP, "db") == []


def test_a_parked_token_expires_and_goes_with_its_instance(store: Store, now: datetime) -> None:
    store.park_waiter(APP, "db", waiter("web", "t1"))
    item = store._table.get(APP.pk, "WAIT#db#" + APP.ref + "#web")  # type: ignore[attr-defined]
    assert item is not None and item["expiresAt"] > now.timestamp()
    store.delete_instance(APP)
    assert store.waiters(APP, "db") == []


def test_a_parent_waiting_for_a_child_to_be_gone_outlives_the_childs_items(store: Store) -> None:
    """The child's delete removes its items, then wakes what is parked on the child itself (a parent's delete
    task): that token must still be there to claim."""
    store.park_waiter(CHILD, "", waiter("db", "t1"))
    store.park_waiter(CHILD, "password", Waiter(CHILD.ref, 1, "db", "apply", "t2"))  # the child's own join
    store.delete_instance(CHILD)
    assert store.get_instance(CHILD) is None and store.waiters(CHILD, "password") == []
    assert store.waiters(CHILD, "") == [waiter("db", "t1")]
    assert store.claim_waiter(CHILD, "", waiter("db", "t1")) is True
