"""The AWS error codes that mean "try again later". :func:`kroless.errors.is_retriable` reads them (it is the one
place that decides whether any exception is worth retrying); the store turns DynamoDB's throttling into
:class:`~kroless.store.errors.StoreThrottledError`.
"""

from __future__ import annotations

THROTTLING_EXCEPTION = "ThrottlingException"
# DynamoDB's spellings: botocore's standard retry mode retries them first, what is left is StoreThrottledError
DYNAMODB_THROTTLING_CODES = ("ProvisionedThroughputExceededException", THROTTLING_EXCEPTION, "RequestLimitExceeded")
# Any AWS API's: DynamoDB's, then the other services' spellings (S3's SlowDown, Lambda's TooManyRequests, ...)
THROTTLING_CODES = frozenset(
    {
        *DYNAMODB_THROTTLING_CODES,
        "Throttling",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
    }
)
# A server-side fault or timeout (AWS answers these with a 5xx too, but not every client sees the status)
SERVER_ERROR_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerErrorException",
        "InternalServiceError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# Another request on the same resource is still in flight: re-reading and trying again resolves it
CONFLICT_CODES = frozenset(
    {
        "ConcurrentModificationException",
        "OperationAbortedException",  # S3: a conflicting conditional operation is in progress
        "PriorRequestNotComplete",  # Route 53
        "ResourceConflictException",  # Lambda: an update is in progress
        "TransactionInProgressException",  # DynamoDB
    }
)
RETRIABLE_CODES = THROTTLING_CODES | SERVER_ERROR_CODES | CONFLICT_CODES
# HTTP statuses worth retrying besides every server error (5xx). AWS: too many requests (its 409s are mostly
# "already exists" or "not empty", which no retry changes). Kubernetes: also a request timeout and a conflict
# (the object changed since it was read; server-side apply's field-manager conflicts are told apart by the
# provider, as ConflictError)
AWS_RETRIABLE_STATUSES = frozenset({429})
KUBERNETES_RETRIABLE_STATUSES = frozenset({408, 409, 429})
