"""The state store: every read and write kroless makes to its DynamoDB table.

``StateStore`` wraps a boto3 *low-level* DynamoDB client that the caller creates and injects (Lambdas
build one per container, tests pass a moto-backed one). Concurrency is handled by conditional writes, never
by locks: generations only go up, and a write that carries an older generation than the stored one raises
:class:`~kroless.store.errors.StaleGenerationError`.

Retries: throttling (:data:`~kroless.retry.DYNAMODB_THROTTLING_CODES`) is retried with backoff by botocore
itself; build the client with :func:`client_config` (standard retry mode, 10 attempts) or :func:`make_client`.
What is still throttled after that surfaces as :class:`~kroless.store.errors.StoreThrottledError`, which a
Step Functions ``Retry`` can match by name. ``BatchWriteItem`` leftovers (``UnprocessedItems``), which botocore
does not retry, are retried here with exponential backoff.

Example::

    store = StateStore(table_from_environment(), make_client())  # kroless.services: CloudFormation names the table
    generation = store.admit_instance(InstanceKey.from_manifest(doc), "webapp", doc)
"""

from __future__ import annotations

import enum
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from kroless.clock import iso
from kroless.retry import DYNAMODB_THROTTLING_CODES
from kroless.store.codec import RawItem, canonical_hash, check_size, decode_item, encode, encode_item
from kroless.store.errors import (
    InstanceDeletingError,
    InstanceNotFoundError,
    ItemTooLargeError,
    OwnershipConflictError,
    StaleGenerationError,
    StoreError,
    StoreThrottledError,
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
)
from kroless.store.redact import redact_secrets
from kroless.store.table import LISTING_INDEX, OWNERSHIP_INDEX

RGD_LIST_KEY = "RGD"
BATCH_SIZE = 25  # BatchWriteItem's limit
DRIFT_TTL = timedelta(days=14)
EXECUTION_TTL = timedelta(days=90)  # Step Functions keeps Standard execution history for 90 days
# Metadata the API server (or a client) fills in: a change there is not a change of the desired state.
VOLATILE_METADATA = ("resourceVersion", "generation", "uid", "creationTimestamp", "managedFields", "selfLink")


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET = _Unset.UNSET
"""Default of optional update fields: leave the stored value as it is (``None`` removes it)."""


class _ConditionFailed(Exception):
    """Internal: a conditional write failed; ``item`` is the stored item (decoded) when there is one."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("conditional check failed")
        self.item = item


def client_config() -> Any:
    """The botocore ``Config`` kroless expects on its DynamoDB client: standard retries, 10 attempts."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 10})


def make_client(region_name: str | None = None, endpoint_url: str | None = None) -> Any:
    """A DynamoDB client with :func:`client_config` (boto3 is imported here, not at package import)."""
    import boto3

    return boto3.client("dynamodb", region_name=region_name, endpoint_url=endpoint_url, config=client_config())


def manifest_hash(manifest: dict[str, Any]) -> str:
    """The hash that decides whether an applied instance is a new generation.

    Like Kubernetes, ``status`` and server-filled metadata do not count; unlike Kubernetes, labels and
    annotations do, because RGD templates may read them (``schema.metadata.labels``).
    """
    metadata = {k: v for k, v in (manifest.get("metadata") or {}).items() if k not in VOLATILE_METADATA}
    return canonical_hash({**{k: v for k, v in manifest.items() if k != "status"}, "metadata": metadata})


def _error_code(exc: Exception) -> str:
    # botocore's ClientError carries the service's error code; matching on it keeps botocore un-imported.
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


