"""Schedule benchmark: makespan / critical path of the generated state machine vs a level-by-level one.

    .venv/bin/python bench/bench_schedule.py [--quick]

Runs the real generated definitions in moto's ASL interpreter (kroless_cli.localcloud.aws.LocalAws) with a
fake reconcile function that makes each node ready a fixed delay after its apply (delay units of SCALE
seconds; think of a unit as a minute), under the real task-token plumbing (kroless.callbacks): a node waiting
for a dependency on another branch (a gate) parks its token and the dependency's finish answers it, and a node
not ready yet waits as a nested instance's node does (parked until its "child" is done) — nothing is polled,
so the makespan has no discovery lag, only the interpreter's own overhead. (A resource whose readiness is
polled instead pays up to its Retry's interval: the last table line measures one poll.) Transitions are billed
ones: states entered plus task retries. The goal column is makespan / critical path = 1.00.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]
sys.path.insert(0, str(REPO))

from kroless.statemachine import (  # noqa: E402
    StateMachineOptions,
    compile_state_machine,
    definition_size,
    plan_levels,
)
from kroless.statemachine.plan import gate_count, plan_dag  # noqa: E402
from kroless_cli.localcloud.aws import LocalAws  # noqa: E402
from tests.integration.statemachine.fake import FakeReconciler, state_transitions  # noqa: E402
from tests.unit.statemachine.asl_walk import compile_graph, random_dag, rgd_document  # noqa: E402

SCALE = 3.0  # seconds per delay unit
OPTIONS = StateMachineOptions(first_wait_seconds=1, max_wait_seconds=1)
DOGS_VS_CATS = {
    "postgres": [],
    "redis": [],
    "voteapp": ["redis"],
    "resultapp": ["postgres"],
    "workerapp": ["redis", "postgres"],
}


def critical_path(order: list[str], deps: dict[str, list[str]], delays: dict[str, float]) -> float:
    finish: dict[str, float] = {}
    for v in order:
        finish[v] = max((finish[d] for d in deps[v]), default=0.0) + delays[v]
    return max(finish.values())


def level_ideal(order: list[str], deps: dict[str, list[str]], delays: dict[str, float]) -> float:
    level: dict[str, int] = {}
    for v in order:
        level[v] = 1 + max((level[d] for d in deps[v]), default=-1)
    return sum(max(delays[v] for v in order if level[v] == n) for n in range(max(level.values()) + 1))


def run(
    cloud: LocalAws, order: list[str], deps: dict[str, list[str]], delays: dict[str, float], levels: bool
) -> dict[str, Any]:
    graph = compile_graph(rgd_document("bench", order, deps))
    fake = FakeReconciler(cloud, {v: d * SCALE for v, d in delays.items()}, deps, pushed=True)
    plan = plan_levels(deps, graph.topological_order) if levels else None
    definition = compile_state_machine(
        graph,
        reconcile_function_arn=fake.reconcile_arn,
        finalize_function_arn=fake.finalize_arn,
        options=OPTIONS,
        apply_plan=plan,
    )
    result = fake.run(definition, timeout=300)
    assert result["status"] == "SUCCEEDED", result
    assert not fake.violations, fake.violations
    first = min(t for (_, phase), t in fake.started.items() if phase == "apply")
    last = max(t for (_, phase), t in fake.finished.items() if phase == "apply")
    return {
        "makespan": (last - first) / SCALE,
        "transitions": state_transitions(cloud, result["arn"]),
        "bytes": definition_size(definition),
    }


def cases(quick: bool) -> list[tuple[str, list[str], dict[str, list[str]], dict[str, float]]]:
    # Dogs-vs-Cats: RDS slow (8), Redis fast (1), apps 2; then the vote app slow as well
    result = [
        (
            "Dogs-vs-Cats (RDS 8, Redis 1, apps 2)",
            list(DOGS_VS_CATS),
            DOGS_VS_CATS,
            {"postgres": 8.0, "redis": 1.0, "voteapp": 2.0, "resultapp": 2.0, "workerapp": 2.0},
        ),
        (
            "Dogs-vs-Cats (RDS 8, Redis 1, vote app 6)",
            list(DOGS_VS_CATS),
            DOGS_VS_CATS,
            {"postgres": 8.0, "redis": 1.0, "voteapp": 6.0, "resultapp": 2.0, "workerapp": 2.0},
        ),
    ]
    for seed in range(1 if quick else 4):
        order, deps = random_dag(100 + seed, size=12, density=0.2)
        rng = random.Random(seed)
        delays = {v: float(rng.choice([0.5, 1, 2, 4, 6])) for v in order}
        result.append((f"random DAG #{seed} (12 nodes, p=0.2)", order, deps, delays))
    return result


def poll_costs(cloud: LocalAws) -> tuple[float, float]:
    """Billed transitions and function calls one readiness poll adds: a one-node graph ready at once, then the
    same node ready only after 3 polls (1 s waits)."""
    graph = compile_graph(rgd_document("poll", ["a"], {"a": []}))
    measured = []
    for delay in (0.0, 2.5):
        fake = FakeReconciler(cloud, {"a": delay}, {"a": []})
        definition = compile_state_machine(
            graph, reconcile_function_arn=fake.reconcile_arn, finalize_function_arn=fake.finalize_arn, options=OPTIONS
        )
        result = fake.run(definition, timeout=60)
        assert result["status"] == "SUCCEEDED", result
        measured.append((state_transitions(cloud, result["arn"]), len(fake.calls)))
    (ready_t, ready_c), (polled_t, polled_c) = measured
    polls = polled_c - ready_c
    return (polled_t - ready_t) / polls, (polled_c - ready_c) / polls


def main() -> None:
    quick = "--quick" in sys.argv
    rows = []
    with LocalAws() as cloud:
        for name, order, deps, delays in cases(quick):
            cp = critical_path(order, deps, delays)
            dag = run(cloud, order, deps, delays, levels=False)
            lvl = run(cloud, order, deps, delays, levels=True)
            gates = gate_count(plan_dag(deps, order))
            rows.append((name, cp, level_ideal(order, deps, delays), gates, dag, lvl))
        per_poll = poll_costs(cloud)
    print(
        "| graph | critical path (units) | DAG schedule makespan | ratio | gates | transitions | "
        "level schedule makespan | ratio | ideal level ratio | transitions |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, cp, ideal, gates, dag, lvl in rows:
        print(
            f"| {name} | {cp:.1f} | {dag['makespan']:.1f} | {dag['makespan'] / cp:.2f} | {gates} | "
            f"{dag['transitions']} | {lvl['makespan']:.1f} | {lvl['makespan'] / cp:.2f} | {ideal / cp:.2f} | "
            f"{lvl['transitions']} |"
        )
    print(f"\nmoto 5.2.5 interpreter, wall clock, 1 unit = {SCALE:g} s; dependency waits and readiness pushed (task tokens).")
    print(f"One readiness poll: {per_poll[0]:g} billed state transitions, {per_poll[1]:g} function calls.")


if __name__ == "__main__":
    main()
