"""ECS Cluster and TaskDefinition: deleted, they stay described, ``INACTIVE``, for a while.

DescribeClusters answers a deleted cluster with status ``INACTIVE`` (AWS: "INACTIVE clusters may remain
discoverable in your account for a period of time"), DescribeTaskDefinition a deregistered revision (its enum has
no deleted value the engine knows); the cluster's status is a plain string, not an enum. A task definition is
deregistered by its ARN (``family:revision``): DeregisterTaskDefinition refuses the family alone. A Service is
deleted with ``force``: AWS refuses to delete one scaled above 0 otherwise, and the node is being deleted; it is
read in the cluster its spec names, else in AWS's ``default`` cluster.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source


def adjust(kind: Kind, source: Source) -> Kind:
    kind = dataclasses.replace(kind, gone=("INACTIVE", "DELETE_IN_PROGRESS"), gone_path="status")
    if kind.kind == "Service":  # in its cluster, AWS's default one when the spec names none
        cluster = {"cluster": "{spec.cluster}"}
        kind = dataclasses.replace(
            kind,
            read=dataclasses.replace(kind.read, params={**kind.read.params, **cluster}),
            find=dataclasses.replace(kind.find, params={**kind.find.params, **cluster}) if kind.find else None,
            delete=dataclasses.replace(kind.delete, params={**kind.delete.params, **cluster, "force": True}),
            updates=tuple(
                dataclasses.replace(u, params={**u.params, **cluster}, fields=tuple(f for f in u.fields if f != "cluster"))
                for u in kind.updates
            ),
            defaults={"cluster": "default"},
        )
    if kind.kind == "TaskDefinition":
        kind = dataclasses.replace(kind, delete=dataclasses.replace(kind.delete, params={"taskDefinition": "{current.taskDefinitionArn}"}))
    return kind
