"""KMS Key: AWS generates the id, which kroless records; deletion is scheduled (ScheduleKeyDeletion).

ACK (kms-controller generator.yaml): the key has no name, so its identity is ``status.keyID``; the ReadOne is
DescribeKey (``KeyMetadata``), a key pending deletion is gone, and tags are ``TagKey``/``TagValue`` items.
ACK's custom update (sdk_update_pre_build_request) turns ``enableKeyRotation`` on and off with Enable/
DisableKeyRotation, read back by GetKeyRotationStatus; kroless does the same. ``policy`` changes are not done yet.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Attribute, Call, Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

_ON = {"KeyId": "{id}"}
# AWS's shortest waiting period; ACK's controller sends none and gets AWS's default of 30 days
_PENDING_WINDOW_DAYS = 7


def adjust(kind: Kind, source: Source) -> Kind:
    from kroless.providers.aws.generic import with_status

    rotation = Attribute(
        set=Call("EnableKeyRotation", _ON),
        off=Call("DisableKeyRotation", _ON),
        get=Call("GetKeyRotationStatus", _ON, "KeyRotationEnabled"),
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
        attributes={"enableKeyRotation": rotation},
    )
    return with_status(kind, source, "KeyMetadata")
