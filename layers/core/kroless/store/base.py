"""What the state store does, written once over a :class:`Table`: the generation rules, the conditional
writes and the errors they raise, the item layout, redaction.

A :class:`Table` offers the few primitives of a key-value table with conditional writes (get, put,
conditional update, conditional delete, query by partition, query and scan of the two indexes, batch
delete). Values are encoded here, once, exactly as DynamoDB stores them (:mod:`kroless.store.codec`), and
each write is described as data (:mod:`kroless.store.expressions`), so a table only carries it out.
:class:`~kroless.store.store.StateStore` runs this logic over DynamoDB; ``kroless_cli.testing.MemoryStore``
over a dict, for tests that need no moto. Both pass the same contract suite (``tests/integration/store``).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from kroless.clock import iso
from kroless.store.codec import RawItem, canonical_hash, check_size, encode_item
from kroless.store.errors import (
    InstanceDeletingError,
    InstanceNotFoundError,
    OwnershipConflictError,
    StaleGenerationError,
    StoreError,
)
from kroless.store.expressions import (
    UNSET,
    Condition,
    Unset,
    Update,
    at_most,
    differs,
    equals,
    exists,
    missing,
)
from kroless.store.keys import (
    ALIAS_PREFIX,
    DRIFT_PREFIX,
    EXEC_PREFIX,
    HEAL_SK,
    INSTANCE_PREFIX,
    INSTANCE_SK,
    NODE_PREFIX,
    REJECTED_SK,
    RGD_SK,
    WAIT_PREFIX,
    InstanceKey,
    alias_sk,
    node_sk,
    parse_alias_sk,
    parse_node_sk,
    rgd_pk,
)
from kroless.store.records import (
    DriftRecord,
    ExecutionRecord,
    InstanceRecord,
    InstanceState,
    NodeError,
    NodeRecord,
    NodeState,
    Owner,
    RgdRecord,
    RgdRejection,
    RgdState,
    Waiter,
)
from kroless.store.redact import redact_secrets
from kroless.store.table import LISTING_INDEX, OWNERSHIP_INDEX

RGD_LIST_KEY = "RGD"
DRIFT_TTL = timedelta(days=14)
WAITER_TTL = timedelta(days=2)  # longer than any execution waits; a parked token no one woke expires
EXECUTION_TTL = timedelta(days=90)  # Step Functions keeps Standard execution history for 90 days
# Metadata the API server (or a client) fills in: a change there is not a change of the desired state.
VOLATILE_METADATA = ("resourceVersion", "generation", "uid", "creationTimestamp", "managedFields", "selfLink")

Returns = Literal["UPDATED_NEW", "ALL_NEW", "UPDATED_OLD", "ALL_OLD"]

# Not deleting: the flag was never set, or is False.
NOT_DELETING = missing("deletionRequested") | equals("deletionRequested", False)


def manifest_hash(manifest: dict[str, Any]) -> str:
    """The hash that decides whether an applied instance is a new generation.

    Like Kubernetes, ``status`` and server-filled metadata do not count; unlike Kubernetes, labels and
    annotations do, because RGD templates may read them (``schema.metadata.labels``).
    """
    metadata = {k: v for k, v in (manifest.get("metadata") or {}).items() if k not in VOLATILE_METADATA}
    return canonical_hash({**{k: v for k, v in manifest.items() if k != "status"}, "metadata": metadata})


class ConditionFailed(Exception):
    """A conditional write failed; ``item`` is the stored item (decoded) when there is one."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("conditional check failed")
        self.item = item


