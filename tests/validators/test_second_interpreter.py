"""Generated machines run in two independent ASL interpreters, moto's (the local cloud's) and npm
aws-local-stepfunctions (written to AWS's specification), with the same scripted functions and table, and
must take the same path.

What is compared, and why not the plain sequence of states: Parallel branches run concurrently, so the
machine-wide order of StateEntered events is not determined (neither on AWS). What the machine does determine:
within one scope (the machine, each Parallel branch) states run one at a time, so each scope's sequence of
states, with each state's input, must be equal; and across scopes a branch runs between its Parallel's entry
and the next state of the Parallel's own scope (checked on each run's global order). When a branch fails, AWS
stops its siblings wherever they are, so a sibling's sequence need only be a prefix of the other run's.
Everything a run does is scripted (scenarios.py), and waits take no time, so the runs are deterministic.

moto runs with kroless_cli.localcloud.sfn_fixes, as the local cloud does: where moto departed from AWS's documented
semantics, the fix is there (tests/validators/test_sfn_fixes.py); aws-local-stepfunctions' own gaps are filled in
tools/asl/run.js (intrinsic functions in a Fail state's CausePath; its event log drops nested states).

A readiness poll or a dependency wait is a Retry of the node's task: it enters no state, so the runs are also
compared on how often each node's function was called.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from kroless.graph import Graph
from kroless.statemachine import StateMachineOptions
from kroless_cli.localcloud.aws import LocalAws
from tests.conftest import EXAMPLES, KRO_EXAMPLES, missing
from tests.unit.statemachine.asl_walk import example_graphs
from tests.validators.machines import compile_machine
from tests.validators.nodejs import require, run_script
from tests.validators.scenarios import MotoRunner, Scenario, compare, instant_waits, scopes

DOGS = "dogsvscats-app.kro.run"  # Kro's aws/dogsvscats-appstack: two branches and a third waiting for both
EMPTY = "kubernetes/defaults/rg.yaml"  # Kro's RGD with resources: []
WEBAPP = "webapp.kroless.dev"  # examples/webapp: nested Parallels when deleting, dependency waits when applying
# redis may poll 3 times (2 + 4 + 8 s) before it times out, so a timeout is a short run
OPTIONS = StateMachineOptions(node_timeouts={"redis": 10})

# scenario id -> (machine, mode, script, expected status, expected error)
SCENARIOS: dict[str, tuple[str, str, dict[str, Any], str, str | None]] = {
    "dogs-ready": ("dogs", "apply", {}, "SUCCEEDED", None),
    "dogs-polls": ("dogs", "apply", {"nodes": {"redis": {"polls": 2}, "workerapp": {"polls": 1}}}, "SUCCEEDED", None),
    "dogs-refresh": ("dogs", "apply", {"refresh": 2}, "SUCCEEDED", None),
    "dogs-refresh-exhausted": ("dogs", "apply", {"refresh": 99}, "SUCCEEDED", None),
    "dogs-throttle": (
        "dogs",
        "apply",
        {"nodes": {"redis": {"throttle": 2}, "workerapp": {"throttle": 1}}},
        "SUCCEEDED",
        None,
    ),
    "dogs-error": (
        "dogs",
        "apply",
        {"nodes": {"resultapp": {"error": "admission denied"}}},
        "FAILED",
        "Kroless.NodeError",
    ),
    "dogs-timeout": ("dogs", "apply", {"nodes": {"redis": {"polls": 99}}}, "FAILED", "Kroless.NodeTimeout"),
    "dogs-superseded": ("dogs", "apply", {"nodes": {"voteapp": {"superseded": True}}}, "SUCCEEDED", None),
    "dogs-dependency": (
        "dogs",
        "apply",
        {"nodes": {"workerapp": {"pending": 3, "polls": 1}}},
        "SUCCEEDED",
        None,
    ),
    "dogs-dependency-error": (
        "dogs",
        "apply",
        {"nodes": {"workerapp": {"pending": 2, "error": "denied"}}},
        "FAILED",
        "Kroless.NodeError",
    ),
    "dogs-delete": (
        "dogs",
        "delete",
        {"nodes": {"postgres": {"polls": 1}, "voteapp": {"polls": 2}}},
        "SUCCEEDED",
        None,
    ),
    "dogs-delete-dependency": ("dogs", "delete", {"nodes": {"postgres": {"pending": 2}}}, "SUCCEEDED", None),
    "dogs-delete-error": (
        "dogs",
        "delete",
        {"nodes": {"redis": {"error": "finalizer stuck"}}},
        "FAILED",
        "Kroless.NodeError",
    ),
    "empty-apply": ("empty", "apply", {"refresh": 1}, "SUCCEEDED", None),
    "empty-delete": ("empty", "delete", {}, "SUCCEEDED", None),
    "webapp-dependency": (
        "webapp",
        "apply",
        {"nodes": {"service": {"polls": 1}, "cache": {"pending": 1}, "web": {"pending": 2}}},
        "SUCCEEDED",
        None,
    ),
    "webapp-delete": ("webapp", "delete", {"nodes": {"budget": {"polls": 2}, "web": {"polls": 1}}}, "SUCCEEDED", None),
    "webapp-delete-error": (
        "webapp",
        "delete",
        {"nodes": {"service": {"error": "denied"}}},
        "FAILED",
        "Kroless.NodeError",
    ),
    "generic-polls": ("generic", "apply", {"nodes": {"redis": {"polls": 2}}}, "SUCCEEDED", None),
    "generic-dependency": ("generic", "apply", {"nodes": {"workerapp": {"pending": 2}}}, "SUCCEEDED", None),
    "generic-delete": ("generic", "delete", {"nodes": {"postgres": {"polls": 1}}}, "SUCCEEDED", None),
    "generic-error": ("generic", "apply", {"nodes": {"voteapp": {"error": "denied"}}}, "FAILED", "Kroless.NodeError"),
    "generic-timeout": ("generic", "apply", {"nodes": {"redis": {"polls": 999}}}, "FAILED", "Kroless.NodeTimeout"),
}


def _graphs() -> dict[str, Graph]:
    if not KRO_EXAMPLES.is_dir():
        missing(f"Kro's examples not found at {KRO_EXAMPLES} (set KRO_EXAMPLES)")
    kro = example_graphs(KRO_EXAMPLES)
    ours = example_graphs(EXAMPLES)
    return {
        "dogs": next(g for _, g in kro if g.name == DOGS),
        "empty": next(g for f, g in kro if f == EMPTY),
        "webapp": next(g for _, g in ours if g.name == WEBAPP),
    }


@pytest.fixture(scope="module")
def runs() -> Iterator[tuple[dict[str, Scenario], dict[str, Any], dict[str, Any]]]:
    """Every scenario, run once in moto and once in node (one node process for all)."""
    node = require("aws-local-stepfunctions")
    graphs = _graphs()
    with LocalAws() as cloud, instant_waits():  # LocalAws runs moto with kroless_cli.localcloud.sfn_fixes
        moto = MotoRunner(cloud)
        arns = {"reconcile_arn": moto.reconcile_arn, "finalize_arn": moto.finalize_arn}
        machines = {name: compile_machine(graph, OPTIONS, **arns) for name, graph in graphs.items()}
        machines["generic"] = compile_machine(graphs["dogs"], StateMachineOptions(form="generic"), **arns)
        graphs["generic"] = graphs["dogs"]
        scenarios = {
            sid: Scenario(sid, machines[machine], list(graphs[machine].nodes), mode, script)
            for sid, (machine, mode, script, _, _) in SCENARIOS.items()
        }
        # one at a time: running them together is no faster under the GIL
        moto_results = {sid: moto.result(moto.start(scenario)) for sid, scenario in scenarios.items()}
        stdin = {"runs": [scenario.run_spec() for scenario in scenarios.values()]}
        report = run_script(node, "run.js", stdin=json.dumps(stdin))
        yield scenarios, moto_results, report


@pytest.mark.parametrize("scenario_id", list(SCENARIOS))
def test_both_interpreters_take_the_same_path(
    runs: tuple[dict[str, Scenario], dict[str, Any], dict[str, Any]], scenario_id: str
) -> None:
    scenarios, moto_results, report = runs
    scenario, moto, node = scenarios[scenario_id], moto_results[scenario_id], report["runs"][scenario_id]
    assert node["status"] != "RUNNER_ERROR", node["cause"]
    _, _, _, status, error = SCENARIOS[scenario_id]
    # the scenario does what it says (two interpreters agreeing on a run that went wrong would prove little)
    assert (moto["status"], moto.get("error")) == (status, error), moto
    throttles = {n: b["throttle"] for n, b in scenario.script.get("nodes", {}).items() if "throttle" in b}
    assert moto["throttled"] == throttles  # and the Retry retried them: the run went on
    differences = compare(scenario.definition, moto, node)
    assert differences == [], "\n".join(differences)


# moto takes about a second per run: all example machines (100 runs) compare in both only on request
COMPARE_ALL = os.environ.get("KROLESS_COMPARE_ALL_MACHINES") == "1"


def test_every_example_machine_runs_in_the_spec_interpreter() -> None:
    """Every machine compiled from the examples, applied and deleted with every resource ready at once, runs to
    the end in aws-local-stepfunctions and passes every resource's task (and, with
    KROLESS_COMPARE_ALL_MACHINES=1, takes the same path in moto)."""
    node = require("aws-local-stepfunctions")
    graphs = [("examples/" + f, g) for f, g in example_graphs(EXAMPLES)]
    if KRO_EXAMPLES.is_dir():
        graphs += [("kro-examples/" + f, g) for f, g in example_graphs(KRO_EXAMPLES)]
    with LocalAws() if COMPARE_ALL else _nothing() as cloud, instant_waits():
        moto = MotoRunner(cloud) if cloud else None
        arns = {"reconcile_arn": moto.reconcile_arn, "finalize_arn": moto.finalize_arn} if moto else {}
        scenarios = []
        for i, (file, graph) in enumerate(graphs):
            definition = compile_machine(graph, **arns)
            slug = re.sub(r"[^A-Za-z0-9-]+", "-", file.removesuffix(".yaml"))[-60:]
            for mode in ("apply", "delete"):
                scenarios.append(Scenario(f"m{i}-{mode}-{slug}", definition, list(graph.nodes), mode))
        specs = [{**scenario.run_spec(), "validate": False} for scenario in scenarios]  # validate.js checks them
        report = run_script(node, "run.js", stdin=json.dumps({"runs": specs}))["runs"]
        moto_results = {}
        if moto is not None:
            moto_results = {s.id: moto.result(moto.start(s)) for s in scenarios}
    problems = []
    for scenario in scenarios:
        result = report[scenario.id]
        names = [e["name"] for e in result["entered"]]
        last = "Finalize" if scenario.mode == "apply" else "Remove instance"
        if result["status"] != "SUCCEEDED" or not names or names[-1] != last:
            problems.append(
                f"{scenario.id}: {result['status']} {result.get('error')} {result.get('cause')} {names[-3:]}"
            )
            continue
        node_mode = "delete" if scenario.mode == "delete" else "apply"
        _, _, states = scopes(scenario.definition)
        # each resource's task
        tasks = {
            name
            for name, state in states.items()
            if state.get("Parameters", {}).get("Payload", {}).get("mode") == node_mode
        }
        if tasks - set(names):
            problems.append(f"{scenario.id}: never entered {sorted(tasks - set(names))}")
        if scenario.id in moto_results:
            problems += [f"{scenario.id}: {d}" for d in compare(scenario.definition, moto_results[scenario.id], result)]
    assert len(scenarios) >= 8
    assert problems == [], "\n".join(problems)


class _nothing:  # noqa: N801 - a context manager that provides None (no moto unless asked for)
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
