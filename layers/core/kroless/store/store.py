"""The state store on DynamoDB: :class:`StateStore`, kroless's production store.

``StateStore`` is :class:`~kroless.store.base.TableStore` (the generation rules, conditional writes and
errors, written once) over :class:`DynamoTable`, which turns each table primitive into calls of a boto3
*low-level* DynamoDB client that the caller creates and injects (Lambdas build one per container, tests pass
a moto-backed one). Concurrency is handled by conditional writes, never by locks: generations only go up,
and a write that carries an older generation than the stored one raises
:class:`~kroless.store.errors.StaleGenerationError`.

Retries: throttling (:data:`~kroless.retry.DYNAMODB_THROTTLING_CODES`) is retried with backoff by botocore
itself; build the client with :func:`client_config` (standard retry mode, 10 attempts) or :func:`make_client`.
What is still throttled after that surfaces as :class:`~kroless.store.errors.StoreThrottledError`, which a
Step Functions ``Retry`` can match by name. ``BatchWriteItem`` leftovers (``UnprocessedItems``), which botocore
does not retry, are retried here with exponential backoff.

Example::

    store = StateStore(table_from_environment(), make_client())  # kroless.services: CloudFormation names the table
    generation = store.admit_instance(InstanceKey.from_manifest(doc), "webapp", doc)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from kroless.retry import DYNAMODB_THROTTLING_CODES
from kroless.store.base import (
    DRIFT_TTL,
    EXECUTION_TTL,
    RGD_LIST_KEY,
    VOLATILE_METADATA,
    ConditionFailed,
    Returns,
    TableStore,
    manifest_hash,
)
from kroless.store.codec import RawItem, decode_item
from kroless.store.errors import ItemTooLargeError, StoreError, StoreThrottledError
from kroless.store.expressions import UNSET, Condition, Update, condition_request
from kroless.store.table import index_partition

BATCH_SIZE = 25  # BatchWriteItem's limit

__all__ = [
    "BATCH_SIZE",
    "DRIFT_TTL",
    "EXECUTION_TTL",
    "RGD_LIST_KEY",
    "UNSET",
    "VOLATILE_METADATA",
    "DynamoTable",
    "StateStore",
    "client_config",
    "make_client",
    "manifest_hash",
]


def client_config() -> Any:
    """The botocore ``Config`` kroless expects on its DynamoDB client: standard retries, 10 attempts."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 10})


def make_client(region_name: str | None = None, endpoint_url: str | None = None) -> Any:
    """A DynamoDB client with :func:`client_config` (boto3 is imported here, not at package import)."""
    import boto3

    return boto3.client("dynamodb", region_name=region_name, endpoint_url=endpoint_url, config=client_config())


def _error_code(exc: Exception) -> str:
    # botocore's ClientError carries the service's error code; matching on it keeps botocore un-imported.
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _key(pk: str, sk: str) -> RawItem:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


