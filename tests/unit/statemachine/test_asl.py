"""The generated definitions: golden files, moto's CreateStateMachine, names, order, limits.

Regenerate the golden files (tests/data/asl/) after an intended change with ``KROLESS_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kroless.graph import Graph
from kroless.settings import STATE_MACHINE_PREFIX as PREFIX
from kroless.statemachine import (
    DEFINITION_LIMIT,
    LAMBDA_INVOKE,
    StateMachineOptions,
    compile_state_machine,
    definition_json,
    definition_size,
    deletion_dependencies,
    names,
    plan_dag,
    state_machine_name,
)
from kroless.statemachine.plan import steps
from tests.conftest import DATA, EXAMPLES, KRO_EXAMPLES, missing
from tests.unit.statemachine.asl_walk import (
    FINALIZE_ARN,
    RECONCILE_ARN,
    ancestors,
    closure,
    compile_graph,
    example_graphs,
    node_tasks,
    random_dag,
    rgd_document,
    starts_after,
    unreachable_states,
)

GOLDEN = DATA / "asl"
UPDATE = os.environ.get("KROLESS_UPDATE_GOLDEN") == "1"


def compile_default(graph: Graph, **options: Any) -> dict[str, Any]:
    return compile_state_machine(
        graph,
        reconcile_function_arn=RECONCILE_ARN,
        finalize_function_arn=FINALIZE_ARN,
        options=StateMachineOptions(**options),
    )


def _all_examples() -> list[tuple[str, Graph]]:
    graphs = example_graphs(EXAMPLES)
    if KRO_EXAMPLES.is_dir():
        graphs += example_graphs(KRO_EXAMPLES)
    return graphs


EXAMPLE_GRAPHS = _all_examples()
NAME_COUNTS = Counter(graph.name for _, graph in EXAMPLE_GRAPHS)


def golden_name(file: str, graph: Graph) -> str:
    """``<rgd name>.json``; a name two example RGDs share also carries the file it came from."""
    if NAME_COUNTS[graph.name] == 1:
        return f"{graph.name}.json"
    return f"{graph.name}@{re.sub(r'[^A-Za-z0-9.-]+', '_', file.removesuffix('.yaml'))}.json"


def dependencies_of(graph: Graph) -> dict[str, list[str]]:
    return {v: list(node.dependencies) for v, node in graph.nodes.items()}


@pytest.mark.parametrize(("file", "graph"), EXAMPLE_GRAPHS, ids=[f for f, _ in EXAMPLE_GRAPHS])
def test_golden(file: str, graph: Graph) -> None:
    text = definition_json(compile_default(graph), indent=2)
    path = GOLDEN / golden_name(file, graph)
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no golden file {path.name}: run with KROLESS_UPDATE_GOLDEN=1 and review it")
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed: KROLESS_UPDATE_GOLDEN=1 to accept"


def test_no_stale_golden_files() -> None:
    expected = {golden_name(file, graph) for file, graph in EXAMPLE_GRAPHS}
    if not KRO_EXAMPLES.is_dir():
        missing("Kro's examples are missing: their golden files cannot be checked")
    assert sorted(p.name for p in GOLDEN.glob("*.json") if p.name not in expected) == []


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("stepfunctions")


def test_every_definition_passes_create_state_machine(sfn: Any) -> None:
    """moto parses the definition with the ASL grammar of its interpreter (LocalStack's) through botocore."""
    role = "arn:aws:iam::123456789012:role/kroless-sfn"
    names = set()
    for _, graph in EXAMPLE_GRAPHS:
        name = state_machine_name(graph.name, PREFIX)
        if name in names:
            continue
        names.add(name)
        for form in ("named", "generic"):
            definition = definition_json(compile_default(graph, form=form))
            sfn.create_state_machine(name=f"{name[:70]}-{form[0]}", definition=definition, roleArn=role)
    assert len(sfn.list_state_machines()["stateMachines"]) == 2 * len(names)


@pytest.mark.parametrize("form", ["named", "generic"])
@pytest.mark.parametrize(("file", "graph"), EXAMPLE_GRAPHS, ids=[f for f, _ in EXAMPLE_GRAPHS])
def test_every_state_is_reachable(file: str, graph: Graph, form: str) -> None:
    """AWS refuses a machine with a state no transition reaches (moto accepts it)."""
    assert unreachable_states(compile_default(graph, form=form)) == []


def test_a_graph_without_resources_has_no_unreachable_state() -> None:
    """Kro's kubernetes/defaults example: nothing to reconcile, so nothing can be superseded."""
    graph = compile_graph(rgd_document("empty", [], {}))
    definition = compile_default(graph)
    assert unreachable_states(definition) == []
    assert definition["States"]["Reconcile"]["Type"] == "Pass"


def gates(dependencies: dict[str, list[str]], order: list[str]) -> dict[str, set[str]]:
    """The dependencies a node's task waits for itself (parking its task token): those its place cannot imply."""
    plan = plan_dag(dependencies, order)
    return {step.id: set(step.gates) for step in (steps(plan) if plan else [])}


@pytest.mark.parametrize(("file", "graph"), EXAMPLE_GRAPHS, ids=[f for f, _ in EXAMPLE_GRAPHS])
def test_dependencies_done_before_a_node_starts_and_nothing_else(file: str, graph: Graph) -> None:
    """On every path a node's task starts only after its dependencies, but for the gates its task waits for
    itself; and it never waits for a node it does not depend on (no edge added: makespan = critical path)."""
    deps = dependencies_of(graph)
    definition = compile_default(graph, form="named")
    after = starts_after(definition, "Reconcile")
    waits = gates(deps, graph.topological_order)
    assert set(after) == set(graph.nodes)
    for v, done in after.items():
        assert set(deps[v]) <= closure(frozenset(done | waits[v]), deps), v
        assert set(done) <= ancestors(v, deps), v


@pytest.mark.parametrize(("file", "graph"), EXAMPLE_GRAPHS, ids=[f for f, _ in EXAMPLE_GRAPHS])
def test_deletion_is_reversed(file: str, graph: Graph) -> None:
    """A node is deleted after every dependent (or its task waits for them); externalRefs are never deleted."""
    reverse = deletion_dependencies(graph)
    after = starts_after(compile_default(graph, form="named"), "Delete")
    order = [v for v in reversed(graph.topological_order) if not graph.nodes[v].is_external]
    waits = gates(reverse, order)
    assert set(after) == {v for v, node in graph.nodes.items() if not node.is_external}
    for v, done in after.items():
        dependents = {w for w, node in graph.nodes.items() if v in node.dependencies and not node.is_external}
        assert dependents <= closure(frozenset(done | waits[v]), reverse), v
        assert set(done) <= ancestors(v, reverse), v


@pytest.mark.parametrize("seed", range(25))
def test_random_dags_keep_the_dag_order(seed: int) -> None:
    order, deps = random_dag(seed, size=12, density=0.3)
    graph = compile_graph(rgd_document(f"random-{seed}", order, deps))
    after = starts_after(compile_default(graph, form="named"), "Reconcile")
    waits = gates(deps, graph.topological_order)
    for v in order:
        assert set(deps[v]) <= closure(frozenset(after[v] | waits[v]), deps)
        assert set(after[v]) <= ancestors(v, deps)


def _dogs_vs_cats() -> Graph:
    matches = [g for _, g in EXAMPLE_GRAPHS if g.name == "dogsvscats-app.kro.run"]
    if not matches:
        missing("Kro's Dogs-vs-Cats example is missing")
    return matches[0]


def test_dogs_vs_cats_shape() -> None:
    definition = compile_default(_dogs_vs_cats())
    reconcile = definition["States"]["Reconcile"]
    assert reconcile["Type"] == "Parallel"
    branches = [list(b["States"]) for b in reconcile["Branches"]]
    # postgres -> resultapp and redis -> voteapp nest; workerapp needs both: its task waits for them itself
    assert branches[0][:2] == ["postgres", "resultapp"]
    assert branches[1][:2] == ["redis", "voteapp"]
    assert branches[2][0] == "workerapp"
    names = dict(node_tasks(definition))
    assert names["postgres"]["Next"] == "resultapp" and names["resultapp"]["End"] is True
    for node in ("postgres", "redis", "voteapp", "resultapp", "workerapp"):
        assert names[node]["Parameters"]["Payload"] == {
            "instance.$": "$.instance",
            "generation.$": "$.generation",
            "node": node,
            "mode": "apply",
            "token.$": "$$.Task.Token",  # the machine waits for the answer (SendTaskSuccess/Failure)
        }
        assert names[node]["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
        assert names[node]["ResultPath"] is None  # the state data stays {instance, generation}
        assert names[f"{node} delete"]["Parameters"]["Payload"]["mode"] == "delete"
        assert [c["Next"] for c in names[node]["Catch"]] == [
            f"{node} timeout cause",
            f"{node} no answer",
            f"{node} error cause",
            f"{node} superseded",
        ]
    # no state reads the table and none waits on a timer: a join is a node task waiting for its callback
    resources = {state.get("Resource") for _, state in node_tasks(definition)}
    assert resources == {None, LAMBDA_INVOKE, "arn:aws:states:::lambda:invoke.waitForTaskToken"}
    assert not [name for name, state in node_tasks(definition) if state["Type"] == "Wait" and name != "Status wait"]


@pytest.mark.parametrize("form", ["named", "generic"])
def test_every_example_machine_keeps_aws_name_rules(form: str) -> None:
    """The machine's name, and its state names: unique machine-wide, 1-80 characters (names.check_*)."""
    for _, graph in EXAMPLE_GRAPHS:
        names.check_state_machine_name(state_machine_name(graph.name, PREFIX))
        states = [name for name, _ in node_tasks(compile_default(graph, form=form))]
        assert len(states) == len(set(states)), graph.name
        for state in states:
            names.check_state_name(state)


def test_a_long_resource_id_gets_state_names_within_the_limit() -> None:
    long_id = "r" + "x" * 90
    graph = compile_graph(rgd_document("long-ids", [long_id, "b"], {long_id: [], "b": [long_id]}))
    states = [name for name, _ in node_tasks(compile_default(graph))]
    assert all(len(state) <= 80 for state in states)
    assert any(state.startswith("rxxxx") and re.search(r"-[0-9a-f]{8}$", state) for state in states)


def test_retry_and_catch() -> None:
    definition = compile_default(_dogs_vs_cats())
    lambda_tasks = [
        state for _, state in node_tasks(definition) if state.get("Resource", "").startswith(LAMBDA_INVOKE)
    ]
    assert len(lambda_tasks) > 2 * len(_dogs_vs_cats().nodes)  # node tasks (apply, delete) and finalize tasks
    # AWS's recommended list for lambda:invoke (and CDK's default), then the one name of every retriable failure
    # of kroless's functions: nothing else is retried as a failure (a terminal error goes straight to the Catch)
    aws_recommended = [
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
    ]
    for task in lambda_tasks:
        assert task["Retry"][0]["ErrorEquals"] == [*aws_recommended, "Lambda.TooManyRequestsException", "RetriableError"]
        assert task["Retry"][0]["JitterStrategy"] == "FULL"
    states = dict(node_tasks(definition))
    # a node's task: a readiness poll is a retry (one state transition each); a node handed back by finalize and
    # one left without an answer (the lost-token backstop) run again; its other outcomes are its Catch
    assert [r["ErrorEquals"] for r in states["workerapp"]["Retry"][1:]] == [
        ["NodeNotReady"],
        ["DependencyReady", "States.Timeout"],
    ]
    assert [c["ErrorEquals"] for c in states["workerapp"]["Catch"]] == [
        ["NodeNotReady", "DependencyReady"],
        ["States.Timeout"],
        ["NodeFailed"],
        ["NodeSuperseded"],
    ]
    assert states["workerapp no answer"]["Next"] == "workerapp timed out"
    assert states["workerapp failed"] == {
        "Type": "Fail",
        "Error": "Kroless.NodeError",
        "CausePath": "States.Format('resource workerapp: {}', $.error.document.errorMessage)",
    }
    assert states["workerapp superseded"]["Error"] == "Kroless.Superseded"
    catch = definition["States"]["Reconcile"]["Catch"]
    assert [c["ErrorEquals"] for c in catch] == [["Kroless.Superseded"], ["States.ALL"]]
    assert [c["Next"] for c in catch] == ["Superseded", "Record failure"]
    assert definition["States"]["Record failure"]["Parameters"]["Payload"]["mode"] == "error"
    # the status refresh: StatusPending leaves Finalize for a wait, then Refresh status retries on it
    finalize = definition["States"]["Finalize"]
    assert finalize["End"] is True and finalize["Catch"][0] == {
        "ErrorEquals": ["StatusPending"],
        "ResultPath": None,
        "Next": "Status wait",
    }
    refresh = definition["States"]["Refresh status"]["Retry"][1]
    assert refresh["ErrorEquals"] == ["StatusPending"] and refresh["MaxAttempts"] == 6


def test_timeouts_and_backoff() -> None:
    options = StateMachineOptions(node_timeouts={"postgres": 3600})
    assert options.waits() == [2, 4, 8, 16, 30]
    assert options.polls("redis") == 4 + 59  # 2+4+8+16, then 30 s until 30 min
    assert options.polls("postgres") == 4 + 119
    definition = compile_default(_dogs_vs_cats(), node_timeouts={"postgres": 3600})
    states = dict(node_tasks(definition))
    assert states["postgres"]["Retry"][1] == {
        "ErrorEquals": ["NodeNotReady"],
        "IntervalSeconds": 2,
        "BackoffRate": 2.0,
        "MaxDelaySeconds": 30,
        "MaxAttempts": 123,
        "JitterStrategy": "NONE",
    }
    assert states["redis"]["Retry"][1]["MaxAttempts"] == 63
    assert states["postgres timed out"]["Error"] == "Kroless.NodeTimeout"
    assert "resource postgres not ready after 1h: {}" in states["postgres timed out"]["CausePath"]
    # a node task parked on a dependency is answered by the dependency's task; with no answer in 5 minutes (a
    # lost token) it runs again, as long as the run may last (the execution's timeout): a backstop, not a poll
    assert states["workerapp"]["TimeoutSeconds"] == 300
    backstop = states["workerapp"]["Retry"][2]
    assert backstop["IntervalSeconds"] == 1 and backstop["MaxAttempts"] * 300 >= definition["TimeoutSeconds"]


LONGEST_RGD_NAME = "r" * 200 + ".example.com"  # Kubernetes allows 253 characters


def test_a_long_rgd_name_gets_a_machine_step_functions_accepts(sfn: Any) -> None:
    name = state_machine_name(LONGEST_RGD_NAME, PREFIX)
    assert re.fullmatch(r"[0-9A-Za-z_-]{1,80}", name) and name.startswith("kroless-rrrr")
    assert state_machine_name(LONGEST_RGD_NAME.replace(".com", ".org"), PREFIX) != name  # cut names stay apart
    graph = compile_graph(rgd_document(LONGEST_RGD_NAME, ["a"], {"a": []}))
    role = "arn:aws:iam::123456789012:role/kroless-sfn"
    sfn.create_state_machine(name=name, definition=definition_json(compile_default(graph)), roleArn=role)


def test_large_graphs_use_the_generic_form_under_one_megabyte() -> None:
    order, deps = random_dag(7, size=1000, density=0.004)
    graph = compile_graph(rgd_document("synthetic-1000", order, deps, ready_when=False))
    definition = compile_default(graph)
    assert definition_size(definition) < DEFINITION_LIMIT
    states = definition["States"]["Reconcile"]["Branches"][0]["States"]
    assert states["Reconcile each resource"]["Type"] == "Map"
    items = states["Resources"]["Result"]
    assert [item["id"] for item in items] == graph.topological_order
    with pytest.raises(ValueError, match="over Step Functions' 1 MB"):
        compile_default(graph, form="named")


def test_generic_form_is_json_serialisable_and_small() -> None:
    definition = compile_default(_dogs_vs_cats(), form="generic")
    assert json.loads(definition_json(definition)) == definition
    assert definition_size(definition) < 30_000
