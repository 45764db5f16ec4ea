"""ECR Repository: listed by name (DescribeRepositories); settings changed by their own Put calls.

ACK (ecr-controller generator.yaml) updates through custom code (customUpdateRepository); kroless does the
image tag mutability, scanning configuration, lifecycle policy and repository policy (``policy``, from
SetRepositoryPolicy's PolicyText as generator.yaml says) here.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.table import Attribute, Call, Kind, Update

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

_ON = {"repositoryName": "{name}"}


def adjust(kind: Kind, source: Source) -> Kind:
    return dataclasses.replace(
        kind,
        updates=(
            Update("PutImageTagMutability", ("imageTagMutability",), _ON),
            Update("PutImageScanningConfiguration", ("imageScanningConfiguration",), _ON),
        ),
        attributes={
            "lifecyclePolicy": Attribute(
                set=Call("PutLifecyclePolicy", {**_ON, "lifecyclePolicyText": "{value}"}),
                get=Call("GetLifecyclePolicy", _ON, "lifecyclePolicyText"),
            ),
            "policy": Attribute(
                set=Call("SetRepositoryPolicy", {**_ON, "policyText": "{value}"}),
                get=Call("GetRepositoryPolicy", _ON, "policyText"),
            ),
        },
        not_found=(*kind.not_found, "LifecyclePolicyNotFoundException", "RepositoryPolicyNotFoundException"),
    )