class DynamoTable:
    """The :class:`~kroless.store.base.Table` primitives as DynamoDB calls. ``page_size`` caps each
    Query/Scan page (DynamoDB's own cap is 1 MB)."""

    def __init__(self, table_name: str, client: Any, *, page_size: int | None = None) -> None:
        self.table_name = table_name
        self._client = client
        self._page_size = page_size

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        # Strongly consistent: a reconcile must see the write the previous step made.
        item = self._call("get_item", TableName=self.table_name, Key=_key(pk, sk), ConsistentRead=True).get("Item")
        return decode_item(item) if item else None

    def put(self, item: RawItem) -> None:
        self._call("put_item", TableName=self.table_name, Item=item)

    def update(
        self, pk: str, sk: str, update: Update, condition: Condition | None, what: str, *, returns: Returns
    ) -> dict[str, Any]:
        request = update.request(condition)
        if condition is not None:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        response = self._call(
            "update_item", TableName=self.table_name, Key=_key(pk, sk), ReturnValues=returns, **request
        )
        return decode_item(response.get("Attributes", {}))

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> dict[str, Any] | None:
        request: dict[str, Any] = {"TableName": self.table_name, "Key": _key(pk, sk), "ReturnValues": "ALL_OLD"}
        if condition is not None:
            request |= condition_request(condition) | {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        old = self._call("delete_item", **request).get("Attributes")
        return decode_item(old) if old else None

    def query(
        self,
        pk: str,
        *,
        prefix: str = "",
        low: str | None = None,
        high: str | None = None,
        keys_only: bool = False,
        consistent: bool = False,
    ) -> Iterator[dict[str, Any]]:
        values: RawItem = {":pk": {"S": pk}}
        condition = "pk = :pk"
        if low is not None and high is not None:
            condition += " AND sk BETWEEN :low AND :high"
            values |= {":low": {"S": low}, ":high": {"S": high}}
        elif prefix:
            condition += " AND begins_with(sk, :prefix)"
            values[":prefix"] = {"S": prefix}
        request: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": consistent,
        }
        if keys_only:
            request["ProjectionExpression"] = "pk, sk"
        return self._paginate("query", **request)

    def query_index(self, index: str, value: str) -> Iterator[dict[str, Any]]:
        return self._paginate(
            "query",
            IndexName=index,
            KeyConditionExpression=f"{index_partition(index)} = :v",
            ExpressionAttributeValues={":v": {"S": value}},
        )

    def scan_index(self, index: str, prefix: str) -> Iterator[dict[str, Any]]:
        return self._paginate(
            "scan",
            IndexName=index,
            FilterExpression=f"begins_with({index_partition(index)}, :p)",
            ExpressionAttributeValues={":p": {"S": prefix}},
        )

    def delete_many(self, keys: list[tuple[str, str]], *, max_rounds: int = 8) -> None:
        """BatchWriteItem in chunks of 25; leftovers are retried with exponential backoff."""
        for start in range(0, len(keys), BATCH_SIZE):
            pending = [{"DeleteRequest": {"Key": _key(*k)}} for k in keys[start : start + BATCH_SIZE]]
            for attempt in range(max_rounds):
                response = self._call("batch_write_item", RequestItems={self.table_name: pending})
                pending = response.get("UnprocessedItems", {}).get(self.table_name, [])
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 2.0))
            else:
                raise StoreThrottledError(
                    f"{len(pending)} deletes in {self.table_name} still unprocessed after {max_rounds} rounds"
                )

    # -- plumbing ------------------------------------------------------------------------------------------

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One client call, with DynamoDB's errors turned into the store's."""
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**kwargs)
            return response
        except Exception as exc:
            code = _error_code(exc)
            if code == "ConditionalCheckFailedException":
                old = getattr(exc, "response", {}).get("Item")
                raise ConditionFailed(decode_item(old) if old else None) from exc
            if code in DYNAMODB_THROTTLING_CODES:
                raise StoreThrottledError(
                    f"DynamoDB {operation} on {self.table_name} still throttled after retries: {exc}"
                ) from exc
            if code == "ValidationException" and "maximum allowed size" in str(exc):
                raise ItemTooLargeError(f"{operation} on {self.table_name}: {exc}") from exc
            if code == "ResourceNotFoundException":
                raise StoreError(f"state table {self.table_name} not found: {exc}") from exc
            raise

    def _paginate(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a Query or Scan, decoded, following ``LastEvaluatedKey`` across pages."""
        kwargs["TableName"] = self.table_name
        if self._page_size:
            kwargs["Limit"] = self._page_size
        while True:
            response = self._call(operation, **kwargs)
            yield from (decode_item(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


class StateStore(TableStore):
    """Reads and writes the DynamoDB state table (layout: :mod:`kroless.store.keys`, :mod:`kroless.store.table`).

    ``page_size`` caps each Query/Scan page (DynamoDB's own cap is 1 MB); ``clock`` returns the current
    time (tests pin it).
    """

    def __init__(
        self,
        table_name: str,
        client: Any,
        *,
        page_size: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.table_name = table_name
        self.table = DynamoTable(table_name, client, page_size=page_size)
        super().__init__(self.table, clock=clock)
