"""The state machines' contract, typed once: what an execution starts with, what each Lambda task receives and
what it answers.

* :class:`ExecutionInput`: ``StartExecution``'s input (:meth:`kroless.services.Services.start_execution`);
* :class:`ReconcileTask` → :class:`NodeResult`: the reconcile function, one node of one instance generation;
* :class:`FinalizeTask` → :class:`FinalizeResult`: the finalize function, the instance status at the end;
* :class:`TaskOutcome`: what a task *raises* instead of answering when the machine must wait or stop, so that
  one Task state's ``Retry`` waits (one state transition a poll) and its ``Catch`` stops, with no Choice after
  every task: :class:`NodeNotReady`, :class:`DependencyPending`, :class:`NodeFailed`, :class:`NodeSuperseded`,
  :class:`StatusPending`, :class:`DependencyReady`.

A node task waits for a callback (``lambda:invoke.waitForTaskToken``): its payload carries the task token, and
the answer comes as ``SendTaskSuccess``/``SendTaskFailure`` from whoever finished the node's step — the function
itself, or the task that finished what the node waited for (:mod:`kroless.callbacks`).

The generated machines (:mod:`kroless.statemachine.asl`) build every task's ``Payload`` with
:func:`task_parameters` and read every answer through :func:`json_names`, so a field renamed here fails the
compile instead of silently breaking the machines; the handlers parse their event into these models
(powertools parser), and :mod:`kroless.operations` takes and returns them. A payload that breaks the contract
fails with pydantic's ``ValidationError``, which names the field.

A task's payload forbids unknown fields (a misspelt one is an error, not silently dropped); answers leave out
the optional fields that are unset (:meth:`Message.dump`), since the machine tests their presence
(``IsPresent``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from kroless.store.errors import StoreError
from kroless.store.keys import InstanceKey
from kroless.store.records import InstanceState, NodeState

ExecutionMode = Literal["reconcile", "delete"]
"""An execution reconciles the instance (apply, then the status) or deletes it."""
NodeMode = Literal["apply", "check", "delete"]
"""A node task renders and applies (``apply``), only re-reads and evaluates readyWhen (``check``) or deletes
(idempotently: issues or re-issues the delete, then reads)."""
FinalizeMode = Literal["reconcile", "delete", "error", "refresh"]
"""The finalize task after a reconcile, after a delete, after a failure (with the error) or to refresh the
status of an ACTIVE instance whose status fields still wait on data."""
FinalizeState = InstanceState | Literal["DELETED", "SUPERSEDED"]
"""The instance's state after finalize, DELETED once it is gone, SUPERSEDED when a newer generation runs."""


class Message(BaseModel):
    """A payload exchanged with a state machine: JSON names (aliases) on the wire, Python names in code."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def dump(self) -> dict[str, Any]:
        """The JSON object the machine sees: JSON names, unset optional fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class _InstanceGeneration(Message):
    instance: str = Field(description="the instance, as group/version/kind/namespace/name (InstanceKey.ref)")
    generation: int = Field(ge=1, strict=True, description="the instance generation this run reconciles")

    @field_validator("instance")
    @classmethod
    def _instance_ref(cls, value: str) -> str:
        try:
            InstanceKey.from_ref(value)
        except StoreError:
            raise ValueError(f"not an instance reference {value!r} (group/version/kind/namespace/name)") from None
        return value

    @property
    def key(self) -> InstanceKey:
        return InstanceKey.from_ref(self.instance)


class ExecutionInput(_InstanceGeneration):
    """``StartExecution``'s input: one generation of one instance, to reconcile or to delete."""

    mode: ExecutionMode = "reconcile"


class ReconcileTask(_InstanceGeneration):
    """The reconcile function's payload: one node of one instance generation."""

    node: str = Field(min_length=1, description="the resource id in the RGD")
    mode: NodeMode
    token: str | None = Field(default=None, description="the task token the machine waits on ($$.Task.Token)")


class NodeResult(Message):
    """The reconcile function's answer: small enough for a Step Functions payload (no manifests, no secrets)."""

    node: str
    state: NodeState
    reason: str = ""  # CamelCase, as a Kubernetes condition's reason (ReadyWhenFalse, DataPending, ...)
    message: str = ""  # why not done: the readyWhen that is false, what failed
    superseded: bool = False  # a newer generation took over: the machine stops quietly


class TaskError(Message):
    """A failure as a Step Functions ``Catch`` hands it on: the error name and its cause."""

    error: str = Field(alias="Error")
    cause: str = Field(default="", alias="Cause")

    @property
    def message(self) -> str:
        """The cause as a person reads it. A Lambda function's failure has as cause the function's error
        document (``{"errorMessage", "errorType", "stackTrace"}``): its message, after its type."""
        try:
            document = json.loads(self.cause)
        except ValueError:
            document = None
        if isinstance(document, dict) and "errorMessage" in document:
            return f"{document.get('errorType') or self.error}: {document['errorMessage']}"
        return self.cause or self.error


