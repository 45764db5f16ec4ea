"""One error hierarchy for kroless.

Every error can carry where it happened: the file, the RGD (or instance) name, the resource id and the
path inside the document. ``str(err)`` is Kro's message; :meth:`KrolessError.located` renders the full
one-line form the CLI prints: ``PATH: NAME: resource "id": path: message``.
"""

from __future__ import annotations


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
        """One line: where, then what. CEL's caret diagram (lines after the first) is left out."""
        parts = [p for p in (self.file, self.name) if p]
        if self.resource_id and f'"{self.resource_id}"' not in self.message:
            parts.append(f'resource "{self.resource_id}"')
        if self.path and not self.message.startswith(self.path):
            parts.append(self.path)
        parts.append(self.message.splitlines()[0] if self.message else "")
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.message


class DocumentError(KrolessError):
    """Malformed YAML, a document of an unexpected shape, an unknown field."""


class SchemaError(KrolessError):
    """SimpleSchema could not be turned into OpenAPI (unknown type, bad marker, cycle in types)."""


class ValidationError(KrolessError):
    """An instance breaks its RGD's schema. ``violations`` lists every problem (``spec.x: must be ...``)."""

    def __init__(self, violations: list[str], **where: str | None) -> None:
        super().__init__("; ".join(violations), **where)
        self.violations = violations


class CELError(KrolessError):
    """A CEL expression failed to parse, type-check or evaluate."""


class DataPendingError(CELError):
    """A CEL evaluation referenced data that does not exist yet (Kro: requeue, not failure)."""


class GraphError(KrolessError):
    """The resource graph is invalid: a cycle, an unknown identifier, a bad id, a static check failure."""