class _Update:
    """Builds an UpdateItem expression; attribute values are encoded under their real attribute name so
    JSON attributes are serialized (and compressed) the same way as in PutItem."""

    def __init__(self) -> None:
        self.sets: list[str] = []
        self.removes: list[str] = []
        self.adds: list[str] = []
        self.names: dict[str, str] = {}
        self.values: RawItem = {}
        self.assigned: RawItem = {}  # attribute → value, for the size check

    def name(self, attribute: str) -> str:
        self.names[f"#{attribute}"] = attribute
        return f"#{attribute}"

    def value(self, attribute: str, value: Any) -> str:
        placeholder = f":{attribute}{len(self.values)}"
        self.values[placeholder] = encode(attribute, value)
        return placeholder

    def set(self, attribute: str, value: Any) -> _Update:
        placeholder = self.value(attribute, value)
        self.sets.append(f"{self.name(attribute)} = {placeholder}")
        self.assigned[attribute] = self.values[placeholder]
        return self

    def set_if_absent(self, attribute: str, value: Any) -> _Update:
        name = self.name(attribute)
        self.sets.append(f"{name} = if_not_exists({name}, {self.value(attribute, value)})")
        return self

    def increment(self, attribute: str) -> _Update:
        name = self.name(attribute)
        zero, one = self.value(attribute, 0), self.value(attribute, 1)
        self.sets.append(f"{name} = if_not_exists({name}, {zero}) + {one}")
        return self

    def field(self, attribute: str, value: Any) -> _Update:
        """SET, or REMOVE for ``None``, or nothing for :data:`UNSET`."""
        if value is UNSET:
            return self
        if value is None:
            self.removes.append(self.name(attribute))
            return self
        return self.set(attribute, value)

    def add(self, attribute: str, amount: int) -> _Update:
        self.adds.append(f"{self.name(attribute)} {self.value(attribute, amount)}")
        return self

    def request(self, condition: str | None = None, **values: Any) -> dict[str, Any]:
        """The UpdateItem arguments; ``values`` are extra ``:placeholders`` used in ``condition``."""
        parts = []
        if self.sets:
            parts.append("SET " + ", ".join(self.sets))
        if self.removes:
            parts.append("REMOVE " + ", ".join(self.removes))
        if self.adds:
            parts.append("ADD " + ", ".join(self.adds))
        request: dict[str, Any] = {"UpdateExpression": " ".join(parts), "ExpressionAttributeNames": self.names}
        all_values = {**self.values, **{f":{k}": encode(k, v) for k, v in values.items()}}
        if condition:
            request["ConditionExpression"] = condition
            for name in re.findall(r"#(\w+)", condition):
                self.names[f"#{name}"] = name
        if all_values:
            request["ExpressionAttributeValues"] = all_values
        return request


