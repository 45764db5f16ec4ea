"""The schedule of a reconcile: which nodes run in sequence, which in parallel, which wait behind a gate.

Step Functions has two ways to order work: states in sequence and the branches of a Parallel state. A
dependency graph that is *series-parallel* (no "N" ``a→c, b→c, b→d`` without ``a→d``) nests exactly into
those two, so the execution takes exactly the critical path. The rest of a graph cannot be expressed with
them without adding edges (a level-by-level schedule adds them all), so those parts run as one Parallel
with one branch per chain of nodes, and a node's task waits (a *gate*: it parks its task token until the
dependency's task answers it, kroless.callbacks) for each dependency that is not its predecessor on its own chain.

The decomposition is the classic one for partial orders: a set of nodes is a parallel composition when its
comparability graph is disconnected (the parts never wait for each other), a series composition when its
incomparability graph is disconnected (every node of one part precedes every node of the next); a set that
is neither (a "prime" set: Dogs-vs-Cats is one) is covered by a minimum set of chains (maximum matching on
the edges of its transitive reduction), which also minimises the number of gates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kroless.graph import Graph


@dataclass(frozen=True)
class Step:
    """One node; ``gates`` are dependencies its task waits for (those its position cannot imply)."""

    id: str
    gates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Seq:
    items: tuple[Block, ...]


@dataclass(frozen=True)
class Par:
    branches: tuple[Block, ...]


Block = Step | Seq | Par


def steps(block: Block) -> Iterator[Step]:
    """Every step of a plan, in emission order."""
    if isinstance(block, Step):
        yield block
    elif isinstance(block, Seq):
        for item in block.items:
            yield from steps(item)
    else:
        for branch in block.branches:
            yield from steps(branch)


def gate_count(block: Block | None) -> int:
    return 0 if block is None else sum(len(step.gates) for step in steps(block))


class _Poset:
    """Reachability as bitsets (Python ints) over the vertices in topological order."""

    def __init__(self, dependencies: Mapping[str, Sequence[str]], order: Sequence[str]) -> None:
        self.order = list(order)
        self.index = {v: i for i, v in enumerate(self.order)}
        self.deps = {v: [d for d in dependencies.get(v, ()) if d in self.index] for v in self.order}
        self.ancestors: dict[str, int] = {}
        for v in self.order:
            mask = 0
            for d in self.deps[v]:
                mask |= self.ancestors[d] | self.bit(d)
            self.ancestors[v] = mask
        self.descendants: dict[str, int] = {v: 0 for v in self.order}
        for v in self.order:
            for i in _bits(self.ancestors[v]):
                self.descendants[self.order[i]] |= self.bit(v)
        # transitive reduction: d is a direct predecessor unless another dependency already depends on it
        self.hasse = {
            v: [d for d in self.deps[v] if not any(self.ancestors[o] & self.bit(d) for o in self.deps[v] if o != d)]
            for v in self.order
        }

    def bit(self, v: str) -> int:
        return 1 << self.index[v]

    def comparable(self, v: str) -> int:
        return self.ancestors[v] | self.descendants[v]

    def members(self, mask: int) -> list[str]:
        return [self.order[i] for i in _bits(mask)]


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _components(poset: _Poset, mask: int, *, comparable: bool) -> list[int]:
    """Connected components of the (in)comparability graph induced on ``mask``, in topological order."""
    components = []
    remaining = mask
    while remaining:
        seed = remaining & -remaining
        component = seed
        frontier = seed
        while frontier:
            grown = 0
            for i in _bits(frontier):
                v = poset.order[i]
                neighbours = poset.comparable(v) if comparable else ~(poset.comparable(v) | poset.bit(v))
                grown |= neighbours & mask
            frontier = grown & ~component
            component |= grown
        components.append(component)
        remaining &= ~component
    return components


def _chains(poset: _Poset, mask: int) -> Par:
    """A prime set: a minimum chain cover of its Hasse diagram; every uncovered edge becomes a gate."""
    members = poset.members(mask)
    inside = set(members)
    preds = {v: [d for d in poset.hasse[v] if d in inside] for v in members}
    successor: dict[str, str] = {}  # matched edge u -> v: v follows u on u's chain
    predecessor: dict[str, str] = {}

    def augment(v: str, seen: set[str]) -> bool:  # Kuhn's augmenting path from the successor side
        for u in preds[v]:
            if u in seen:
                continue
            seen.add(u)
            if u not in successor or augment(successor[u], seen):
                successor[u] = v
                predecessor[v] = u
                return True
        return False

    for v in members:
        augment(v, set())
    branches: list[Block] = []
    for head in members:
        if head in predecessor:
            continue
        chain: list[Block] = []
        current: str | None = head
        while current is not None:
            gates = tuple(d for d in preds[current] if d != predecessor.get(current))
            chain.append(Step(current, gates))
            current = successor.get(current)
        branches.append(chain[0] if len(chain) == 1 else Seq(tuple(chain)))
    return Par(tuple(branches))


def _decompose(poset: _Poset, mask: int) -> Block:
    members = poset.members(mask)
    if len(members) == 1:
        return Step(members[0])
    parts = _components(poset, mask, comparable=True)
    if len(parts) > 1:
        return Par(tuple(_decompose(poset, part) for part in parts))
    parts = _components(poset, mask, comparable=False)
    if len(parts) > 1:
        # series parts are totally ordered; their first members sort them in topological order
        parts.sort(key=lambda part: (part & -part).bit_length())
        return Seq(tuple(_decompose(poset, part) for part in parts))
    return _chains(poset, mask)


def _normalise(block: Block) -> Block:
    """Inline nested sequences (a Seq inside a Seq) and nested parallels (a Par directly inside a Par)."""
    if isinstance(block, Step):
        return block
    if isinstance(block, Seq):
        items: list[Block] = []
        for item in map(_normalise, block.items):
            items.extend(item.items if isinstance(item, Seq) else (item,))
        return items[0] if len(items) == 1 else Seq(tuple(items))
    branches: list[Block] = []
    for branch in map(_normalise, block.branches):
        branches.extend(branch.branches if isinstance(branch, Par) else (branch,))
    return branches[0] if len(branches) == 1 else Par(tuple(branches))


def plan_dag(dependencies: Mapping[str, Sequence[str]], order: Sequence[str]) -> Block | None:
    """The schedule of a DAG: nested Seq/Par where the graph is series-parallel, gated chains elsewhere.

    ``order`` is a topological order of the vertices (dependencies first); it makes the plan deterministic
    (branches and chains appear in that order). ``None`` for an empty graph.
    """
    if not order:
        return None
    poset = _Poset(dependencies, order)
    return _normalise(_decompose(poset, (1 << len(order)) - 1))


def plan_levels(dependencies: Mapping[str, Sequence[str]], order: Sequence[str]) -> Block | None:
    """The level-by-level schedule (a node's level is 1 + its deepest dependency's): for comparison only."""
    if not order:
        return None
    level: dict[str, int] = {}
    for v in order:
        level[v] = 1 + max((level[d] for d in dependencies.get(v, ()) if d in level), default=-1)
    waves = [[v for v in order if level[v] == n] for n in range(max(level.values()) + 1)]
    return _normalise(Seq(tuple(Par(tuple(Step(v) for v in wave)) for wave in waves)))


def reverse(
    dependencies: Mapping[str, Sequence[str]], order: Sequence[str], keep: set[str] | None = None
) -> dict[str, list[str]]:
    """Deletion dependencies: a node waits for its dependents. Nodes outside ``keep`` (externalRefs, never
    deleted) are contracted away, their edges passing through so the order stays transitive."""
    kept = set(order) if keep is None else keep
    dependents = _dependents(dependencies, order)
    return {v: _kept_dependents(v, dependents, kept) for v in order if v in kept}


def deletion_dependencies(graph: Graph, node_id: str | None = None) -> dict[str, list[str]]:
    """A node is deleted after all its dependents are gone; externalRefs are never deleted. ``node_id``: that
    node's entry only (what a delete task waits for)."""
    keep = {v for v, node in graph.nodes.items() if not node.is_external}
    dependencies = {v: graph.nodes[v].dependencies for v in graph.nodes}
    if node_id is None:
        return reverse(dependencies, graph.topological_order, keep)
    return {node_id: _kept_dependents(node_id, _dependents(dependencies, graph.topological_order), keep)}


def _dependents(dependencies: Mapping[str, Sequence[str]], order: Sequence[str]) -> dict[str, list[str]]:
    dependents: dict[str, list[str]] = {v: [] for v in order}
    for v in order:
        for d in dependencies.get(v, ()):
            if d in dependents:
                dependents[d].append(v)
    return dependents


def _kept_dependents(v: str, dependents: Mapping[str, list[str]], kept: set[str]) -> list[str]:
    found: list[str] = []
    stack = list(dependents[v])
    seen: set[str] = set()
    while stack:
        w = stack.pop(0)
        if w in seen:
            continue
        seen.add(w)
        if w in kept:
            found.append(w)
        else:
            stack.extend(dependents[w])
    return found
