"""Errors the state store raises. Each is a :class:`~kroless.errors.KrolessError`.

``StoreThrottledError`` is a :class:`~kroless.errors.RetriableError`: a state machine task reports it under
the one retriable name its ``Retry`` matches (:func:`kroless.errors.task_errors`).
"""

from __future__ import annotations

from kroless.errors import KrolessError, RetriableError, TerminalError


class StoreError(KrolessError):
    """A state-store operation failed (DynamoDB returned an error kroless does not handle itself)."""


class StaleGenerationError(StoreError):
    """A write carried an older generation than the one stored: a newer reconcile has taken over."""

    def __init__(self, message: str, *, generation: int, stored: int | None, **where: str | None) -> None:
        super().__init__(message, **where)
        self.generation = generation
        self.stored = stored


class InstanceNotFoundError(StoreError):
    """The instance does not exist (never admitted, or already deleted)."""


class InstanceDeletingError(StoreError):
    """The instance is being deleted; it cannot be applied again until the deletion has finished."""


class ItemTooLargeError(StoreError, TerminalError):
    """An item stays over DynamoDB's 400 KB limit even with its JSON attributes compressed."""


class StoreThrottledError(StoreError, RetriableError):
    """DynamoDB kept throttling after the client's retries (the caller may retry later)."""


class OwnershipConflictError(StoreError, TerminalError):
    """More than one node claims the same physical resource."""
