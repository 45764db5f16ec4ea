"""Secrets Manager Secret: identified by its name; ``secretString`` is a Secret reference, never logged.

ACK (secretsmanager-controller generator.yaml) renames the read/update/delete ``SecretId`` to ``id`` (the ARN,
in status); the name identifies the secret just as well and is known before it exists. Deleting forces
deletion without a recovery window: a secret kept pending deletion would hold its name for 30 days, so the
same RGD instance could not be created again.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Call, Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

_ON = {"SecretId": "{name}"}


def adjust(kind: Kind, source: Source) -> Kind:
    return dataclasses.replace(
        kind,
        read=dataclasses.replace(kind.read, params=_ON),
        delete=Call("DeleteSecret", {**_ON, "ForceDeleteWithoutRecovery": True}),
        updates=tuple(dataclasses.replace(u, params=_ON) for u in kind.updates),
        status_paths={"id": "ARN"},
        # ACK's versionID is the VersionId of the create (or of the latest secret value written); DescribeSecret
        # lists versions only as a map of stages
        receipt={"versionID": "VersionId"},
    )
