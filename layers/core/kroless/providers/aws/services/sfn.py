"""Step Functions StateMachine (botocore's ``stepfunctions``)."""

from __future__ import annotations

from kroless.providers.aws.refs import role
from kroless.providers.aws.table import Call, Kind, Update

KINDS: tuple[Kind, ...] = (
    Kind(
        service="sfn",
        api="stepfunctions",
        kind="StateMachine",
        create=Call("CreateStateMachine", result="stateMachineArn"),
        read=Call("DescribeStateMachine", {"stateMachineArn": "arn:aws:states:{region}:{account}:stateMachine:{name}"}),
        delete=Call("DeleteStateMachine", {"stateMachineArn": "{current.stateMachineArn}"}),
        name="name",
        arn="stateMachineArn",
        renames={"type_": "type"},  # ACK's Go name for the reserved word
        refs={"roleRef": role("roleARN")},
        updates=(
            Update(
                "UpdateStateMachine",
                ("definition", "loggingConfiguration", "roleARN", "tracingConfiguration"),
                {"stateMachineArn": "{current.stateMachineArn}"},
            ),
        ),
        exclude=("encryptionConfiguration", "publish", "versionDescription"),
        status=("creationDate",),
        tags=Call("ListTagsForResource", {"resourceArn": "{arn}"}, "tags"),
        tag=Call("TagResource", {"resourceArn": "{arn}"}),
        not_found=("StateMachineDoesNotExist",),
    ),
)
