"""Node items: partial updates, the generation guard, collections, paginated reads."""

from __future__ import annotations

import pytest

from kroless.errors import KrolessError
from kroless.store import (
    InstanceKey,
    NodeError,
    NodeState,
    StaleGenerationError,
    Store,
    canonical_hash,
)

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop", "namespace": "prod"}}


def test_round_trip(store: Store, key: InstanceKey) -> None:
    observed = {**DEPLOYMENT, "status": {"availableReplicas": 2, "ratio": 0.5}}
    written = store.put_node(
        key,
        "deployment",
        1,
        state=NodeState.WAITING_FOR_READINESS,
        observed=observed,
        desired=DEPLOYMENT,
        applied_hash=canonical_hash(DEPLOYMENT),
        physical_id="apps/v1/Deployment/prod/shop",
        started_at="2026-03-01T12:00:00.000Z",
        durations={"apply": 0.25},
        attempts=1,
    )
    assert written == store.get_node(key, "deployment")
    assert (written.key, written.node_id, written.index, written.generation) == (key, "deployment", None, 1)
    assert (written.state, written.observed, written.desired) == ("WAITING_FOR_READINESS", observed, DEPLOYMENT)
    assert written.applied_hash == canonical_hash(DEPLOYMENT) and len(written.applied_hash) == 64
    assert (written.physical_id, written.durations, written.attempts) == (
        "apps/v1/Deployment/prod/shop",
        {"apply": 0.25},
        1,
    )
    assert store.get_node(key, "service") is None


def test_partial_updates_keep_other_fields(store: Store, key: InstanceKey) -> None:
    store.put_node(key, "db", 1, state="IN_PROGRESS", physical_id="arn:aws:rds:eu-west-1:1:db:shop", count_attempt=True)
    failure = NodeError.from_exception(KrolessError("DBInstance quota exceeded", path="spec.dbInstanceClass"), "db")
    store.put_node(key, "db", 1, state="ERROR", error=failure, count_attempt=True)

    node = store.get_node(key, "db")
    assert node is not None
    assert (node.state, node.attempts, node.physical_id) == ("ERROR", 2, "arn:aws:rds:eu-west-1:1:db:shop")
    assert node.error == NodeError("DBInstance quota exceeded", "db", "spec.dbInstanceClass")

    node = store.put_node(key, "db", 1, state="SYNCED", error=None, ready_at="2026-03-01T12:05:00.000Z")
    assert (node.state, node.error, node.ready_at, node.attempts) == ("SYNCED", None, "2026-03-01T12:05:00.000Z", 2)

    with pytest.raises(ValueError):
        store.put_node(key, "db", 1, attempts=3, count_attempt=True)


def test_stale_node_write_is_refused(store: Store, key: InstanceKey) -> None:
    store.put_node(key, "db", 2, state="SYNCED", observed={"v": 2})
    store.put_node(key, "db", 2, state="SYNCED", observed={"v": 2.1})  # same generation: allowed
    with pytest.raises(StaleGenerationError, match="generation 1 refused, the node is at generation 2") as err:
        store.put_node(key, "db", 1, state="ERROR", observed={"v": 1})
    assert (err.value.generation, err.value.stored, err.value.resource_id) == (1, 2, "db")

    node = store.get_node(key, "db")
    assert node is not None and (node.state, node.observed) == ("SYNCED", {"v": 2.1})
    assert store.put_node(key, "db", 3, state="IN_PROGRESS").generation == 3


def test_collection_items_and_prefixes(store: Store, key: InstanceKey) -> None:
    for index in (10, 2, 0, 1):
        store.put_node(key, "workers", 1, index=index, state="SYNCED")
    store.put_node(key, "workersConfig", 1, state="SYNCED")
    store.put_node(key, "db", 1, state="SYNCED")

    assert [(n.node_id, n.index) for n in store.get_nodes(key)] == [
        ("db", None),
        ("workers", 0),
        ("workers", 1),
        ("workers", 2),
        ("workers", 10),
        ("workersConfig", None),
    ]
    assert [n.index for n in store.get_nodes(key, "workers")] == [0, 1, 2, 10]
    assert store.delete_node(key, "workers", 2) is True
    assert store.delete_node(key, "workers", 2) is False
    assert [n.index for n in store.get_nodes(key, "workers")] == [0, 1, 10]


def test_deleted_node_gives_up_its_physical_id(store: Store, key: InstanceKey) -> None:
    store.put_node(key, "bucket", 1, state="SYNCED", physical_id="arn:aws:s3:::shop-assets")
    assert store.owner_of("arn:aws:s3:::shop-assets") is not None
    node = store.put_node(key, "bucket", 2, state=NodeState.DELETED)
    assert node.physical_id is None and store.owner_of("arn:aws:s3:::shop-assets") is None
