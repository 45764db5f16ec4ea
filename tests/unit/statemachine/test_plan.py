"""The schedule planner: series-parallel graphs nest exactly; the rest gets the fewest gates."""

from __future__ import annotations

import pytest

from kroless.statemachine.plan import Par, Seq, Step, gate_count, plan_dag, plan_levels, reverse, steps
from tests.unit.statemachine.asl_walk import random_dag

DOGS_VS_CATS = {
    "postgres": [],
    "redis": [],
    "voteapp": ["redis"],
    "resultapp": ["postgres"],
    "workerapp": ["redis", "postgres"],
}


def test_series_parallel_nests_without_gates() -> None:
    deps = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": ["d"], "f": []}
    assert plan_dag(deps, list(deps)) == Par(
        (Seq((Step("a"), Par((Step("b"), Step("c"))), Step("d"), Step("e"))), Step("f"))
    )


def test_transitive_edges_are_not_gates() -> None:
    deps = {"a": [], "b": ["a"], "c": ["a", "b"]}
    assert plan_dag(deps, list(deps)) == Seq((Step("a"), Step("b"), Step("c")))


def test_dogs_vs_cats_is_an_n_two_gates_on_one_chain() -> None:
    plan = plan_dag(DOGS_VS_CATS, list(DOGS_VS_CATS))
    assert plan == Par(
        (
            Seq((Step("postgres"), Step("resultapp"))),
            Seq((Step("redis"), Step("voteapp"))),
            Step("workerapp", ("redis", "postgres")),
        )
    )


def test_levels_wait_for_the_slowest_of_the_level() -> None:
    assert plan_levels(DOGS_VS_CATS, list(DOGS_VS_CATS)) == Seq(
        (
            Par((Step("postgres"), Step("redis"))),
            Par((Step("voteapp"), Step("resultapp"), Step("workerapp"))),
        )
    )


def test_reverse_contracts_external_nodes() -> None:
    deps = {"ext": [], "a": ["ext"], "b": ["a"]}
    assert reverse(deps, list(deps), keep={"a", "b"}) == {"a": ["b"], "b": []}
    deps = {"a": [], "ext": ["a"], "b": ["ext"]}
    assert reverse(deps, list(deps), keep={"a", "b"}) == {"a": ["b"], "b": []}


@pytest.mark.parametrize("seed", range(40))
def test_every_node_once_and_gates_only_on_real_dependencies(seed: int) -> None:
    order, deps = random_dag(seed, size=15, density=0.2)
    plan = plan_dag(deps, order)
    assert plan is not None
    assert sorted(step.id for step in steps(plan)) == sorted(order)
    for step in steps(plan):
        assert set(step.gates) <= set(deps[step.id])
    assert gate_count(plan) <= sum(len(d) for d in deps.values())


def test_empty_graph() -> None:
    assert plan_dag({}, []) is None and plan_levels({}, []) is None
