"""What only the DynamoDB table does: its definition, pages, error translation, batch retries, lazy boto3.

The behaviour both stores share is the contract suite beside this file (``store`` runs on both)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kroless.store import InstanceKey, StateStore, StoreThrottledError, create_table

TABLE = "kroless-state"  # conftest's table
Manifest = Callable[..., dict[str, Any]]


def test_list_instances_reads_every_page(dynamodb_store: StateStore, client: Any, webapp: Manifest) -> None:
    keys = [InstanceKey("kro.run", "v1alpha1", "WebApp", "ns", f"app{i}") for i in range(7)]
    for k in keys:
        dynamodb_store.admit_instance(k, "webapp", webapp())
        dynamodb_store.put_node(k, "deployment", 1, state="SYNCED")
    paged = StateStore(dynamodb_store.table_name, client, page_size=2)  # several pages of the index
    assert [r.key for r in paged.list_instances("webapp")] == keys
    assert [r.key for r in paged.list_instances()] == keys


def test_get_nodes_reads_every_page(dynamodb_store: StateStore, key: InstanceKey, calls: dict[str, int]) -> None:
    # 90 nodes of ~15 KB incompressible observed state (below the compression threshold): about 1.4 MB,
    # more than DynamoDB's (and moto's) 1 MB page.
    for i in range(90):
        dynamodb_store.put_node(key, f"node{i:02d}", 1, state="SYNCED", observed={"blob": secrets.token_hex(7500)})
    calls.clear()
    nodes = dynamodb_store.get_nodes(key)
    assert [n.node_id for n in nodes] == [f"node{i:02d}" for i in range(90)]
    assert calls["Query"] >= 2


def test_get_nodes_with_small_pages(dynamodb_store: StateStore, client: Any, key: InstanceKey, calls: dict[str, int]) -> None:
    for i in range(23):
        dynamodb_store.put_node(key, f"n{i:02d}", 1, state="SYNCED")
    calls.clear()
    paged = StateStore(dynamodb_store.table_name, client, page_size=5)
    assert len(paged.get_nodes(key)) == 23
    assert calls["Query"] == 5


def test_table_layout(client: Any) -> None:
    table = client.describe_table(TableName=TABLE)["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert indexes["ownership"]["KeySchema"] == [{"AttributeName": "physicalId", "KeyType": "HASH"}]
    assert indexes["listing"]["Projection"] == {"ProjectionType": "ALL"}
    ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    create_table(client, TABLE)  # idempotent


class ThrottledClient:
    """Stands in for a client whose botocore retries gave up."""

    def get_item(self, **_: Any) -> Any:
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
        raise ClientError(error, "GetItem")

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> Any:  # noqa: N803 (boto3's name)
        return {"UnprocessedItems": RequestItems}


def test_throttling_surfaces_as_store_error(key: InstanceKey) -> None:
    store = StateStore(TABLE, ThrottledClient())
    with pytest.raises(StoreThrottledError, match="still throttled after retries"):
        store.get_instance(key)


def test_unprocessed_batch_items_are_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kroless.store.store.time.sleep", lambda _: None)
    store = StateStore(TABLE, ThrottledClient())
    with pytest.raises(StoreThrottledError, match="1 deletes .* still unprocessed after 8 rounds"):
        store.table.delete_many([("x", "y")])


def test_unprocessed_batch_items_recover(
    client: Any, dynamodb_store: StateStore, key: InstanceKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(30):
        dynamodb_store.put_node(key, f"n{i}", 1)
    real = client.batch_write_item
    rounds = []

    def flaky(**kwargs: Any) -> Any:  # DynamoDB leaves some writes unprocessed under load
        requests = kwargs["RequestItems"][TABLE]
        rounds.append(len(requests))
        if len(rounds) == 1:
            real(RequestItems={TABLE: requests[:10]})
            return {"UnprocessedItems": {TABLE: requests[10:]}}
        return real(**kwargs)

    monkeypatch.setattr(client, "batch_write_item", flaky)
    monkeypatch.setattr("kroless.store.store.time.sleep", lambda _: None)
    assert dynamodb_store.delete_instance(key) == 30
    assert rounds == [25, 15, 5]
    assert dynamodb_store.get_nodes(key) == []


def test_importing_the_store_does_not_import_boto3() -> None:
    code = "import sys, kroless.store; assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
