"""Retriable or terminal: one classification (kroless.errors.is_retriable) for every exception a task meets, and
the one error name a task reports a retriable failure under."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import MaxRetryError, NewConnectionError

from kroless.errors import (
    RETRIABLE_ERROR,
    GraphError,
    RetriableError,
    TerminalError,
    ValidationError,
    as_task_error,
    is_retriable,
    task_errors,
)
from kroless.providers.base import ConflictError, ImmutableFieldError, ProviderError
from kroless.store import ItemTooLargeError, StoreThrottledError


def aws(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": f"{code} message"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "CreateBucket")


def wrapped(cause: BaseException, error: type[ProviderError] = ProviderError) -> ProviderError:
    """As the providers raise: their own error, the SDK's as its cause."""
    try:
        raise error("Deployment default/web: the API failed") from cause
    except ProviderError as err:
        return err


RETRIABLE = {
    "aws throttled": aws("ThrottlingException", 400),
    "s3 slow down": aws("SlowDown", 503),
    "ec2 request limit": aws("RequestLimitExceeded", 400),
    "aws internal error": aws("InternalError", 500),
    "any aws 503": aws("SomethingNew", 503),
    "aws 429": aws("TooManyRequests", 429),
    "lambda update in progress": aws("ResourceConflictException", 409),
    "no endpoint": EndpointConnectionError(endpoint_url="https://rds.us-west-2.amazonaws.com"),
    "connect timeout": ConnectTimeoutError(endpoint_url="https://rds.us-west-2.amazonaws.com"),
    "read timeout": ReadTimeoutError(endpoint_url="https://rds.us-west-2.amazonaws.com"),
    "kubernetes 503": ApiException(status=503, reason="Service Unavailable"),
    "kubernetes 500": ApiException(status=500, reason="Internal Server Error"),
    "kubernetes 429": ApiException(status=429, reason="Too Many Requests"),
    "kubernetes 409 modified": ApiException(status=409, reason="Conflict"),
    "kubernetes unreachable": MaxRetryError(None, "/api/v1/namespaces", reason=NewConnectionError(None, "refused")),  # type: ignore[arg-type]
    "connection reset": ConnectionResetError(104, "Connection reset by peer"),
    "store throttled": StoreThrottledError("DynamoDB put_item on kroless still throttled after retries"),
    "provider error caused by a 503": wrapped(ApiException(status=503, reason="Service Unavailable")),
    "provider error caused by throttling": wrapped(aws("Throttling", 400)),
    "explicitly retriable": RetriableError("try again"),
}
TERMINAL = {
    "aws access denied": aws("AccessDenied", 403),
    "aws validation": aws("ValidationException", 400),
    "s3 bucket taken": aws("BucketAlreadyExists", 409),
    "no credentials": NoCredentialsError(),
    "bad parameter": ParamValidationError(report="Invalid type for parameter Port"),
    "kubernetes 422": ApiException(status=422, reason="Unprocessable Entity"),
    "kubernetes 403": ApiException(status=403, reason="Forbidden"),
    "kubernetes 404": ApiException(status=404, reason="Not Found"),
    "item too large": ItemTooLargeError("node observed state over 400 KB"),
    "graph error": GraphError("cycle: a -> b -> a"),
    "instance invalid": ValidationError(["spec.replicas: must be an integer"]),
    "provider error with no cause": ProviderError("Deployment default/web: spec.template is required"),
    # the provider knows better than the status: server-side apply's field-manager conflict is a 409 too
    "apply conflict caused by a 409": wrapped(ApiException(status=409, reason="Conflict"), ConflictError),
    "immutable field caused by a 422": wrapped(ApiException(status=422, reason="Invalid"), ImmutableFieldError),
    "a bug": KeyError("spec"),
    "explicitly terminal": TerminalError("fix the RGD"),
}


@pytest.mark.parametrize("case", list(RETRIABLE))
def test_transient_failures_are_retriable(case: str) -> None:
    assert is_retriable(RETRIABLE[case])


@pytest.mark.parametrize("case", list(TERMINAL))
def test_other_failures_are_terminal(case: str) -> None:
    assert not is_retriable(TERMINAL[case])


def test_a_task_reports_every_retriable_failure_under_one_name() -> None:
    """Lambda names a failure by its exception's class (errorType), which is what the machine's Retry matches:
    whatever the cause, a retriable failure leaves a task as exactly RetriableError, saying where and what."""
    assert RETRIABLE_ERROR == "RetriableError"
    for case, exc in RETRIABLE.items():
        error = as_task_error(exc)
        assert type(error).__name__ == RETRIABLE_ERROR, case
    error = as_task_error(wrapped(ApiException(status=503, reason="Service Unavailable")).at(resource_id="web"))
    assert str(error) == 'resource "web": Deployment default/web: the API failed'
    assert str(as_task_error(aws("SlowDown", 503))) == "ClientError: An error occurred (SlowDown) when calling the CreateBucket operation: SlowDown message"


def test_a_terminal_failure_leaves_a_task_as_it_is() -> None:
    for exc in TERMINAL.values():
        assert as_task_error(exc) is exc


def test_task_errors_keeps_the_original_as_the_cause() -> None:
    original = StoreThrottledError("DynamoDB update_item still throttled")
    with pytest.raises(RetriableError) as raised:
        with task_errors():
            raise original
    assert type(raised.value) is RetriableError and raised.value.__cause__ is original
    with pytest.raises(ConflictError):
        with task_errors():
            raise TERMINAL["apply conflict caused by a 409"]


def test_a_cause_chain_that_loops_ends() -> None:
    first, second = ValueError("a"), KeyError("b")
    first.__cause__, second.__cause__ = second, first
    assert not is_retriable(first)


def test_located_keeps_every_line_of_a_cel_error() -> None:
    message = (
        "ERROR: <input>:1:33: found no matching overload for '_+_' applied to '(string, bool)'\n"
        ' | "--enable-development-logging=" + (schema.spec.values.log.enabled)\n'
        " | ................................^"
    )
    located = GraphError(message, resource_id="deployment", path="spec.args[2]").at(file="iam.yaml").located()
    assert located == f'iam.yaml: resource "deployment": spec.args[2]: {message}'
