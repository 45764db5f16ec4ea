"""Lambda EventSourceMapping: AWS generates its ``UUID``; one mapping per function and event source.

ACK (lambda-controller generator.yaml): ``UUID`` is the primary key (status ``uuid``); its custom code compares
``filterCriteria`` loosely and sends only changed fields on update. kroless finds a mapping it has not recorded
yet by its function and event source (AWS refuses a second mapping of the same SQS queue to a function), and
waits while AWS moves it through Creating / Updating / Enabling.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Call, Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source


def adjust(kind: Kind, source: Source) -> Kind:
    return dataclasses.replace(
        kind,
        find=Call(
            "ListEventSourceMappings",
            {"FunctionName": "{spec.functionName}", "EventSourceArn": "{spec.eventSourceARN}"},
            "EventSourceMappings",
        ),
        arn="arn:{partition}:lambda:{region}:{account}:event-source-mapping:{id}",
        tags=Call("ListTags", {"Resource": "{arn}"}, "Tags"),
        state="state",
        stable=("Enabled", "Disabled"),
        deleting=("Deleting",),
        status_paths={"functionARN": "FunctionArn", "uuid": "UUID"},
        not_found=("ResourceNotFoundException",),
    )
