"""EKS IdentityProviderConfig: named inside ``spec.oidc``; read and deleted by ``{type: oidc, name}``.

ACK (eks-controller generator.yaml) checks DescribeIdentityProviderConfig's input in custom code
(customCheckRequiredFieldsMissing): the config is identified by its cluster and the structure
``identityProviderConfig: {type, name}``, which no spec field fills; ACK's CRD has only the OIDC kind.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Call, Kind

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

_ON = {
    "clusterName": "{spec.clusterName}",
    "identityProviderConfig": {"type": "oidc", "name": "{spec.oidc.identityProviderConfigName}"},
}


def adjust(kind: Kind, source: Source) -> Kind:
    from kroless.providers.aws.generic import with_status

    kind = dataclasses.replace(
        kind,
        read=Call("DescribeIdentityProviderConfig", _ON),
        delete=Call("DisassociateIdentityProviderConfig", _ON),
    )
    return with_status(kind, source, "identityProviderConfig.oidc")
