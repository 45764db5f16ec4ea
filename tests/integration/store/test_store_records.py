"""Drift reports and execution records (with TTL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from kroless.store import InstanceKey, Store


def test_drift_reports(store: Store, key: InstanceKey, now: datetime) -> None:
    first = store.put_drift(key, "db", {"field": "spec.allocatedStorage", "observed": 30, "desired": 20})
    assert first.detected_at == "2026-03-01T12:00:00.000Z"
    assert first.expires_at == int((now + timedelta(days=14)).timestamp())
    store.put_drift(key, "bucket", {"field": "tags"}, at=now + timedelta(hours=1))
    store.put_node(key, "db", 1, state="SYNCED")  # other items under the instance stay out

    assert [d.node_id for d in store.list_drift(key)] == ["db", "bucket"]
    assert [d.node_id for d in store.list_drift(key, since=now + timedelta(minutes=1))] == ["bucket"]
    assert store.list_drift(key)[0] == first


def test_execution_records(store: Store, key: InstanceKey, now: datetime) -> None:
    arn = "arn:aws:states:eu-west-1:123456789012:execution:kroless-webapp:shop-1"
    store.put_execution(key, "shop-1", 1, "RUNNING", execution_arn=arn, started_at="2026-03-01T12:00:00.000Z")
    done = store.put_execution(key, "shop-1", 1, "SUCCEEDED", stopped_at="2026-03-01T12:03:00.000Z")
    assert (done.execution_arn, done.started_at, done.stopped_at) == (
        arn,
        "2026-03-01T12:00:00.000Z",
        "2026-03-01T12:03:00.000Z",
    )
    assert done.expires_at == int((now + timedelta(days=90)).timestamp())
    assert store.get_execution(key, "shop-1") == done

    store.put_execution(key, "shop-2", 2, "FAILED", error={"error": "StaleGenerationError"})
    assert [(e.name, e.state) for e in store.list_executions(key)] == [("shop-1", "SUCCEEDED"), ("shop-2", "FAILED")]
    assert store.get_execution(key, "shop-3") is None
