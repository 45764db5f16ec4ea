"""Which provider manages a kind: nested RGD APIs, ACK-shaped AWS kinds, or Kubernetes."""

from __future__ import annotations

from dataclasses import dataclass

from kroless.errors import KrolessError
from kroless.providers.base import Provider

ACK_GROUP_SUFFIX = ".services.k8s.aws"


@dataclass
class ProviderSet:
    kubernetes: Provider | None = None
    aws: Provider | None = None
    nested: Provider | None = None

    def for_kind(self, api_version: str, kind: str) -> Provider:
        group = api_version.rpartition("/")[0]
        if self.nested is not None and self.nested.handles(api_version, kind):
            return self.nested
        if group.endswith(ACK_GROUP_SUFFIX):
            if self.aws is None or not self.aws.handles(api_version, kind):
                raise KrolessError(f"unknown kind: {kind} ({api_version}) is not an AWS kind kroless supports")
            return self.aws
        if self.kubernetes is None:
            raise KrolessError(f"unknown kind: {kind} ({api_version}): no Kubernetes cluster is configured")
        return self.kubernetes

    def is_nested(self, api_version: str, kind: str) -> bool:
        return self.nested is not None and self.nested.handles(api_version, kind)
