"""Errors the state store raises. Each is a :class:`~kroless.errors.KrolessError`.

Lambda reports an uncaught exception by its class name, so a Step Functions ``Retry`` can match
``StoreThrottledError`` (retry with backoff) while ``StaleGenerationError`` (superseded, stop quietly) is
caught by name in the state machine.
"""

from __future__ import annotations

from kroless.errors import KrolessError


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


class ItemTooLargeError(StoreError):
    """An item stays over DynamoDB's 400 KB limit even with its JSON attributes compressed."""


class StoreThrottledError(StoreError):
    """DynamoDB kept throttling after the client's retries (the caller may retry later)."""


class OwnershipConflictError(StoreError):
    """More than one node claims the same physical resource."""
