"""CloudWatch Logs LogGroup: botocore calls the service ``logs``; the retention is its own call.

ACK (cloudwatchlogs-controller generator.yaml): ``retentionDays`` comes from PutRetentionPolicy, and the status
fields from DescribeLogGroups; ACK updates through custom code (customUpdateLogGroup), of which kroless does the
retention and the KMS key (AssociateKmsKey, which replaces the key) here; ``subscriptionFilters`` changes are not
done yet (refused as immutable).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Attribute, Call, Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

API = "logs"


def adjust(kind: Kind, source: Source) -> Kind:
    retention = Attribute(
        set=Call("PutRetentionPolicy", {"logGroupName": "{name}", "retentionInDays": "{value}"}),
        unset=Call("DeleteRetentionPolicy", {"logGroupName": "{name}"}),
    )
    key = Attribute(set=Call("AssociateKmsKey", {"logGroupName": "{name}", "kmsKeyId": "{value}"}))
    return dataclasses.replace(
        kind,
        attributes={"retentionDays": retention, "kmsKeyID": key},
        observe={"retentionDays": "retentionInDays", "kmsKeyID": "kmsKeyId"},
    )
