"""The state store as the engine sees it: one :class:`Store` protocol.

The reconciler, the registry, the nested-instance provider, the references lookup, the drift heal and the
Lambda wiring (:class:`kroless.services.Services`) take a :class:`Store`, not a class. Two implementations
keep the same contract (``tests/integration/store`` runs against both):

- :class:`kroless.store.StateStore`: the DynamoDB table (production);
- ``kroless_cli.testing.memory.MemoryStore``: a dict, for fast tests without moto (not in the layer).

One protocol rather than one per consumer: the engine's consumers share the store object (``Services``
hands the same one to all of them), both implementations provide every method anyway, and the contract
suite tests the whole surface. Semantics (generations, conditional writes, errors) are documented on
:class:`kroless.store.base.TableStore`, the single implementation of them.

Example::

    def admit(store: Store, doc: dict) -> int:
        return store.admit_instance(InstanceKey.from_manifest(doc), "webapp", doc)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from kroless.store.expressions import UNSET, Unset
from kroless.store.keys import InstanceKey
from kroless.store.records import (
    DriftRecord,
    ExecutionRecord,
    InstanceRecord,
    NodeError,
    NodeRecord,
    Owner,
    RgdRecord,
    RgdRejection,
    RgdState,
    Waiter,
)


class Store(Protocol):
    # ── RGDs ──
    def put_rgd(
        self, name: str, document: dict[str, Any], compiled: dict[str, Any], *, state: str = RgdState.ACTIVE
    ) -> RgdRecord:
        """Store an RGD; ``revision`` goes up only when the document changed."""
        ...

    def get_rgd(self, name: str) -> RgdRecord | None: ...

    def set_rgd_state(self, name: str, state: str) -> None: ...

    def list_rgds(self) -> list[RgdRecord]:
        """Every registered RGD, sorted by name."""
        ...

    def delete_rgd(self, name: str) -> bool: ...

    def reject_rgd(self, name: str, document: dict[str, Any], reason: str, *, event_id: str) -> None: ...

    def get_rgd_rejection(self, name: str) -> RgdRejection | None: ...

    def clear_rgd_rejection(self, name: str) -> None: ...

    # ── instances ──
    def admit_instance(self, key: InstanceKey, rgd: str, manifest: dict[str, Any]) -> int:
        """The instance's generation: 1 when new, + 1 when the manifest changed, unchanged otherwise.
        Raises ``InstanceDeletingError`` while a deletion is pending."""
        ...

    def get_instance(self, key: InstanceKey) -> InstanceRecord | None: ...

    def list_instances(self, rgd: str | None = None) -> list[InstanceRecord]: ...

    def request_deletion(self, key: InstanceKey) -> int:
        """Generation + 1 and state DELETING (idempotent). Raises ``InstanceNotFoundError``."""
        ...

    def set_instance_status(
        self,
        key: InstanceKey,
        generation: int,
        state: str,
        status: dict[str, Any],
        conditions: list[dict[str, Any]],
        *,
        execution: str | None | Unset = UNSET,
        observed: bool = True,
    ) -> None:
        """``observed=False``: a running reconcile's status. Raises ``StaleGenerationError`` unless ``generation`` is still the instance's generation."""
        ...

    def record_execution(self, key: InstanceKey, generation: int, execution_arn: str) -> None: ...

    def delete_instance(self, key: InstanceKey, *, generation: int | None = None) -> int:
        """Remove the instance and every item under it; returns how many items were removed."""
        ...

    # ── nodes ──
    def put_node(
        self,
        key: InstanceKey,
        node_id: str,
        generation: int,
        *,
        index: int | None = None,
        state: str | Unset = UNSET,
        observed: dict[str, Any] | None | Unset = UNSET,
        desired: dict[str, Any] | None | Unset = UNSET,
        applied_hash: str | None | Unset = UNSET,
        physical_id: str | None | Unset = UNSET,
        error: NodeError | None | Unset = UNSET,
        started_at: str | None | Unset = UNSET,
        ready_at: str | None | Unset = UNSET,
        durations: dict[str, float] | None | Unset = UNSET,
        attempts: int | Unset = UNSET,
        count_attempt: bool = False,
    ) -> NodeRecord:
        """Update the fields passed; raises ``StaleGenerationError`` for a generation older than the stored one."""
        ...

    def get_node(self, key: InstanceKey, node_id: str, index: int | None = None) -> NodeRecord | None: ...

    def get_nodes(self, key: InstanceKey, node_id: str | None = None) -> list[NodeRecord]: ...

    def delete_node(self, key: InstanceKey, node_id: str, index: int | None = None) -> bool: ...

    # ── ownership ──
    def owners_of(self, physical_id: str) -> list[Owner]: ...

    def owner_of(self, physical_id: str) -> Owner | None: ...

    def put_aliases(self, key: InstanceKey, node_id: str, index: int | None, identifiers: list[str]) -> None: ...

    def has_alias(self, key: InstanceKey, node_id: str, index: int | None, identifier: str) -> bool: ...

    # ── heals ──
    def bump_generation(self, key: InstanceKey, reason: str, *, redrive: bool = False) -> int | None: ...
    def redrive_deletion(self, key: InstanceKey, reason: str) -> int | None: ...

    def claim_heal(self, key: InstanceKey, window: timedelta, *, force: bool = False) -> bool: ...

    def set_heal_generation(self, key: InstanceKey, generation: int) -> None: ...

    def add_pending_drift(self, key: InstanceKey, node_ids: list[str]) -> int | None: ...

    def take_pending_drift(self, key: InstanceKey) -> list[str]: ...

    # ── drift reports and execution records ──
    def put_drift(
        self,
        key: InstanceKey,
        node_id: str,
        report: dict[str, Any],
        *,
        at: datetime | None = None,
        ttl: timedelta = ...,
        event_id: str | None = None,
    ) -> DriftRecord: ...

    def list_drift(self, key: InstanceKey, *, since: datetime | None = None) -> list[DriftRecord]: ...

    def put_execution(
        self,
        key: InstanceKey,
        name: str,
        generation: int,
        state: str,
        *,
        execution_arn: str | None | Unset = UNSET,
        started_at: str | None | Unset = UNSET,
        stopped_at: str | None | Unset = UNSET,
        error: dict[str, Any] | None | Unset = UNSET,
        ttl: timedelta = ...,
    ) -> ExecutionRecord: ...

    def get_execution(self, key: InstanceKey, name: str) -> ExecutionRecord | None: ...

    def list_executions(self, key: InstanceKey) -> list[ExecutionRecord]: ...

    # ── parked task tokens ──
    def park_waiter(self, on: InstanceKey, target: str, waiter: Waiter) -> None: ...

    def waiters(self, on: InstanceKey, target: str) -> list[Waiter]: ...

    def claim_waiter(self, on: InstanceKey, target: str, waiter: Waiter) -> bool: ...
