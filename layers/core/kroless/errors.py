"""One error hierarchy for kroless.

Every error can carry where it happened: the file, the RGD (or instance) name, the resource id and the
path inside the document. ``str(err)`` is Kro's message; :meth:`KrolessError.located` renders the full
one-line form the CLI prints: ``PATH: NAME: resource "id": path: message``.

Retriable or terminal (as Kro's ``pkg/graph`` tells a ``RetriableError`` from a ``TerminalError``): a
:class:`RetriableError` is transient (throttling, a server error, a timeout, a lost connection, a conflict
worth re-reading) and may succeed when tried again; a :class:`TerminalError` will not, until the RGD, the
instance or the account changes. :func:`is_retriable` is the one place that decides it for any exception,
kroless's own or an SDK's, looking through the chain of causes (``raise ... from``) as Go's ``errors.As``
unwraps. A state machine task reports every retriable failure under one name, :data:`RETRIABLE_ERROR`
(:func:`task_errors`), and the machines' ``Retry`` matches that name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from kroless.retry import (
    AWS_RETRIABLE_STATUSES,
    KUBERNETES_RETRIABLE_STATUSES,
    RETRIABLE_CODES,
)


class KrolessError(Exception):
    """Base class: a problem a user can fix from the message alone."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        name: str | None = None,
        resource_id: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.name = name
        self.resource_id = resource_id
        self.path = path

    def at(
        self,
        *,
        file: str | None = None,
        name: str | None = None,
        resource_id: str | None = None,
        path: str | None = None,
    ) -> KrolessError:
        """Fill in location fields that are still unknown (inner code knows less than outer code)."""
        self.file = self.file or file
        self.name = self.name or name
        self.resource_id = self.resource_id or resource_id
        self.path = self.path or path
        return self

    def located(self) -> str:
        """Where, then what: the whole message (a CEL error's later lines say where in the expression and
        why; Kro keeps them too)."""
        parts = [p for p in (self.file, self.name) if p]
        if self.resource_id and f'"{self.resource_id}"' not in self.message:
            parts.append(f'resource "{self.resource_id}"')
        if self.path and not self.message.startswith(self.path):
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.message


class RetriableError(KrolessError):
    """A transient failure: trying again, after a backoff, may succeed (throttling, a server error, a timeout,
    a lost connection, a conflict worth re-reading).

    A Lambda function reports an uncaught exception by its class name (its ``errorType``), which is the error
    name Step Functions matches: the tasks raise exactly this class (:func:`task_errors`), never a subclass,
    so one name, :data:`RETRIABLE_ERROR`, stands for every retriable failure.
    """


class TerminalError(KrolessError):
    """Retrying cannot help: the RGD, the instance, the template or the account must change first."""


RETRIABLE_ERROR = RetriableError.__name__
"""The error name (Lambda's ``errorType``) of every retriable task failure; the machines' ``Retry`` matches it."""


class DocumentError(TerminalError):
    """Malformed YAML, a document of an unexpected shape, an unknown field."""


class SchemaError(TerminalError):
    """SimpleSchema could not be turned into OpenAPI (unknown type, bad marker, cycle in types)."""


class ValidationError(TerminalError):
    """An instance breaks its RGD's schema. ``violations`` lists every problem (``spec.x: must be ...``)."""

    def __init__(self, violations: list[str], **where: str | None) -> None:
        super().__init__("; ".join(violations), **where)
        self.violations = violations


class CELError(TerminalError):
    """A CEL expression failed to parse, type-check or evaluate."""


class DataPendingError(CELError):
    """A CEL evaluation referenced data that does not exist yet (Kro: requeue, not failure)."""


class GraphError(TerminalError):
    """The resource graph is invalid: a cycle, an unknown identifier, a bad id, a static check failure."""


# -- retriable or terminal ---------------------------------------------------------------------------------


def is_retriable(exc: BaseException) -> bool:
    """Whether trying again may succeed, for any exception.

    The exception and its causes are read outermost first, and the first that says decides: a
    :class:`RetriableError` or :class:`TerminalError` says so itself (a provider's ``ConflictError`` stays
    terminal although an HTTP 409 caused it); an AWS error (botocore) is retriable when throttled
    (:data:`~kroless.retry.THROTTLING_CODES`), a server error (5xx, :data:`~kroless.retry.SERVER_ERROR_CODES`),
    a conflict with a request in flight (:data:`~kroless.retry.CONFLICT_CODES`), or when the connection failed
    or timed out; a Kubernetes API error when its status is 408, 409, 429 or 5xx; a connection or timeout error
    of the HTTP client (urllib3) or of Python itself is retriable. Anything else is terminal.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        verdict = _verdict(current)
        if verdict is not None:
            return verdict
        current = current.__cause__
    return False


def _loaded(module: str, name: str) -> type[BaseException] | None:
    """An exception class of a library, if that library is loaded (an exception of a library nobody imported
    cannot exist, and importing the Kubernetes client only to classify an error would cost a cold start)."""
    loaded = sys.modules.get(module)
    found = getattr(loaded, name, None)
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def _is(exc: BaseException, *classes: type[BaseException] | None) -> bool:
    return any(cls is not None and isinstance(exc, cls) for cls in classes)


def _verdict(exc: BaseException) -> bool | None:
    """What ``exc`` itself says (None: nothing; its cause may)."""
    if isinstance(exc, TerminalError):
        return False
    if isinstance(exc, RetriableError):
        return True
    client_error = _loaded("botocore.exceptions", "ClientError")
    if client_error is not None and isinstance(exc, client_error):
        response = getattr(exc, "response", None) or {}
        code = str((response.get("Error") or {}).get("Code") or "")
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        return code in RETRIABLE_CODES or status in AWS_RETRIABLE_STATUSES or status >= 500
    botocore = "botocore.exceptions"
    if _is(exc, _loaded(botocore, "ConnectionError"), _loaded(botocore, "HTTPClientError")):
        return True  # no connection, a connect or read timeout, a connection closed mid-response
    api_exception = _loaded("kubernetes.client.exceptions", "ApiException")
    if api_exception is not None and isinstance(exc, api_exception):
        status = int(getattr(exc, "status", 0) or 0)
        return status in KUBERNETES_RETRIABLE_STATUSES or status >= 500
    urllib3 = "urllib3.exceptions"
    transport = ("MaxRetryError", "TimeoutError", "ProtocolError", "NewConnectionError")
    if _is(exc, *(_loaded(urllib3, name) for name in transport)):
        return True  # the Kubernetes client's connection to the API server failed or timed out
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return None


def as_task_error(exc: Exception) -> Exception:
    """What a state machine task raises for ``exc``: a retriable failure as exactly :class:`RetriableError`
    (message: where and what failed; the original is its cause), anything else as it is."""
    if type(exc) is RetriableError or not is_retriable(exc):
        return exc
    # the message says where (the resource id, the path) itself: Lambda reports only str(exception)
    return RetriableError(exc.located() if isinstance(exc, KrolessError) else f"{type(exc).__name__}: {exc}")


@contextmanager
def task_errors() -> Iterator[None]:
    """Around a state machine task's work: every retriable failure leaves as :data:`RETRIABLE_ERROR`, the one
    name the machines' ``Retry`` matches; a terminal one leaves as it is (the machine's ``Catch`` records it)."""
    try:
        yield
    except Exception as exc:
        error = as_task_error(exc)
        if error is exc:
            raise
        raise error from exc
