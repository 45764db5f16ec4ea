"""KMS Key: AWS generates the id, which kroless records; deletion is scheduled (ScheduleKeyDeletion).

ACK (kms-controller generator.yaml): the key has no name, so its identity is ``status.keyID``; the ReadOne is
DescribeKey (``KeyMetadata``), a key pending deletion is gone, and tags are ``TagKey``/``TagValue`` items.
ACK's custom update (sdk_update_pre_build_request) turns ``enableKeyRotation`` on and off with Enable/
DisableKeyRotation, read back by GetKeyRotationStatus, and writes a changed ``policy`` with PutKeyPolicy (the
key's one policy is named "default"); kroless does the same.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Attribute, Call, Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

_ON = {"KeyId": "{id}"}
_POLICY = {**_ON, "PolicyName": "default"}  # a KMS key has exactly one policy, always named "default"
# AWS's shortest waiting period; ACK's controller sends none and gets AWS's default of 30 days
_PENDING_WINDOW_DAYS = 7


def adjust(kind: Kind, source: Source) -> Kind:
    from kroless.providers.aws.generic import with_status

    rotation = Attribute(
        set=Call("EnableKeyRotation", _ON),
        off=Call("DisableKeyRotation", _ON),
        get=Call("GetKeyRotationStatus", _ON, "KeyRotationEnabled"),
    )
    policy = Attribute(
        set=Call("PutKeyPolicy", {**_POLICY, "Policy": "{value}"}),
        get=Call("GetKeyPolicy", _POLICY, "Policy"),
    )
    kind = dataclasses.replace(
        kind,
        create=Call("CreateKey", result="KeyMetadata.KeyId"),
        read=Call("DescribeKey", _ON),
        delete=Call("ScheduleKeyDeletion", {**_ON, "PendingWindowInDays": _PENDING_WINDOW_DAYS}),
        id="KeyId",
        recorded="status.keyID",
        gone=("PendingDeletion", "PendingReplicaDeletion"),
        gone_path="KeyState",
        tags=Call("ListResourceTags", _ON, "Tags"),
        tag=Call("TagResource", _ON),
        attributes={"enableKeyRotation": rotation, "policy": policy},
    )
    return with_status(kind, source, "KeyMetadata")
