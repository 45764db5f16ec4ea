"""kroless's state store: one DynamoDB table holds every RGD, instance, node, drift report and execution.

Table layout (keys ``pk``/``sk``, both strings; on-demand; TTL on ``expiresAt``)::

    pk                                             sk                     what
    RGD#<name>                                     RGD                    document, compiled summary,
                                                                          contentHash, state, revision
                                                   REJECTED               eventId, contentHash, reason,
                                                                          rejectedAt (the compile function's
                                                                          last failure)
    INSTANCE#<group>/<version>/<kind>/<ns>/<name>  INSTANCE               rgdName, manifest, manifestHash,
                                                                          generation, observedGeneration,
                                                                          state, status, conditions,
                                                                          deletionRequested, currentExecution,
                                                                          uid (assigned at first admission)
                                                   NODE#<id>[#<index>]    state, generation, observed,
                                                                          desired, appliedHash, physicalId,
                                                                          error, startedAt, readyAt,
                                                                          durations, attempts
                                                   DRIFT#<iso time>#<id>  nodeId, report, expiresAt
                                                   EXEC#<name>            generation, state, executionArn,
                                                                          startedAt, stoppedAt, expiresAt

Indexes: ``ownership`` (``physicalId`` → node keys) for drift; ``listing`` (``listKey`` = ``RGD`` or
``INSTANCE#<rgd>``, sorted by ``pk``) for ``list_rgds``/``list_instances`` without scanning node items.
Cluster-scoped instances use namespace ``_``. Documents are canonical JSON, compressed when large
(:mod:`kroless.store.codec`); Secret values are replaced by digests (:mod:`kroless.store.redact`).

The engine depends on the :class:`Store` protocol (:mod:`kroless.store.protocol`); :class:`StateStore` is its
DynamoDB implementation. The logic (generation rules, conditional writes, errors) lives once in
:mod:`kroless.store.base`, over a small table interface that :mod:`kroless.store.store` implements with DynamoDB
calls (and ``kroless_cli.testing.memory`` with a dict, for tests).

boto3 is imported only by :func:`make_client`: callers inject the client.
"""

from kroless.store.base import manifest_hash
from kroless.store.codec import canonical_hash, canonical_json
from kroless.store.errors import (
    InstanceDeletingError,
    InstanceNotFoundError,
    ItemTooLargeError,
    OwnershipConflictError,
    StaleGenerationError,
    StoreError,
    StoreThrottledError,
)
from kroless.store.expressions import UNSET
from kroless.store.keys import CLUSTER_SCOPE, InstanceKey
from kroless.store.protocol import Store
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
from kroless.store.store import StateStore, client_config, make_client
from kroless.store.table import LISTING_INDEX, OWNERSHIP_INDEX, TTL_ATTRIBUTE, create_table, table_definition

__all__ = [
    "CLUSTER_SCOPE",
    "LISTING_INDEX",
    "OWNERSHIP_INDEX",
    "TTL_ATTRIBUTE",
    "UNSET",
    "DriftRecord",
    "ExecutionRecord",
    "InstanceDeletingError",
    "InstanceKey",
    "InstanceNotFoundError",
    "InstanceRecord",
    "InstanceState",
    "ItemTooLargeError",
    "NodeError",
    "NodeRecord",
    "NodeState",
    "Owner",
    "OwnershipConflictError",
    "RgdRecord",
    "RgdRejection",
    "RgdState",
    "StaleGenerationError",
    "StateStore",
    "Store",
    "StoreError",
    "StoreThrottledError",
    "Waiter",
    "canonical_hash",
    "canonical_json",
    "client_config",
    "create_table",
    "make_client",
    "manifest_hash",
    "redact_secrets",
    "table_definition",
]
