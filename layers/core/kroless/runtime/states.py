"""Kro's node and instance states (kro-reference §6.5–§6.6); the enums live with the state store."""

from __future__ import annotations

from kroless.store.keys import InstanceKey
from kroless.store.records import InstanceState, NodeState

DONE = frozenset({NodeState.SYNCED, NodeState.SKIPPED})
"""Dependents may proceed: the node is ready, or excluded (its dependents are then excluded too)."""

FINAL = frozenset({NodeState.SYNCED, NodeState.SKIPPED, NodeState.ERROR, NodeState.DELETED})
"""Nothing more will happen to the node in this run."""

__all__ = ["DONE", "FINAL", "InstanceKey", "InstanceState", "NodeState"]
