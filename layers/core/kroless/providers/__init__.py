"""Providers: the I/O edge of a reconcile. Each turns a rendered manifest into a real object and back.

* :mod:`kroless.providers.kubernetes`: Kubernetes objects on EKS (server-side apply).
* :mod:`kroless.providers.aws`: AWS resources written in ACK's shape, created with the AWS API directly.
* nested RGD instances are admitted by the runtime itself (another instance of another graph).
"""

from kroless.providers.base import (
    ConflictError,
    ImmutableFieldError,
    ObjectRef,
    Ownership,
    Provider,
    ProviderError,
    References,
)

__all__ = [
    "ConflictError",
    "ImmutableFieldError",
    "ObjectRef",
    "Ownership",
    "Provider",
    "ProviderError",
    "References",
]
