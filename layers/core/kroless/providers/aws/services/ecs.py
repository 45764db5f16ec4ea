"""ECS Cluster: a deleted cluster stays described, ``INACTIVE``, for a while.

DescribeClusters answers a deleted cluster with status ``INACTIVE`` (AWS: "INACTIVE clusters may remain
discoverable in your account for a period of time"); the model's status is a plain string, not an enum, so the
engine cannot tell that state from the data.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source


def adjust(kind: Kind, source: Source) -> Kind:
    return dataclasses.replace(kind, gone=("INACTIVE",), gone_path="status")
