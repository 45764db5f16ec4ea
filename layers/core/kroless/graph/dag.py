"""A small, dependency-free directed acyclic graph with Kro's ordering rules.

Edges point from a vertex to the vertices it depends on. Adding dependencies that would close a cycle
is refused (and rolled back) with ``graph contains a cycle: a -> b -> a``. The topological order is
Kahn's algorithm with a min-heap on (authored index, id): deterministic and as close to the authored
order as the dependencies allow.
"""

from __future__ import annotations

import heapq

from kroless.errors import GraphError


class CycleError(GraphError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__("graph contains a cycle: " + " -> ".join(cycle))
        self.cycle = cycle


class DAG:
    def __init__(self) -> None:
        self._order: dict[str, int] = {}
        # dict-as-ordered-set keeps dependency order stable (first reference first)
        self._depends_on: dict[str, dict[str, None]] = {}

    @property
    def vertices(self) -> list[str]:
        return sorted(self._order, key=lambda v: (self._order[v], v))

    def add_vertex(self, vertex: str, order: int) -> None:
        if vertex in self._order:
            raise GraphError(f"node {vertex} already exists")
        self._order[vertex] = order
        self._depends_on[vertex] = {}

    def dependencies(self, vertex: str) -> list[str]:
        return list(self._depends_on[vertex])

    def dependents(self, vertex: str) -> list[str]:
        return [v for v in self.vertices if vertex in self._depends_on[v]]

    def add_dependencies(self, vertex: str, dependencies: list[str]) -> None:
        if vertex not in self._order:
            raise GraphError(f"node {vertex} does not exist")
        edges = self._depends_on[vertex]
        added = []
        for dependency in dependencies:
            if dependency not in self._order:
                raise GraphError(f"node {dependency} does not exist")
            if dependency == vertex:
                raise GraphError("self references are not allowed")
            if dependency not in edges:
                edges[dependency] = None
                added.append(dependency)
        cycle = self._find_cycle(start=vertex)
        if cycle:
            for dependency in added:
                del edges[dependency]
            raise CycleError(cycle)

    def _find_cycle(self, start: str | None = None) -> list[str] | None:
        """A cycle as a path that starts and ends on the same vertex, or None. Iterative DFS.

        With ``start``, only cycles through ``start`` are looked for: the graph was acyclic before
        ``start`` got its new edges, so any new cycle passes through it, and the search stays local
        (a 1,000-node RGD would otherwise walk the whole graph once per node).
        """
        visited: set[str] = set()
        roots = [start] if start else self.vertices
        for root in roots:
            if root in visited:
                continue
            path: list[str] = [root]
            on_path = {root}
            stack = [iter(self._depends_on[root])]
            visited.add(root)
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    stack.pop()
                    on_path.discard(path.pop())
                    continue
                if nxt in on_path:
                    return path[path.index(nxt) :] + [nxt]
                if nxt not in visited:
                    visited.add(nxt)
                    path.append(nxt)
                    on_path.add(nxt)
                    stack.append(iter(self._depends_on[nxt]))
        return None

    def topological_order(self) -> list[str]:
        remaining = {v: len(deps) for v, deps in self._depends_on.items()}
        dependents: dict[str, list[str]] = {v: [] for v in self._order}
        for vertex, deps in self._depends_on.items():
            for dependency in deps:
                dependents[dependency].append(vertex)
        ready = [(self._order[v], v) for v, count in remaining.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, vertex = heapq.heappop(ready)
            order.append(vertex)
            for dependent in dependents[vertex]:
                remaining[dependent] -= 1
                if remaining[dependent] == 0:
                    heapq.heappush(ready, (self._order[dependent], dependent))
        if len(order) != len(self._order):
            raise CycleError(self._find_cycle() or [])
        return order

    def reverse_topological_layers(self) -> list[list[str]]:
        """Deletion waves: each layer holds vertices none of whose remaining dependents exist.

        Layer 0 are the leaves of the dependency graph (nothing depends on them); the last layer holds
        the roots. Within a layer, authored order.
        """
        pending_dependents = {v: 0 for v in self._order}
        for deps in self._depends_on.values():
            for dependency in deps:
                pending_dependents[dependency] += 1
        layers: list[list[str]] = []
        current = [v for v in self.vertices if pending_dependents[v] == 0]
        while current:
            layers.append(current)
            following = set()
            for vertex in current:
                for dependency in self._depends_on[vertex]:
                    pending_dependents[dependency] -= 1
                    if pending_dependents[dependency] == 0:
                        following.add(dependency)
            current = [v for v in self.vertices if v in following]
        return layers

    def apply_orders(self) -> dict[str, int]:
        """Kro's ``internal.kro.run/apply-order``: 1 for roots, larger for later waves."""
        layers = self.reverse_topological_layers()
        return {v: len(layers) - i for i, layer in enumerate(layers) for v in layer}
