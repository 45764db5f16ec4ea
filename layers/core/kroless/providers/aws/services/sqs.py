"""SQS Queue: settings are keys of the ``Attributes`` map; the queue URL is the identifier.

ACK (sqs-controller generator.yaml): every field but ``queueName`` is ``is_attribute`` (``unpack_attributes_map``),
read by GetQueueAttributes ``AttributeNames: [All]`` and written by SetQueueAttributes; ``QueueUrl`` is the
primary key and ``queueARN`` a read-only attribute.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.naming import ack_name
from kroless.providers.aws.table import Call, Kind, Update

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

# The URL SQS gives a queue; GetQueueUrl would cost a call per read, and SQS accepts this form for every queue.
_URL = "https://sqs.{region}.amazonaws.com/{account}/{name}"
_ON = {"QueueUrl": _URL}


def adjust(kind: Kind, source: Source) -> Kind:
    config = source.config.get("fields") or {}
    attributes = {
        ack_name(go): f"Attributes.{go}"
        for go, field in config.items()
        if (field or {}).get("is_attribute") and ack_name(go) in source.spec_fields
    }
    kind = dataclasses.replace(
        kind,
        name="queueName",
        renames={**kind.renames, **attributes},
        read=Call("GetQueueAttributes", {**_ON, "AttributeNames": ["All"]}),
        delete=Call("DeleteQueue", _ON),
        updates=(Update("SetQueueAttributes", tuple(sorted(attributes)), _ON),),
        arn="Attributes.QueueArn",
        status=(),
        status_paths={"queueARN": "Attributes.QueueArn"},
        status_calls={"queueURL": Call("GetQueueUrl", {"QueueName": "{name}"}, "QueueUrl")},
        tags=Call("ListQueueTags", _ON, "Tags"),
        tag=Call("TagQueue", _ON),
        # the JSON protocol's code and the query protocol's (ACK's 404 code)
        not_found=("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
    )
    return kind
