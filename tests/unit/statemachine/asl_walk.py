"""Read a generated definition back: which nodes are certainly done when each node's task starts.

Independent of the planner: it follows the ASL itself. In a branch, the success path runs from state to
state (a node's task succeeds only once its node is done: its Retry polls, its Catch stops); a Parallel
guarantees, after it, every node of its branches. A dependency on another branch is not guaranteed by the
ASL: the node's task waits for it itself (it parks its task token until the dependency is done), which the tests check apart.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kroless.compiler import compile_documents
from kroless.graph import Graph
from kroless.model import Document, load_path

ARN = "arn:aws:lambda:us-west-2:123456789012:function:"
RECONCILE_ARN = ARN + "kroless-reconcile"
FINALIZE_ARN = ARN + "kroless-finalize"


def node_tasks(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, machine-wide, as (name, state)."""

    def walk(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        for name, state in states.items():
            yield name, state
            for branch in state.get("Branches", []):
                yield from walk(branch["States"])
            if "ItemProcessor" in state:
                yield from walk(state["ItemProcessor"]["States"])

    yield from walk(definition["States"])


def scopes(definition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The machine and each Parallel branch and Map processor in it: each has its own StartAt and States."""
    yield definition
    for state in definition["States"].values():
        for branch in state.get("Branches", []):
            yield from scopes(branch)
        if "ItemProcessor" in state:
            yield from scopes(state["ItemProcessor"])


def transitions(state: dict[str, Any]) -> list[str]:
    """Where a state can go next in its scope: Next, a Choice's rules and Default, a Catch."""
    targets = [state.get("Next"), state.get("Default")]
    targets += [rule.get("Next") for rule in state.get("Choices", [])]
    targets += [catcher.get("Next") for catcher in state.get("Catch", [])]
    return [target for target in targets if target]


def unreachable_states(definition: dict[str, Any]) -> list[str]:
    """States no path from their scope's StartAt reaches (AWS refuses such a machine)."""
    unreachable = []
    for scope in scopes(definition):
        states = scope["States"]
        reached: set[str] = set()
        pending = [scope["StartAt"]]
        while pending:
            name = pending.pop()
            if name not in reached and name in states:
                reached.add(name)
                pending.extend(transitions(states[name]))
        unreachable += [name for name in states if name not in reached]
    return unreachable


def _payload(state: dict[str, Any]) -> dict[str, Any]:
    return state.get("Parameters", {}).get("Payload", {})


def guarantees(branch: dict[str, Any], before: frozenset[str], found: dict[str, frozenset[str]]) -> frozenset[str]:
    """Walk one branch's success path; record, per node task, the nodes certainly done when it starts;
    return the nodes done at the branch's end."""
    states = branch["States"]
    done = set(before)
    name: str | None = branch["StartAt"]
    while name is not None:
        state = states[name]
        if state["Type"] == "Parallel":
            after = set(done)
            for sub in state["Branches"]:
                after |= guarantees(sub, frozenset(done), found)
            done = after
            name = state.get("Next")
            continue
        if state["Type"] == "Task" and "node" in _payload(state):
            node = _payload(state)["node"]
            found[node] = frozenset(done)
            done.add(node)
        name = state.get("Next")
    return frozenset(done)


def starts_after(definition: dict[str, Any], mode_state: str) -> dict[str, frozenset[str]]:
    """For the ``Reconcile`` or ``Delete`` part: node -> nodes certainly done before its task starts."""
    found: dict[str, frozenset[str]] = {}
    state = definition["States"][mode_state]
    for branch in state.get("Branches", []):
        guarantees(branch, frozenset(), found)
    return found


def closure(nodes: frozenset[str], dependencies: dict[str, list[str]]) -> set[str]:
    """Nodes done, plus everything they needed (a done node's dependencies were done before it)."""
    result: set[str] = set()
    stack = list(nodes)
    while stack:
        v = stack.pop()
        if v not in result:
            result.add(v)
            stack.extend(dependencies.get(v, []))
    return result


def ancestors(v: str, dependencies: dict[str, list[str]]) -> set[str]:
    return closure(frozenset(dependencies.get(v, [])), dependencies)


def random_dag(seed: int, size: int, density: float = 0.25) -> tuple[list[str], dict[str, list[str]]]:
    rng = random.Random(seed)
    order = [f"n{i}" for i in range(size)]
    deps = {v: [u for u in order[:i] if rng.random() < density] for i, v in enumerate(order)}
    return order, deps


def rgd_document(name: str, order: list[str], deps: dict[str, list[str]], ready_when: bool = True) -> Document:
    """An RGD of ConfigMaps wired as ``deps`` (each template names its dependencies)."""
    resources = []
    for v in order:
        data = {f"from{d}": f"${{{d}.metadata.name}}" for d in deps[v]}
        resource: dict[str, Any] = {
            "id": v,
            "template": {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"${{schema.spec.name}}-{v.lower()}"},
                "data": data or {"k": "v"},
            },
        }
        if ready_when:
            resource["readyWhen"] = [f"${{has({v}.data)}}"]
        resources.append(resource)
    body = {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": name},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "Synthetic", "spec": {"name": "string"}},
            "resources": resources,
        },
    }
    return Document(body, f"{name}.yaml")


def compile_graph(document: Document) -> Graph:
    result = compile_documents([document])
    assert result.ok, [p.lines() for p in result.problems]
    return result.graphs[0]


def example_graphs(root: Path) -> list[tuple[str, Graph]]:
    """Every RGD under ``root`` that compiles, compiled together (nested kinds resolve), with its file."""
    documents: list[Document] = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            try:
                documents += load_path(str(path))
            except Exception:  # noqa: BLE001 - a file Kro's loader rejects is no RGD to compile
                continue
    result = compile_documents(documents)
    return [(str(Path(c.file).relative_to(root)), c.graph) for c in result.compiled]