class FinalizeTask(_InstanceGeneration):
    """The finalize function's payload."""

    mode: FinalizeMode = "reconcile"
    error: TaskError | None = None  # mode "error": what failed


class FinalizeResult(Message):
    """The finalize function's answer (an ACTIVE instance whose status still waits on data raises
    :class:`StatusPending` instead, after writing the status)."""

    state: FinalizeState


# -- what a task raises instead of answering ------------------------------------------------------------------


@dataclass(frozen=True)
class WaitTarget:
    """What a node waits for that another task will finish: node ``node`` of ``instance`` (a dependency on
    another branch; for a delete, a dependent), or with ``node`` empty the instance itself (a nested child)."""

    instance: InstanceKey
    node: str = ""


class TaskOutcome(Exception):  # noqa: N818 - the class name is the error name the machines match
    """An outcome the machine acts on through ``Retry``/``Catch`` rather than a Choice on the answer.

    Lambda reports an uncaught exception under its class name (``errorType``), which is the error name Step
    Functions' ``Retry`` and ``Catch`` match, with the error document ``{"errorMessage", "errorType", ...}`` as
    the cause: the machines read ``errorMessage`` from it.
    """

    def __init__(self, message: str, *, wait_on: WaitTarget | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.wait_on = wait_on  # set when the node waits for another task to finish something: park, not poll


class NodeNotReady(TaskOutcome):
    """The node is applied (or its delete issued) but not ready (not gone) yet: the Task's ``Retry`` re-runs it
    after a backoff; when the node's timeout is spent, its ``Catch`` fails the run as ``Kroless.NodeTimeout``.
    The message says why (the readyWhen that is false, the data pending)."""


class DependencyPending(TaskOutcome):
    """A dependency on another branch is not done yet (for a delete: a dependent is not gone yet); the node did
    nothing. Never reaches the machine: the task parks its token until the dependency's task wakes it."""


class DependencyReady(TaskOutcome):
    """What the node waited for is done, but the task that finished it may not run this node's step (finalize's
    role applies no resource): the machine runs the node's task again after a second."""


class NodeFailed(TaskOutcome):
    """The node failed terminally (recorded ERROR): its ``Catch`` fails the run as ``Kroless.NodeError``."""


class NodeSuperseded(TaskOutcome):
    """A newer generation of the instance took over: the run stops quietly (``Kroless.Superseded``)."""


class StatusPending(TaskOutcome):
    """The instance is ACTIVE and its status written, but status fields still wait on data that arrives after
    readiness (a load balancer's hostname): the machine re-reads them after a backoff (mode ``refresh``)."""


# -- what the compiler reads ----------------------------------------------------------------------------------


class JsonNames:
    """The JSON names of a model's fields, as attributes named after its Python fields:
    ``json_names(TaskError).error == "Error"``. A name the model lacks raises."""

    def __init__(self, model: type[Message]) -> None:
        self._model = model
        self._names = {name: info.alias or name for name, info in model.model_fields.items()}

    def __getattr__(self, name: str) -> str:
        try:
            return self._names[name]
        except KeyError:
            raise AttributeError(f"{self._model.__name__} has no field {name!r}") from None


def json_names(model: type[Message]) -> JsonNames:
    return JsonNames(model)


@dataclass(frozen=True)
class Path:
    """A JSONPath (or intrinsic function) a task's payload takes a field's value from."""

    expression: str


def task_parameters(model: type[Message], **fields: Any) -> dict[str, Any]:
    """The ASL ``Payload`` of a task whose input is ``model``, fields by their Python names: a :class:`Path`
    becomes ``"<json name>.$": <expression>``, any other value is checked against the field's type now.

    A name the model lacks, a required field left out or a constant the model refuses raises: the machine
    cannot be compiled against a contract it does not keep.
    """
    known = model.model_fields
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(unknown)}")
    missing = sorted(name for name, info in known.items() if info.is_required() and name not in fields)
    if missing:
        raise ValueError(f"{model.__name__} needs {', '.join(missing)}")
    payload: dict[str, Any] = {}
    for name, value in fields.items():
        key = known[name].alias or name
        if isinstance(value, Path):
            payload[f"{key}.$"] = value.expression
        else:
            info = known[name]
            field_type: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            try:
                TypeAdapter(field_type).validate_python(value)
            except ValidationError as err:
                raise ValueError(f"{model.__name__}.{name} = {value!r}: {err.errors()[0]['msg']}") from None
            payload[key] = value
    return payload
