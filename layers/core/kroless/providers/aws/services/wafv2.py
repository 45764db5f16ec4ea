"""WAFv2 WebACL and RuleGroup: read by name, scope and id together.

botocore's GetWebACL and GetRuleGroup take either ``ARN`` or ``Name`` + ``Scope`` + ``Id`` (none of them
required in the model, so the engine finds only the name); AWS refuses a read without all three ("Critical
information is missing in your request"), as it refuses GetIPSet, whose model still requires them.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Call, Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source


def adjust(kind: Kind, source: Source) -> Kind:
    named = {"Name": "{name}", "Scope": "{spec.scope}", "Id": "{id}"}
    read = dataclasses.replace(kind.read, params=named)
    lookups = {**kind.lookups, "lock_token": Call(kind.read.op, named, "LockToken")}
    return dataclasses.replace(kind, read=read, lookups=lookups)