class StateStore:
    """Reads and writes the state table (layout: :mod:`kroless.store.keys`, :mod:`kroless.store.table`).

    ``page_size`` caps each Query/Scan page (DynamoDB's own cap is 1 MB); ``clock`` returns the current
    time (tests pin it).
    """

    def __init__(
        self,
        table_name: str,
        client: Any,
        *,
        page_size: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.table_name = table_name
        self._client = client
        self._page_size = page_size
        self._clock = clock or (lambda: datetime.now(UTC))

    # ── RGDs ───────────────────────────────────────────────────────────────────────────────────────────

    def put_rgd(
        self, name: str, document: dict[str, Any], compiled: dict[str, Any], *, state: str = RgdState.ACTIVE
    ) -> RgdRecord:
        """Store an RGD and its compiled summary; ``revision`` goes up only when the document changed.

        ``compiled`` is ``{"name", "topologicalOrder", "resources": [{"id", "dependencies"}]}`` plus
        whatever per-node kind information the compiler adds; it is stored as given.
        """
        key = {"pk": {"S": rgd_pk(name)}, "sk": {"S": RGD_SK}}
        content_hash = canonical_hash(document)
        now = self._now()
        update = (
            _Update()
            .set("name", name)
            .set("listKey", RGD_LIST_KEY)
            .set("document", document)
            .set("compiled", compiled)
            .set("contentHash", content_hash)
            .set("state", str(state))
            .set("updatedAt", now)
            .set_if_absent("createdAt", now)
            .increment("revision")
        )
        try:
            self._update(
                key, update, "attribute_not_exists(#pk) OR #contentHash <> :hash", f"RGD {name}", hash=content_hash
            )
        except _ConditionFailed:
            # Same document: refresh what the compiler or the caller may change, keep the revision.
            refresh = _Update().set("compiled", compiled).set("state", str(state)).set("updatedAt", now)
            self._update(key, refresh, None, f"RGD {name}")
        record = self.get_rgd(name)
        if record is None:  # deleted between the two writes
            raise StoreError(f"RGD {name} was deleted while it was being stored", name=name)
        return record

    def get_rgd(self, name: str) -> RgdRecord | None:
        item = self._get({"pk": {"S": rgd_pk(name)}, "sk": {"S": RGD_SK}})
        return RgdRecord.from_item(item) if item else None

    def set_rgd_state(self, name: str, state: str) -> None:
        """Mark an RGD Active or Inactive (an inactive RGD admits no instance)."""
        key = {"pk": {"S": rgd_pk(name)}, "sk": {"S": RGD_SK}}
        update = _Update().set("state", str(state)).set("updatedAt", self._now())
        try:
            self._update(key, update, "attribute_exists(#pk)", f"RGD {name}")
        except _ConditionFailed:
            raise StoreError(f"RGD {name} not found", name=name) from None

    def list_rgds(self) -> list[RgdRecord]:
        """Every registered RGD (a query of the sparse ``listing`` index), sorted by name."""
        items = self._paginate(
            "query",
            IndexName=LISTING_INDEX,
            KeyConditionExpression="listKey = :k",
            ExpressionAttributeValues={":k": {"S": RGD_LIST_KEY}},
        )
        return sorted((RgdRecord.from_item(i) for i in items), key=lambda r: r.name)

    def delete_rgd(self, name: str) -> bool:
        """Remove an RGD's item (and any rejection); returns whether it existed. Its instances are not touched."""
        self.clear_rgd_rejection(name)
        response = self._call(
            "delete_item",
            TableName=self.table_name,
            Key={"pk": {"S": rgd_pk(name)}, "sk": {"S": RGD_SK}},
            ReturnValues="ALL_OLD",
        )
        return bool(response.get("Attributes"))

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
        item = self._get({"pk": {"S": rgd_pk(name)}, "sk": {"S": REJECTED_SK}})
        return RgdRejection.from_item(item) if item else None

    def clear_rgd_rejection(self, name: str) -> None:
        self._call("delete_item", TableName=self.table_name, Key={"pk": {"S": rgd_pk(name)}, "sk": {"S": REJECTED_SK}})

    # ── instances ──────────────────────────────────────────────────────────────────────────────────────

    def admit_instance(self, key: InstanceKey, rgd: str, manifest: dict[str, Any]) -> int:
        """Store the desired (validated, defaulted) manifest and return the instance's generation.

        Atomic, in one conditional UpdateItem: a new instance gets generation 1; a changed manifest (see
        :func:`manifest_hash`) gets the stored generation + 1 and state IN_PROGRESS; the same manifest
        again changes nothing and returns the stored generation (so a replayed event starts no new
        execution). Raises :class:`InstanceDeletingError` while a deletion is pending.
        """
        manifest = redact_secrets(manifest)
        digest = manifest_hash(manifest)
        now = self._now()
        update = (
            _Update()
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
        condition = (
            "attribute_not_exists(#pk) OR "
            "(#manifestHash <> :hash AND (attribute_not_exists(#deletionRequested) OR #deletionRequested = :no))"
        )
        try:
            new = self._update(self._instance_key(key), update, condition, str(key), hash=digest, no=False)
        except _ConditionFailed as failed:
            stored = failed.item or {}
            if stored.get("deletionRequested"):
                raise InstanceDeletingError(
                    f"{key} is being deleted; apply it again once the deletion has finished", name=key.name
                ) from None
            return int(stored["generation"])
        return int(new["generation"])

    def get_instance(self, key: InstanceKey) -> InstanceRecord | None:
        item = self._get(self._instance_key(key))
        return InstanceRecord.from_item(item) if item else None

    def list_instances(self, rgd: str | None = None) -> list[InstanceRecord]:
        """Instances of one RGD (a query of the ``listing`` index) or of all RGDs (a scan of that index,
        which holds only RGD and instance items, never nodes), sorted by key."""
        if rgd is not None:
            items = self._paginate(
                "query",
                IndexName=LISTING_INDEX,
                KeyConditionExpression="listKey = :k",
                ExpressionAttributeValues={":k": {"S": f"{INSTANCE_PREFIX}{rgd}"}},
            )
        else:
            items = self._paginate(
                "scan",
                IndexName=LISTING_INDEX,
                FilterExpression="begins_with(listKey, :p)",
                ExpressionAttributeValues={":p": {"S": INSTANCE_PREFIX}},
            )
        return sorted((InstanceRecord.from_item(i) for i in items), key=lambda r: r.key)

    def request_deletion(self, key: InstanceKey) -> int:
        """Flag the instance for deletion: generation + 1, state DELETING; returns the generation.

        Idempotent: asking again returns the deletion's generation. Raises :class:`InstanceNotFoundError`.
        """
        now = self._now()
        update = (
            _Update()
            .set("deletionRequested", True)
            .set("deletionRequestedAt", now)
            .set("state", InstanceState.DELETING.value)
            .set("updatedAt", now)
            .increment("generation")
        )
        condition = "attribute_exists(#pk) AND (attribute_not_exists(#deletionRequested) OR #deletionRequested = :no)"
        try:
            new = self._update(self._instance_key(key), update, condition, str(key), no=False)
        except _ConditionFailed as failed:
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
        execution: str | None | _Unset = UNSET,
    ) -> None:
        """Record the outcome of reconciling ``generation`` (it becomes ``observedGeneration``).

        Refused with :class:`StaleGenerationError` unless ``generation`` is still the instance's
        generation: a superseded execution never overwrites what a newer one reports.
        """
        update = (
            _Update()
            .set("state", str(state))
            .set("status", redact_secrets(status))
            .set("conditions", conditions)
            .set("observedGeneration", generation)
            .set("updatedAt", self._now())
            .field("currentExecution", execution)
        )
        try:
            self._update(
                self._instance_key(key),
                update,
                "attribute_exists(#pk) AND #generation = :gen",
                str(key),
                gen=generation,
            )
        except _ConditionFailed as failed:
            if not failed.item:
                raise InstanceNotFoundError(f"{key} not found", name=key.name) from None
            stored = int(failed.item["generation"])
            raise StaleGenerationError(
                f"{key}: status of generation {generation} refused, the instance is at generation {stored}",
                generation=generation,
                stored=stored,
                name=key.name,
            ) from None

    def delete_instance(self, key: InstanceKey, *, generation: int | None = None) -> int:
        """Remove the instance and every item under it (nodes, drift reports, executions).

        With ``generation``, the instance item is removed only if it is still at that generation
        (:class:`StaleGenerationError` otherwise). Returns the number of items removed.
        """
        if generation is not None:
            current = self.get_instance(key)
            if current is not None and current.generation != generation:
                raise StaleGenerationError(
                    f"{key}: delete for generation {generation} refused, the instance is at generation {current.generation}",
                    generation=generation,
                    stored=current.generation,
                    name=key.name,
                )
        children = [
            {"pk": item["pk"], "sk": item["sk"]}
            for item in self._paginate_raw(
                "query",
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": key.pk}},
                ProjectionExpression="pk, sk",
            )
            if item["sk"]["S"] != INSTANCE_SK
        ]
        self._batch_delete(children)
        # The instance item goes last: after a crash the instance is still visible and the delete retried.
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._instance_key(key),
            "ReturnValues": "ALL_OLD",
        }
        if generation is not None:
            request |= {
                "ConditionExpression": "attribute_not_exists(#pk) OR #generation = :gen",
                "ExpressionAttributeNames": {"#pk": "pk", "#generation": "generation"},
                "ExpressionAttributeValues": {":gen": encode("generation", generation)},
            }
        try:
            response = self._call("delete_item", **request)
        except _ConditionFailed as failed:
            stored = int((failed.item or {}).get("generation", 0))
            raise StaleGenerationError(
                f"{key}: delete for generation {generation} refused, the instance is at generation {stored}",
                generation=generation or 0,
                stored=stored,
                name=key.name,
            ) from None
        return len(children) + (1 if response.get("Attributes") else 0)

    # ── nodes ──────────────────────────────────────────────────────────────────────────────────────────

    def put_node(
        self,
        key: InstanceKey,
        node_id: str,
        generation: int,
        *,
        index: int | None = None,
        state: str | _Unset = UNSET,
        observed: dict[str, Any] | None | _Unset = UNSET,
        desired: dict[str, Any] | None | _Unset = UNSET,
        applied_hash: str | None | _Unset = UNSET,
        physical_id: str | None | _Unset = UNSET,
        error: NodeError | None | _Unset = UNSET,
        started_at: str | None | _Unset = UNSET,
        ready_at: str | None | _Unset = UNSET,
        durations: dict[str, float] | None | _Unset = UNSET,
        attempts: int | _Unset = UNSET,
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
            _Update()
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
        item_key = {"pk": {"S": key.pk}, "sk": {"S": node_sk(node_id, index)}}
        what = f"{key} node {node_id}" + ("" if index is None else f"[{index}]")
        try:
            new = self._update(
                item_key,
                update,
                "attribute_not_exists(#pk) OR #generation <= :gen",
                what,
                gen=generation,
                returns="ALL_NEW",
            )
        except _ConditionFailed as failed:
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
        item = self._get({"pk": {"S": key.pk}, "sk": {"S": node_sk(node_id, index)}})
        return NodeRecord.from_item(item) if item else None

    def get_nodes(self, key: InstanceKey, node_id: str | None = None) -> list[NodeRecord]:
        """All node items of an instance (or of one node: the node and its collection items), sorted by
        node id then index. Reads every page of the query."""
        prefix = node_sk(node_id) if node_id else NODE_PREFIX
        items = self._paginate(
            "query",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": key.pk}, ":prefix": {"S": prefix}},
            ConsistentRead=True,
        )
        records = [NodeRecord.from_item(i) for i in items]
        if node_id:  # "NODE#db" is also a prefix of "NODE#dbSubnet"
            records = [r for r in records if r.node_id == node_id]
        return sorted(records, key=lambda r: (r.node_id, -1 if r.index is None else r.index))

    def delete_node(self, key: InstanceKey, node_id: str, index: int | None = None) -> bool:
        """Remove one node item; returns whether it existed."""
        response = self._call(
            "delete_item",
            TableName=self.table_name,
            Key={"pk": {"S": key.pk}, "sk": {"S": node_sk(node_id, index)}},
            ReturnValues="ALL_OLD",
        )
        return bool(response.get("Attributes"))

    # ── ownership ──────────────────────────────────────────────────────────────────────────────────────

    def owners_of(self, physical_id: str) -> list[Owner]:
        """Every node that records ``physical_id`` (the ``ownership`` index; eventually consistent)."""
        items = self._paginate_raw(
            "query",
            IndexName=OWNERSHIP_INDEX,
            KeyConditionExpression="physicalId = :id",
            ExpressionAttributeValues={":id": {"S": physical_id}},
        )
        owners = set()
        for item in items:
            sk = item["sk"]["S"]
            node_id, index = parse_alias_sk(sk) if sk.startswith(ALIAS_PREFIX) else parse_node_sk(sk)
            owners.add(Owner(InstanceKey.parse(item["pk"]["S"]), node_id, index))
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

    def owner_of(self, physical_id: str) -> Owner | None:
        """The node that manages ``physical_id``, or None. Two claimants is a bug worth stopping on:
        :class:`OwnershipConflictError` names both."""
        owners = self.owners_of(physical_id)
        if len(owners) > 1:
            claimants = ", ".join(f"{o.key} node {o.node_id}" for o in owners)
            raise OwnershipConflictError(f"{physical_id} is claimed by more than one node: {claimants}")
        return owners[0] if owners else None

    # ── heals: reconcile epochs and their debounce ─────────────────────────────────────────────────────

    def bump_generation(self, key: InstanceKey, reason: str) -> int | None:
        """Start a new reconcile epoch: generation + 1 with the manifest unchanged (a heal). The execution
        name carries the generation, so the heal is a distinct execution, and the state machine's gates
        (node generation == execution generation) order it exactly like an apply. Returns the generation,
        or None when the instance is gone or being deleted (nothing to heal)."""
        now = self._now()
        update = (
            _Update()
            .set("state", InstanceState.IN_PROGRESS.value)
            .set("updatedAt", now)
            .set("lastHealAt", now)
            .set("lastHealReason", reason[:500])
            .increment("generation")
            .add("heals", 1)
        )
        condition = "attribute_exists(#pk) AND (attribute_not_exists(#deletionRequested) OR #deletionRequested = :no)"
        try:
            new = self._update(self._instance_key(key), update, condition, str(key), no=False)
        except _ConditionFailed:
            return None
        return int(new["generation"])

    def claim_heal(self, key: InstanceKey, window: timedelta, *, force: bool = False) -> bool:
        """The debounce: True for the first caller per instance per ``window`` (a conditional write on the
        instance's ``HEAL`` item), False for every other caller inside the window. ``force`` claims anyway
        (a trailing heal for drift seen while the previous one ran)."""
        now = self._clock()
        update = (
            _Update()
            .set("until", int((now + window).timestamp() * 1000))
            .set("claimedAt", iso(now, precise=True))
            .set("expiresAt", int((now + window + DRIFT_TTL).timestamp()))
            .field("healGeneration", None)
        )
        item_key = {"pk": {"S": key.pk}, "sk": {"S": HEAL_SK}}
        try:
            if force:
                self._update(item_key, update, None, f"{key} heal")
            else:
                condition = "attribute_not_exists(#pk) OR #until <= :now"
                self._update(item_key, update, condition, f"{key} heal", now=int(now.timestamp() * 1000))
        except _ConditionFailed:
            return False
        return True

    def set_heal_generation(self, key: InstanceKey, generation: int) -> None:
        """Remember which generation the claimed heal runs (its finalize settles the pending drift)."""
        update = _Update().set("healGeneration", generation)
        self._update({"pk": {"S": key.pk}, "sk": {"S": HEAL_SK}}, update, None, f"{key} heal")

    def add_pending_drift(self, key: InstanceKey, node_ids: list[str]) -> int | None:
        """Drift seen while a heal is claimed: remember the nodes (a string set); returns the heal's
        generation (None when it has not started an execution yet)."""
        update = _Update().set("lastPendingAt", self._now())
        if node_ids:
            name = update.name("pendingNodes")
            update.adds.append(f"{name} :pending")
        request = update.request()
        if node_ids:
            request.setdefault("ExpressionAttributeValues", {})[":pending"] = {"SS": sorted(set(node_ids))}
        response = self._call(
            "update_item",
            TableName=self.table_name,
            Key={"pk": {"S": key.pk}, "sk": {"S": HEAL_SK}},
            ReturnValues="ALL_NEW",
            **request,
        )
        generation = response.get("Attributes", {}).get("healGeneration", {}).get("N")
        return int(generation) if generation is not None else None

    def take_pending_drift(self, key: InstanceKey) -> list[str]:
        """Atomically remove and return the pending nodes (exactly one caller gets each set)."""
        try:
            response = self._call(
                "update_item",
                TableName=self.table_name,
                Key={"pk": {"S": key.pk}, "sk": {"S": HEAL_SK}},
                UpdateExpression="REMOVE #p",
                ConditionExpression="attribute_exists(#p)",
                ExpressionAttributeNames={"#p": "pendingNodes"},
                ReturnValues="UPDATED_OLD",
            )
        except _ConditionFailed:
            return []
        return sorted(response.get("Attributes", {}).get("pendingNodes", {}).get("SS", []))

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
        items = self._paginate(
            "query",
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            # "$" sorts right after "#": the upper bound of every DRIFT# key.
            ExpressionAttributeValues={":pk": {"S": key.pk}, ":low": {"S": low}, ":high": {"S": "DRIFT$"}},
        )
        return [DriftRecord.from_item(i) for i in items]

    def put_execution(
        self,
        key: InstanceKey,
        name: str,
        generation: int,
        state: str,
        *,
        execution_arn: str | None | _Unset = UNSET,
        started_at: str | None | _Unset = UNSET,
        stopped_at: str | None | _Unset = UNSET,
        error: dict[str, Any] | None | _Unset = UNSET,
        ttl: timedelta = EXECUTION_TTL,
    ) -> ExecutionRecord:
        """Create or update the record of one Step Functions execution (expires after ``ttl``)."""
        update = (
            _Update()
            .set("name", name)
            .set("generation", generation)
            .set("state", str(state))
            .set("expiresAt", int((self._clock() + ttl).timestamp()))
            .field("executionArn", execution_arn)
            .field("startedAt", started_at)
            .field("stoppedAt", stopped_at)
            .field("error", error if error in (UNSET, None) else redact_secrets(error))
        )
        item_key = {"pk": {"S": key.pk}, "sk": {"S": f"{EXEC_PREFIX}{name}"}}
        new = self._update(item_key, update, None, f"{key} execution {name}", returns="ALL_NEW")
        return ExecutionRecord.from_item(new)

    def get_execution(self, key: InstanceKey, name: str) -> ExecutionRecord | None:
        item = self._get({"pk": {"S": key.pk}, "sk": {"S": f"{EXEC_PREFIX}{name}"}})
        return ExecutionRecord.from_item(item) if item else None

    def list_executions(self, key: InstanceKey) -> list[ExecutionRecord]:
        """Execution records of an instance, by generation."""
        items = self._paginate(
            "query",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": {"S": key.pk}, ":p": {"S": EXEC_PREFIX}},
        )
        return sorted((ExecutionRecord.from_item(i) for i in items), key=lambda r: (r.generation, r.name))

    # ── plumbing ───────────────────────────────────────────────────────────────────────────────────────

    def _now(self) -> str:
        return iso(self._clock(), precise=True)

    @staticmethod
    def _instance_key(key: InstanceKey) -> RawItem:
        return {"pk": {"S": key.pk}, "sk": {"S": INSTANCE_SK}}

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One client call, with DynamoDB's errors turned into the store's."""
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**kwargs)
            return response
        except Exception as exc:
            code = _error_code(exc)
            if code == "ConditionalCheckFailedException":
                old = getattr(exc, "response", {}).get("Item")
                raise _ConditionFailed(decode_item(old) if old else None) from exc
            if code in DYNAMODB_THROTTLING_CODES:
                raise StoreThrottledError(
                    f"DynamoDB {operation} on {self.table_name} still throttled after retries: {exc}"
                ) from exc
            if code == "ValidationException" and "maximum allowed size" in str(exc):
                raise ItemTooLargeError(f"{operation} on {self.table_name}: {exc}") from exc
            if code == "ResourceNotFoundException":
                raise StoreError(f"state table {self.table_name} not found: {exc}") from exc
            raise

    def _get(self, key: RawItem) -> dict[str, Any] | None:
        # Strongly consistent: a reconcile must see the write the previous step made.
        item = self._call("get_item", TableName=self.table_name, Key=key, ConsistentRead=True).get("Item")
        return decode_item(item) if item else None

    def _put(self, item: dict[str, Any], what: str) -> None:
        raw = encode_item(item)
        check_size(raw, what)
        self._call("put_item", TableName=self.table_name, Item=raw)

    def _update(
        self,
        key: RawItem,
        update: _Update,
        condition: str | None,
        what: str,
        *,
        returns: str = "UPDATED_NEW",
        **values: Any,
    ) -> dict[str, Any]:
        """UpdateItem; returns the decoded ``Attributes``; raises :class:`_ConditionFailed` with the
        stored item when ``condition`` does not hold."""
        check_size({**key, **update.assigned}, what)
        request = update.request(condition, **values)
        if condition:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        response = self._call("update_item", TableName=self.table_name, Key=key, ReturnValues=returns, **request)
        return decode_item(response.get("Attributes", {}))

    def _paginate_raw(self, operation: str, **kwargs: Any) -> Iterator[RawItem]:
        """Every item of a Query or Scan, following ``LastEvaluatedKey`` across pages."""
        kwargs["TableName"] = self.table_name
        if self._page_size:
            kwargs["Limit"] = self._page_size
        while True:
            response = self._call(operation, **kwargs)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _paginate(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return (decode_item(item) for item in self._paginate_raw(operation, **kwargs))

    def _batch_delete(self, keys: list[RawItem], *, max_rounds: int = 8) -> None:
        """BatchWriteItem in chunks of 25; leftovers are retried with exponential backoff."""
        for start in range(0, len(keys), BATCH_SIZE):
            pending = [{"DeleteRequest": {"Key": k}} for k in keys[start : start + BATCH_SIZE]]
            for attempt in range(max_rounds):
                response = self._call("batch_write_item", RequestItems={self.table_name: pending})
                pending = response.get("UnprocessedItems", {}).get(self.table_name, [])
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 2.0))
            else:
                raise StoreThrottledError(
                    f"{len(pending)} deletes in {self.table_name} still unprocessed after {max_rounds} rounds"
                )
