"""The in-process scheduler: runs an instance's graph the way the generated state machine does.

A node starts as soon as its own dependencies are done (the DAG, not its levels); a node that is not
ready yet is polled again after ``poll`` seconds until ``node_timeout``. Deletion runs the graph in
reverse: a node after all of its dependents are gone. Step Functions replaces this on AWS and on the
local cloud; tests of the reconcile semantics use it directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kroless.graph import Graph
from kroless.runtime.reconciler import NodeOutcome, Reconciler
from kroless.runtime.states import DONE, FINAL, InstanceKey, NodeState
from kroless.runtime.status import finalize


class LocalDriver:
    def __init__(
        self,
        reconciler: Reconciler,
        *,
        poll: float = 0.05,
        node_timeout: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.reconciler = reconciler
        self.poll = poll
        self.node_timeout = node_timeout
        self.clock = clock
        self.sleep = sleep
        self.outcomes: list[NodeOutcome] = []

    def _graph(self, key: InstanceKey) -> Graph | None:
        instance = self.reconciler.store.get_instance(key)
        return None if instance is None else self.reconciler.graphs(instance.rgd)

    def run(self, key: InstanceKey, generation: int) -> dict[str, Any]:
        graph = self._graph(key)
        if graph is None:
            return {"state": "DELETED"}
        states: dict[str, NodeState] = {}
        applied: set[str] = set()
        started = self.clock()
        while True:
            for rid in graph.topological_order:
                if states.get(rid) in FINAL:
                    continue
                dependencies = [states.get(dep) for dep in graph.nodes[rid].dependencies]
                if any(dep not in DONE for dep in dependencies):
                    continue
                outcome = self.reconciler.reconcile_node(key, generation, rid, check_only=rid in applied)
                self.outcomes.append(outcome)
                if outcome.superseded:
                    return {"state": "SUPERSEDED"}
                applied.add(rid)
                states[rid] = outcome.state
            if all(states.get(rid) in FINAL for rid in graph.nodes):
                break
            blocked = any(s == NodeState.ERROR for s in states.values())
            if blocked or self.clock() - started > self.node_timeout:
                break
            self.sleep(self.poll)
        return finalize(self.reconciler, key, generation)

    def delete(self, key: InstanceKey, generation: int) -> dict[str, Any]:
        graph = self._graph(key)
        if graph is None:
            return {"state": "DELETED"}
        finalize(self.reconciler, key, generation, deleting=True)
        started = self.clock()
        for layer in graph.dag.reverse_topological_layers():
            pending = list(layer)
            while pending:
                outcomes = [self.reconciler.delete_node(key, generation, rid) for rid in pending]
                self.outcomes.extend(outcomes)
                failed = [o for o in outcomes if o.state == NodeState.ERROR]
                if failed:
                    return finalize(self.reconciler, key, generation, deleting=True) | {"error": failed[0].message}
                pending = [o.node for o in outcomes if o.state != NodeState.DELETED]
                if pending:
                    if self.clock() - started > self.node_timeout:
                        return {"state": "DELETING", "error": f"timed out deleting {', '.join(pending)}"}
                    self.sleep(self.poll)
        self.reconciler.store.delete_instance(key)
        return {"state": "DELETED"}
