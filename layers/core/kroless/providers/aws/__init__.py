"""AWS resources in ACK's shape (``<service>.services.k8s.aws/v1alpha1``), created with the AWS API directly.

:class:`AwsProvider` is the generic engine; :mod:`.catalog` finds each ACK kind's declarative entry: written
by hand in its service's module (``services/<service>.py``, indexed by :mod:`.kinds`) or derived by :mod:`.generic`.
"""

from kroless.providers.aws.provider import OBJECT_TAG, AwsProvider, ReferenceNotReadyError, accepted_fields

__all__ = ["OBJECT_TAG", "AwsProvider", "ReferenceNotReadyError", "accepted_fields"]
