"""EventBridge kinds (EventBus, Rule; botocore's ``events``): a rule's targets are synced item by item."""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.refs import role
from kroless.providers.aws.table import Call, Kind, Members, Ref, Update


def target_id(target: dict[str, Any]) -> Any:
    """A rule's target is removed by its id."""
    return target["Id"]


KINDS: tuple[Kind, ...] = (
    Kind(
        service="eventbridge",
        api="events",
        kind="EventBus",
        create=Call("CreateEventBus", result="EventBusArn"),
        read=Call("DescribeEventBus", {"Name": "{name}"}),
        delete=Call("DeleteEventBus", {"Name": "{name}"}),
        name="name",
        arn="Arn",
        exclude=("deadLetterConfig", "description", "kmsKeyIdentifier", "logConfig"),
        observe={"eventSourceName": ""},
        tags=Call("ListTagsForResource", {"ResourceARN": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceARN": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
    Kind(
        service="eventbridge",
        api="events",
        kind="Rule",
        create=Call("PutRule", result="RuleArn"),
        read=Call("DescribeRule", {"Name": "{name}", "EventBusName": "{spec.eventBusName}"}),
        delete=Call("DeleteRule", {"Name": "{name}", "EventBusName": "{spec.eventBusName}"}),
        name="name",
        arn="Arn",
        refs={"eventBusRef": Ref("eventBusName", "eventbridge", "EventBus", "spec.name"), "roleRef": role("roleARN")},
        members={
            "targets": Members(
                add=Call("PutTargets", {"Rule": "{name}", "EventBusName": "{spec.eventBusName}"}),
                remove=Call(
                    "RemoveTargets", {"Rule": "{name}", "EventBusName": "{spec.eventBusName}", "Ids": ["{item}"]}
                ),
                listing=Call("ListTargetsByRule", {"Rule": "{name}", "EventBusName": "{spec.eventBusName}"}, "Targets"),
                member="Targets",
                key=target_id,
                clear_on_delete=True,  # a rule with targets cannot be deleted
            )
        },
        updates=(
            # PutRule replaces the rule: every field the template sets goes with it
            Update(
                "PutRule",
                ("description", "eventPattern", "roleARN", "scheduleExpression", "state"),
                {"Name": "{name}", "EventBusName": "{spec.eventBusName}"},
                always=("description", "eventPattern", "roleARN", "scheduleExpression", "state"),
            ),
        ),
        tags=Call("ListTagsForResource", {"ResourceARN": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceARN": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
)
