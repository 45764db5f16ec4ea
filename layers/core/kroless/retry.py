"""Which AWS errors are worth retrying: throttling. One list for the store, the drift checks and the state
machines (which match the Step Functions names built from it).
"""

from __future__ import annotations

THROTTLING_EXCEPTION = "ThrottlingException"
# DynamoDB's spellings: botocore's standard retry mode retries them first, what is left is StoreThrottledError
DYNAMODB_THROTTLING_CODES = ("ProvisionedThroughputExceededException", THROTTLING_EXCEPTION, "RequestLimitExceeded")
# Any AWS API's: DynamoDB's, then the other services' spellings (S3's SlowDown, Lambda's TooManyRequests, ...)
THROTTLING_CODES = frozenset(
    {*DYNAMODB_THROTTLING_CODES, "Throttling", "TooManyRequestsException", "SlowDown", "RequestThrottled"}
)
