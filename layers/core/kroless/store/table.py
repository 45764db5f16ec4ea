"""The state table's shape, shared by :func:`create_table` (tests, local cloud) and the CDK app.

- keys: ``pk`` (partition, S), ``sk`` (sort, S); billing on demand; TTL attribute ``expiresAt``
  (epoch seconds, on drift reports and execution records).
- GSI ``ownership``: partition ``physicalId`` (S), keys only. Sparse: only node items that created or
  adopted something carry ``physicalId``; the drift function maps a CloudTrail resource to its owner.
- GSI ``listing``: partition ``listKey`` (S), sort ``pk`` (S), all attributes. Sparse: RGD items carry
  ``listKey = "RGD"``, instance items ``listKey = "INSTANCE#<rgd>"``; node, drift and execution items
  carry none, so listing never reads them (a table scan would read every node of every instance).
"""

from __future__ import annotations

import time
from typing import Any

OWNERSHIP_INDEX = "ownership"
LISTING_INDEX = "listing"
TTL_ATTRIBUTE = "expiresAt"


def table_definition(name: str) -> dict[str, Any]:
    """The ``CreateTable`` request for the state table (the CDK construct declares the same)."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "physicalId", "AttributeType": "S"},
            {"AttributeName": "listKey", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": OWNERSHIP_INDEX,
                "KeySchema": [{"AttributeName": "physicalId", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": LISTING_INDEX,
                "KeySchema": [
                    {"AttributeName": "listKey", "KeyType": "HASH"},
                    {"AttributeName": "pk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    }


def index_partition(index: str) -> str:
    """The partition attribute of one of the table's indexes (``listKey`` for ``listing``)."""
    for gsi in table_definition("")["GlobalSecondaryIndexes"]:
        if gsi["IndexName"] == index:
            return str(gsi["KeySchema"][0]["AttributeName"])
    raise KeyError(f"the state table has no index {index!r}")


def create_table(client: Any, name: str, *, wait: bool = True) -> None:
    """Create the state table with its indexes and TTL; an existing table is left as it is.

    ``client`` is a boto3 DynamoDB client. With ``wait`` the call returns once the table is ACTIVE.
    """
    try:
        client.create_table(**table_definition(name))
    except client.exceptions.ResourceInUseException:
        return
    if wait:
        for _ in range(120):
            if client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE":
                break
            time.sleep(1)
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