class Table(Protocol):
    """The primitives the store needs from a table of items keyed ``pk``/``sk`` (layout:
    :mod:`kroless.store.table`). Writes carry encoded values (:func:`kroless.store.codec.encode`), so a size
    or type error is the same whichever table runs; reads return decoded items, fresh copies."""

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        """The item, strongly consistent (a reconcile must see the write the previous step made)."""
        ...

    def put(self, item: RawItem) -> None:
        """Create or replace an item (encoded: :func:`kroless.store.codec.encode_item`)."""
        ...

    def update(
        self, pk: str, sk: str, update: Update, condition: Condition | None, what: str, *, returns: Returns
    ) -> dict[str, Any]:
        """Apply ``update`` (creating the item if needed) when ``condition`` holds; returns the attributes
        ``returns`` asks for, as UpdateItem's ReturnValues. Raises :class:`ConditionFailed`."""
        ...

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> dict[str, Any] | None:
        """Remove an item when ``condition`` holds; returns the removed item. Raises :class:`ConditionFailed`."""
        ...

    def query(
        self,
        pk: str,
        *,
        prefix: str = "",
        low: str | None = None,
        high: str | None = None,
        keys_only: bool = False,
        consistent: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Items of one partition whose ``sk`` starts with ``prefix`` (or lies in [``low``, ``high``]), by
        ``sk``, every page; ``keys_only`` returns only ``pk`` and ``sk``; ``consistent`` reads strongly."""
        ...

    def query_index(self, index: str, value: str) -> Iterator[dict[str, Any]]:
        """Items whose partition attribute of ``index`` equals ``value``, as the index projects them."""
        ...

    def scan_index(self, index: str, prefix: str) -> Iterator[dict[str, Any]]:
        """Items of ``index`` whose partition attribute starts with ``prefix``."""
        ...

    def delete_many(self, keys: list[tuple[str, str]]) -> None:
        """Remove the items (``pk``, ``sk``), unconditionally."""
        ...


class TableStore:
    """The store's operations over a :class:`Table`. ``clock`` returns the current time (tests pin it)."""

    def __init__(self, table: Table, *, clock: Callable[[], datetime] | None = None) -> None:
        self._table = table
        self._clock = clock or (lambda: datetime.now(UTC))

    # ── RGDs ───────────────────────────────────────────────────────────────────────────────────────────

    def put_rgd(
        self, name: str, document: dict[str, Any], compiled: dict[str, Any], *, state: str = RgdState.ACTIVE
    ) -> RgdRecord:
        """Store an RGD and its compiled summary; ``revision`` goes up only when the document changed.

        ``compiled`` is ``{"name", "topologicalOrder", "resources": [{"id", "dependencies"}]}`` plus
        whatever per-node kind information the compiler adds; it is stored as given.
        """
        pk = rgd_pk(name)
        content_hash = canonical_hash(document)
        now = self._now()
        update = (
            Update()
            .set("name", name)
            .set("listKey", RGD_LIST_KEY)
            .set("document", document)
            .set("compiled", compiled)
            .set("contentHash", content_hash)
            .set("state", str(state))
            .set("updatedAt", now)
            .set_if_absent("createdAt", now)
            .set_if_absent("uid", str(uuid.uuid4()))  # Kro's kro.run/resource-graph-definition-id
            .increment("revision")
        )
        try:
            self._update(pk, RGD_SK, update, missing("pk") | differs("contentHash", content_hash), f"RGD {name}")
        except ConditionFailed:
            # Same document: refresh what the compiler or the caller may change, keep the revision.
            refresh = Update().set("compiled", compiled).set("state", str(state)).set("updatedAt", now)
            self._update(pk, RGD_SK, refresh, None, f"RGD {name}")
        record = self.get_rgd(name)
        if record is None:  # deleted between the two writes
            raise StoreError(f"RGD {name} was deleted while it was being stored", name=name)
        return record

    def get_rgd(self, name: str) -> RgdRecord | None:
        item = self._table.get(rgd_pk(name), RGD_SK)
        return RgdRecord.from_item(item) if item else None

    def set_rgd_state(self, name: str, state: str) -> None:
        """Mark an RGD Active or Inactive (an inactive RGD admits no instance)."""
        update = Update().set("state", str(state)).set("updatedAt", self._now())
        try:
            self._update(rgd_pk(name), RGD_SK, update, exists("pk"), f"RGD {name}")
        except ConditionFailed:
            raise StoreError(f"RGD {name} not found", name=name) from None

    def list_rgds(self) -> list[RgdRecord]:
        """Every registered RGD (a query of the sparse ``listing`` index), sorted by name."""
        items = self._table.query_index(LISTING_INDEX, RGD_LIST_KEY)
        return sorted((RgdRecord.from_item(i) for i in items), key=lambda r: r.name)

    def delete_rgd(self, name: str) -> bool:
        """Remove an RGD's item (and any rejection); returns whether it existed. Its instances are not touched."""
        self.clear_rgd_rejection(name)
        return self._table.delete(rgd_pk(name), RGD_SK) is not None

    def reject_rgd(self, name: str, document: dict[str, Any], reason: str, *, event_id: str) -> None:
        """Record why the request ``event_id`` could not register ``document``, for whoever waits for it
        (``kroless apply``). An item of its own: a rejected document never replaces the registered one."""
        item = {
            "pk": rgd_pk(name),
            "sk": REJECTED_SK,
            "name": name,
            "eventId": event_id,
            "contentHash": canonical_hash(document),
            "reason": reason,
            "rejectedAt": self._now(),
        }
        self._put(item, f"RGD {name} rejection")

    def get_rgd_rejection(self, name: str) -> RgdRejection | None:
        item = self._table.get(rgd_pk(name), REJECTED_SK)
        return RgdRejection.from_item(item) if item else None

    def clear_rgd_rejection(self, name: str) -> None:
        self._table.delete(rgd_pk(name), REJECTED_SK)

    # ── instances ──────────────────────────────────────────────────────────────────────────────────────

    def admit_instance(self, key: InstanceKey, rgd: str, manifest: dict[str, Any]) -> int:
        """Store the desired (validated, defaulted) manifest and return the instance's generation.

        Atomic, in one conditional update: a new instance gets generation 1; a changed manifest (see
        :func:`manifest_hash`) gets the stored generation + 1 and state IN_PROGRESS; the same manifest
        again changes nothing and returns the stored generation (so a replayed event starts no new
        execution). Raises :class:`InstanceDeletingError` while a deletion is pending.
        """
        manifest = redact_secrets(manifest)
        digest = manifest_hash(manifest)
        now = self._now()
        update = (
            Update()
            .set("rgdName", rgd)
            .set("listKey", f"{INSTANCE_PREFIX}{rgd}")
            .set("manifest", manifest)
            .set("manifestHash", digest)
            .set("state", InstanceState.IN_PROGRESS.value)
            .set("updatedAt", now)
            .set_if_absent("createdAt", now)
            .set_if_absent("uid", str(uuid.uuid4()))
            .set_if_absent("deletionRequested", False)
            .increment("generation")
        )
        condition = missing("pk") | (differs("manifestHash", digest) & NOT_DELETING)
        try:
            new = self._update(key.pk, INSTANCE_SK, update, condition, str(key))
        except ConditionFailed as failed:
            stored = failed.item or {}
            if stored.get("deletionRequested"):
                raise InstanceDeletingError(
                    f"{key} is being deleted; apply it again once the deletion has finished", name=key.name
                ) from None
            return int(stored["generation"])
        return int(new["generation"])

    def get_instance(self, key: InstanceKey) -> InstanceRecord | None:
        item = self._table.get(key.pk, INSTANCE_SK)
        return InstanceRecord.from_item(item) if item else None

    def list_instances(self, rgd: str | None = None) -> list[InstanceRecord]:
        """Instances of one RGD (a query of the ``listing`` index) or of all RGDs (a scan of that index,
        which holds only RGD and instance items, never nodes), sorted by key."""
        if rgd is not None:
            items = self._table.query_index(LISTING_INDEX, f"{INSTANCE_PREFIX}{rgd}")
        else:
            items = self._table.scan_index(LISTING_INDEX, INSTANCE_PREFIX)
        return sorted((InstanceRecord.from_item(i) for i in items), key=lambda r: r.key)

    def request_deletion(self, key: InstanceKey) -> int:
        """Flag the instance for deletion: generation + 1, state DELETING; returns the generation.

        Idempotent: asking again returns the deletion's generation. Raises :class:`InstanceNotFoundError`.
        """
        now = self._now()
        update = (
            Update()
            .set("deletionRequested", True)
            .set("deletionRequestedAt", now)
            .set("state", InstanceState.DELETING.value)
            .set("updatedAt", now)
            .increment("generation")
        )
        try:
            new = self._update(key.pk, INSTANCE_SK, update, exists("pk") & NOT_DELETING, str(key))
        except ConditionFailed as failed:
            if not failed.item:
                raise InstanceNotFoundError(f"{key} not found", name=key.name) from None
            return int(failed.item["generation"])
        return int(new["generation"])

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
        """Record the outcome of reconciling ``generation`` (it becomes ``observedGeneration``). With
        ``observed=False``, the status of a reconcile still running (its conditions say where it waits); the
        generation is not yet observed, so whoever waits for the outcome keeps waiting.

        Refused with :class:`StaleGenerationError` unless ``generation`` is still the instance's
        generation: a superseded execution never overwrites what a newer one reports. A running status arriving
        after the generation's outcome is recorded is dropped: when a run fails, its Parallel stops but tasks
        already in flight finish, and their progress must not turn the recorded ERROR back into IN_PROGRESS.
        """
        update = (
            Update()
            .set("state", str(state))
            .set("status", redact_secrets(status))
            .set("conditions", conditions)
            .field("observedGeneration", generation if observed else UNSET)
            .set("updatedAt", self._now())
            .field("currentExecution", execution)
        )
        if state == InstanceState.ACTIVE:
            update = update.remove("redrives")  # converged: the resync's re-drive backoff starts again
        condition: Condition = exists("pk") & equals("generation", generation)
        if not observed:
            condition = condition & (missing("observedGeneration") | differs("observedGeneration", generation))
        try:
            self._update(key.pk, INSTANCE_SK, update, condition, str(key))
        except ConditionFailed as failed:
            if not failed.item:
                raise InstanceNotFoundError(f"{key} not found", name=key.name) from None
            stored = int(failed.item["generation"])
            if stored == generation and not observed:
                return  # the outcome of this generation is recorded already
            raise StaleGenerationError(
                f"{key}: status of generation {generation} refused, the instance is at generation {stored}",
                generation=generation,
                stored=stored,
                name=key.name,
            ) from None

    def record_execution(self, key: InstanceKey, generation: int, execution_arn: str) -> None:
        """Remember the execution started for ``generation`` (``currentExecution``, ``executionGeneration``):
        the resync asks Step Functions whether it still runs before it re-drives the instance. Ignored once
        the instance has moved to a newer generation (or is gone)."""
        update = Update().set("currentExecution", execution_arn).set("executionGeneration", generation)
        with contextlib.suppress(ConditionFailed):
            self._update(key.pk, INSTANCE_SK, update, exists("pk") & equals("generation", generation), str(key))

    def delete_instance(self, key: InstanceKey, *, generation: int | None = None) -> int:
        """Remove the instance and every item under it (nodes, drift reports, executions, tokens parked on its
        nodes), but the task tokens parked on the instance itself: a parent waiting for it to be gone is woken
        after it is (:mod:`kroless.callbacks`), and a token nobody claims expires by TTL.

        With ``generation``, the instance item is removed only if it is still at that generation
        (:class:`StaleGenerationError` otherwise). Returns the number of items removed.
        """
        if generation is not None:
            current = self.get_instance(key)
            if current is not None and current.generation != generation:
                raise self._stale_delete(key, generation, current.generation)
        children = [
            (i["pk"], i["sk"])
            for i in self._table.query(key.pk, keys_only=True)
            if i["sk"] != INSTANCE_SK and not i["sk"].startswith(self._waiter_prefix(""))
        ]
        self._table.delete_many(children)
        # The instance item goes last: after a crash the instance is still visible and the delete retried.
        condition = None if generation is None else missing("pk") | equals("generation", generation)
        try:
            removed = self._table.delete(key.pk, INSTANCE_SK, condition)
        except ConditionFailed as failed:
            raise self._stale_delete(key, generation or 0, int((failed.item or {}).get("generation", 0))) from None
        return len(children) + (1 if removed else 0)

    @staticmethod
    def _stale_delete(key: InstanceKey, generation: int, stored: int) -> StaleGenerationError:
        return StaleGenerationError(
            f"{key}: delete for generation {generation} refused, the instance is at generation {stored}",
            generation=generation,
            stored=stored,
            name=key.name,
        )

    # ── nodes ──────────────────────────────────────────────────────────────────────────────────────────

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
        """Update a node's item (``index`` addresses one item of a forEach collection).

        Only the fields passed change; ``None`` removes one. Conditional on ``generation`` >= the stored
        generation: a stale reconcile gets :class:`StaleGenerationError`. ``observed``/``desired`` Secrets
        are redacted (:mod:`kroless.store.redact`). ``count_attempt`` adds 1 to ``attempts`` atomically. A
        node set to DELETED gives up its ``physicalId`` (and with it its entry in the ownership index)
        unless ``physical_id`` is passed.
        """
        if attempts is not UNSET and count_attempt:
            raise ValueError("pass attempts or count_attempt, not both")
        if state == NodeState.DELETED and physical_id is UNSET:
            physical_id = None
        update = (
            Update()
            .set("generation", generation)
            .set("nodeId", node_id)
            .set("updatedAt", self._now())
            .field("index", index)
            .field("state", state if state is UNSET else str(state))
            .field("observed", observed if observed in (UNSET, None) else redact_secrets(observed))
            .field("desired", desired if desired in (UNSET, None) else redact_secrets(desired))
            .field("appliedHash", applied_hash)
            .field("physicalId", physical_id)
            .field("error", error.to_json() if isinstance(error, NodeError) else error)
            .field("startedAt", started_at)
            .field("readyAt", ready_at)
            .field("durations", durations)
            .field("attempts", attempts)
        )
        if count_attempt:
            update.add("attempts", 1)
        what = f"{key} node {node_id}" + ("" if index is None else f"[{index}]")
        condition = missing("pk") | at_most("generation", generation)
        try:
            new = self._update(key.pk, node_sk(node_id, index), update, condition, what, returns="ALL_NEW")
        except ConditionFailed as failed:
            stored = int((failed.item or {}).get("generation", 0))
            raise StaleGenerationError(
                f"{what}: write for generation {generation} refused, the node is at generation {stored}",
                generation=generation,
                stored=stored,
                name=key.name,
                resource_id=node_id,
            ) from None
        return NodeRecord.from_item(new)

    def get_node(self, key: InstanceKey, node_id: str, index: int | None = None) -> NodeRecord | None:
        item = self._table.get(key.pk, node_sk(node_id, index))
        return NodeRecord.from_item(item) if item else None

    def get_nodes(self, key: InstanceKey, node_id: str | None = None) -> list[NodeRecord]:
        """All node items of an instance (or of one node: the node and its collection items), sorted by
        node id then index. Reads every page of the query."""
        items = self._table.query(key.pk, prefix=node_sk(node_id) if node_id else NODE_PREFIX, consistent=True)
        records = [NodeRecord.from_item(i) for i in items]
        if node_id:  # "NODE#db" is also a prefix of "NODE#dbSubnet"
            records = [r for r in records if r.node_id == node_id]
        return sorted(records, key=lambda r: (r.node_id, -1 if r.index is None else r.index))

    def delete_node(self, key: InstanceKey, node_id: str, index: int | None = None) -> bool:
        """Remove one node item; returns whether it existed."""
        return self._table.delete(key.pk, node_sk(node_id, index)) is not None

    # ── parked task tokens (kroless.callbacks) ─────────────────────────────────────────────────────────

    @staticmethod
    def _waiter_prefix(target: str) -> str:
        return f"{WAIT_PREFIX}{target}#"

    @classmethod
    def _waiter_sk(cls, target: str, waiter: Waiter) -> str:
        return f"{cls._waiter_prefix(target)}{waiter.instance}#{waiter.node}"

    def park_waiter(self, on: InstanceKey, target: str, waiter: Waiter) -> None:
        """Record ``waiter``'s task token under instance ``on``: it waits for node ``target`` of it ("" for the
        instance itself). One record per waiting node: a later token (a retried task) replaces the earlier."""
        item = {
            "pk": on.pk,
            "sk": self._waiter_sk(target, waiter),
            "instance": waiter.instance,
            "generation": waiter.generation,
            "node": waiter.node,
            "mode": waiter.mode,
            "token": waiter.token,
            "expiresAt": int((self._clock() + WAITER_TTL).timestamp()),
        }
        self._put(item, f"{on} waiter {waiter.node}")

    def waiters(self, on: InstanceKey, target: str) -> list[Waiter]:
        """The tokens parked on node ``target`` of ``on`` ("" for the instance), read strongly: a waiter that
        parked before the target was marked done is seen."""
        items = self._table.query(on.pk, prefix=self._waiter_prefix(target), consistent=True)
        return [Waiter.from_item(i) for i in items]

    def claim_waiter(self, on: InstanceKey, target: str, waiter: Waiter) -> bool:
        """Remove the parked record if it still holds ``waiter``'s token: exactly one caller (the waiter
        itself or the task that finished the target) gets True and wakes the waiter."""
        try:
            removed = self._table.delete(on.pk, self._waiter_sk(target, waiter), equals("token", waiter.token))
        except ConditionFailed:
            return False
        return removed is not None

    # ── ownership ──────────────────────────────────────────────────────────────────────────────────────

    def owners_of(self, physical_id: str) -> list[Owner]:
        """Every node that records ``physical_id`` (the ``ownership`` index; eventually consistent)."""
        owners = set()
        for item in self._table.query_index(OWNERSHIP_INDEX, physical_id):
            sk = item["sk"]
            node_id, index = parse_alias_sk(sk) if sk.startswith(ALIAS_PREFIX) else parse_node_sk(sk)
            owners.add(Owner(InstanceKey.parse(item["pk"]), node_id, index))
        return sorted(owners, key=lambda o: (o.key, o.node_id, -1 if o.index is None else o.index))

    def put_aliases(self, key: InstanceKey, node_id: str, index: int | None, identifiers: list[str]) -> None:
        """Record more identifiers of a node's resource in the ownership index (the names and ids CloudTrail
        events carry, beside the ARN in the node's ``physicalId``). One small item per identifier, under the
        instance's partition: removed with the instance. An alias of a node that was deleted or re-created
        stays until then; :meth:`owners_of` callers check the node (its ``physicalId`` and state)."""
        for identifier in dict.fromkeys(identifiers):
            item = {
                "pk": key.pk,
                "sk": alias_sk(node_id, index, identifier),
                "physicalId": identifier,
                "nodeId": node_id,
                "updatedAt": self._now(),
            }
            self._put(item, f"{key} alias {identifier}")

    def has_alias(self, key: InstanceKey, node_id: str, index: int | None, identifier: str) -> bool:
        """Whether :meth:`put_aliases` recorded ``identifier`` for the node (a consistent read of its item)."""
        return self._table.get(key.pk, alias_sk(node_id, index, identifier)) is not None

    def owner_of(self, physical_id: str) -> Owner | None:
        """The node that manages ``physical_id``, or None. Two claimants is a bug worth stopping on:
        :class:`OwnershipConflictError` names both."""
        owners = self.owners_of(physical_id)
        if len(owners) > 1:
            claimants = ", ".join(f"{o.key} node {o.node_id}" for o in owners)
            raise OwnershipConflictError(f"{physical_id} is claimed by more than one node: {claimants}")
        return owners[0] if owners else None

    # ── heals: reconcile epochs and their debounce ─────────────────────────────────────────────────────

    def bump_generation(self, key: InstanceKey, reason: str, *, redrive: bool = False) -> int | None:
        """Start a new reconcile epoch: generation + 1 with the manifest unchanged (a heal). The execution
        name carries the generation, so the heal is a distinct execution, and the reconcile tasks' dependency
        checks (node generation == execution generation) order it exactly like an apply. Returns the generation,
        or None when the instance is gone or being deleted (nothing to heal). ``redrive``: the resync
        re-drives a stuck instance; counted (``redrives``, ``lastRedriveAt``) for its backoff until the
        instance is ACTIVE again."""
        return self._new_epoch(key, InstanceState.IN_PROGRESS, NOT_DELETING, reason, redrive=redrive)

    def redrive_deletion(self, key: InstanceKey, reason: str) -> int | None:
        """A new epoch of a deletion whose execution ended without deleting the instance (still DELETING):
        generation + 1, so a new delete execution has a name of its own; counted as a re-drive for its
        backoff. None when the instance is gone or not being deleted."""
        return self._new_epoch(key, InstanceState.DELETING, equals("deletionRequested", True), reason, redrive=True)

    def _new_epoch(
        self, key: InstanceKey, state: InstanceState, condition: Condition, reason: str, *, redrive: bool
    ) -> int | None:
        now = self._now()
        update = (
            Update()
            .set("state", state.value)
            .set("updatedAt", now)
            .set("lastHealAt", now)
            .set("lastHealReason", reason[:500])
            .increment("generation")
            .add("heals", 1)
        )
        if redrive:
            update = update.add("redrives", 1).set("lastRedriveAt", now)
        try:
            new = self._update(key.pk, INSTANCE_SK, update, exists("pk") & condition, str(key))
        except ConditionFailed:
            return None
        return int(new["generation"])

    def claim_heal(self, key: InstanceKey, window: timedelta, *, force: bool = False) -> bool:
        """The debounce: True for the first caller per instance per ``window`` (a conditional write on the
        instance's ``HEAL`` item), False for every other caller inside the window. ``force`` claims anyway
        (a trailing heal for drift seen while the previous one ran)."""
        now = self._clock()
        update = (
            Update()
            .set("until", int((now + window).timestamp() * 1000))
            .set("claimedAt", iso(now, precise=True))
            .set("expiresAt", int((now + window + DRIFT_TTL).timestamp()))
            .remove("healGeneration")
        )
        condition = None if force else missing("pk") | at_most("until", int(now.timestamp() * 1000))
        try:
            self._update(key.pk, HEAL_SK, update, condition, f"{key} heal")
        except ConditionFailed:
            return False
        return True

    def set_heal_generation(self, key: InstanceKey, generation: int) -> None:
        """Remember which generation the claimed heal runs (its finalize settles the pending drift)."""
        self._update(key.pk, HEAL_SK, Update().set("healGeneration", generation), None, f"{key} heal")

    def add_pending_drift(self, key: InstanceKey, node_ids: list[str]) -> int | None:
        """Drift seen while a heal is claimed: remember the nodes (a string set); returns the heal's
        generation (None when it has not started an execution yet)."""
        update = Update().set("lastPendingAt", self._now()).add_to_set("pendingNodes", node_ids)
        new = self._update(key.pk, HEAL_SK, update, None, f"{key} heal", returns="ALL_NEW")
        generation = new.get("healGeneration")
        return int(generation) if generation is not None else None

    def take_pending_drift(self, key: InstanceKey) -> list[str]:
        """Atomically remove and return the pending nodes (exactly one caller gets each set)."""
        update = Update().remove("pendingNodes")
        try:
            old = self._update(key.pk, HEAL_SK, update, exists("pendingNodes"), f"{key} heal", returns="UPDATED_OLD")
        except ConditionFailed:
            return []
        return sorted(old.get("pendingNodes") or [])

    # ── drift reports and execution records ────────────────────────────────────────────────────────────

    def put_drift(
        self,
        key: InstanceKey,
        node_id: str,
        report: dict[str, Any],
        *,
        at: datetime | None = None,
        ttl: timedelta = DRIFT_TTL,
        event_id: str | None = None,
    ) -> DriftRecord:
        """Record a drift report (expires after ``ttl`` via the table's TTL). ``event_id`` (the CloudTrail
        event's id) keeps reports of one burst apart when they share a millisecond."""
        when = at or self._clock()
        detected_at = iso(when, precise=True)
        item = {
            "pk": key.pk,
            "sk": f"{DRIFT_PREFIX}{detected_at}#{node_id}" + (f"#{event_id}" if event_id else ""),
            "nodeId": node_id,
            "detectedAt": detected_at,
            "report": redact_secrets(report),
            "expiresAt": int((when + ttl).timestamp()),
        }
        self._put(item, f"{key} drift {node_id}")
        return DriftRecord.from_item(item)

    def list_drift(self, key: InstanceKey, *, since: datetime | None = None) -> list[DriftRecord]:
        """Drift reports of an instance, oldest first (those at or after ``since`` only)."""
        low = f"{DRIFT_PREFIX}{iso(since, precise=True)}" if since else DRIFT_PREFIX
        # "$" sorts right after "#": the upper bound of every DRIFT# key.
        items = self._table.query(key.pk, low=low, high=DRIFT_PREFIX[:-1] + "$")
        return [DriftRecord.from_item(i) for i in items]

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
        ttl: timedelta = EXECUTION_TTL,
    ) -> ExecutionRecord:
        """Create or update the record of one Step Functions execution (expires after ``ttl``)."""
        update = (
            Update()
            .set("name", name)
            .set("generation", generation)
            .set("state", str(state))
            .set("expiresAt", int((self._clock() + ttl).timestamp()))
            .field("executionArn", execution_arn)
            .field("startedAt", started_at)
            .field("stoppedAt", stopped_at)
            .field("error", error if error in (UNSET, None) else redact_secrets(error))
        )
        sk = f"{EXEC_PREFIX}{name}"
        new = self._update(key.pk, sk, update, None, f"{key} execution {name}", returns="ALL_NEW")
        return ExecutionRecord.from_item(new)

    def get_execution(self, key: InstanceKey, name: str) -> ExecutionRecord | None:
        item = self._table.get(key.pk, f"{EXEC_PREFIX}{name}")
        return ExecutionRecord.from_item(item) if item else None

    def list_executions(self, key: InstanceKey) -> list[ExecutionRecord]:
        """Execution records of an instance, by generation."""
        items = self._table.query(key.pk, prefix=EXEC_PREFIX)
        return sorted((ExecutionRecord.from_item(i) for i in items), key=lambda r: (r.generation, r.name))

    # ── plumbing ───────────────────────────────────────────────────────────────────────────────────────

    def _now(self) -> str:
        return iso(self._clock(), precise=True)

    def _update(
        self,
        pk: str,
        sk: str,
        update: Update,
        condition: Condition | None,
        what: str,
        *,
        returns: Returns = "UPDATED_NEW",
    ) -> dict[str, Any]:
        # What this write sets must fit on its own; the table refuses a merged item that does not.
        check_size({"pk": {"S": pk}, "sk": {"S": sk}, **update.assigned()}, what)
        return self._table.update(pk, sk, update, condition, what, returns=returns)

    def _put(self, item: dict[str, Any], what: str) -> None:
        raw = encode_item(item)
        check_size(raw, what)
        self._table.put(raw)
