"""DynamoDB Table: time to live and point-in-time recovery are set by their own calls and described in
another shape than they are set (``TimeToLiveStatus: ENABLED`` for ``Enabled: true``)."""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.table import Attribute, Call, Kind, Update


def time_to_live(described: dict[str, Any]) -> dict[str, Any]:
    """DescribeTimeToLive's description in UpdateTimeToLive's shape (ENABLING counts as enabled)."""
    return {
        "AttributeName": described.get("AttributeName"),
        "Enabled": described.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"),
    }


def point_in_time_recovery(status: Any) -> dict[str, Any]:
    """DescribeContinuousBackups' recovery status in UpdateContinuousBackups' shape."""
    return {"PointInTimeRecoveryEnabled": status == "ENABLED"}


KINDS: tuple[Kind, ...] = (
    Kind(
        service="dynamodb",
        kind="Table",
        create=Call("CreateTable", result="TableDescription"),
        read=Call("DescribeTable", {"TableName": "{name}"}, "Table"),
        delete=Call("DeleteTable", {"TableName": "{name}"}),
        name="tableName",
        arn="TableArn",
        observe={
            "billingMode": "BillingModeSummary.BillingMode",
            "tableClass": "TableClassSummary.TableClass",
            "sseSpecification": "",
            "resourcePolicy": "",
        },
        exclude=("warmThroughput", "globalTableSettingsReplicationMode", "globalTableSourceARN", "vectorIndexes"),
        attributes={
            "timeToLive": Attribute(
                set=Call("UpdateTimeToLive", {"TableName": "{name}", "TimeToLiveSpecification": "{value}"}),
                get=Call("DescribeTimeToLive", {"TableName": "{name}"}, "TimeToLiveDescription"),
                member="TimeToLiveSpecification",
                observed=time_to_live,
            ),
            "continuousBackups": Attribute(
                set=Call(
                    "UpdateContinuousBackups",
                    {"TableName": "{name}", "PointInTimeRecoverySpecification": "{value}"},
                ),
                get=Call(
                    "DescribeContinuousBackups",
                    {"TableName": "{name}"},
                    "ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus",
                ),
                member="PointInTimeRecoverySpecification",
                observed=point_in_time_recovery,
            ),
        },
        updates=(
            Update(
                "UpdateTable",
                (
                    "billingMode",
                    "deletionProtectionEnabled",
                    "onDemandThroughput",
                    "provisionedThroughput",
                    "sseSpecification",
                    "streamSpecification",
                    "tableClass",
                ),
                {"TableName": "{name}"},
            ),
        ),
        status=(
            "archivalSummary",
            "creationDateTime",
            "itemCount",
            "latestStreamARN",
            "latestStreamLabel",
            "replicas",
            "restoreSummary",
            "tableID",
            "tableSizeBytes",
            "tableStatus",
        ),
        state="tableStatus",
        stable=("ACTIVE",),
        deleting=("DELETING",),
        tags=Call("ListTagsOfResource", {"ResourceArn": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
)
