"""AWS resources in ACK's shape (``<service>.services.k8s.aws/v1alpha1``), created with the AWS API directly.

:class:`AwsProvider` is the generic engine; :mod:`.kinds` holds one declarative entry per ACK kind.
"""

from kroless.providers.aws.provider import OBJECT_TAG, AwsProvider, ReferenceNotReadyError, accepted_fields

__all__ = ["OBJECT_TAG", "AwsProvider", "ReferenceNotReadyError", "accepted_fields"]
