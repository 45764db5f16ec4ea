"""Every state machine compiled from the examples passes npm asl-validator (an ASL checker independent of ours).

One node process (tools/asl/validate.js) checks every definition: each RGD of ``examples/`` and of Kro's
examples, in the form the compile function picks (``auto``) and in the generic (Map) form, plus a few
definitions known to be wrong, so a validator that passes everything fails here too. ``kroless graph -o asl``
prints the same definitions (so every example's ``graph -o asl`` passes asl-validator).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from kroless.graph import Graph
from kroless.statemachine import StateMachineOptions
from kroless_cli.commands.main import main
from tests.conftest import EXAMPLES, KRO_EXAMPLES, REPO
from tests.unit.statemachine.asl_walk import FINALIZE_ARN, RECONCILE_ARN, example_graphs
from tests.validators.machines import compile_machine
from tests.validators.nodejs import require, run_script, write_definitions


def example_files() -> list[tuple[Path, str, Graph]]:
    """(path, file key, graph) of every example RGD that compiles."""
    found = [(EXAMPLES / file, "examples/" + file, graph) for file, graph in example_graphs(EXAMPLES)]
    if KRO_EXAMPLES.is_dir():
        found += [(KRO_EXAMPLES / file, "kro-examples/" + file, graph) for file, graph in example_graphs(KRO_EXAMPLES)]
    return found


def key_of(file: str, graph: Graph) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", f"{file.removesuffix('.yaml')}@{graph.name}")


def example_definitions() -> dict[str, dict[str, Any]]:
    definitions = {}
    for _, file, graph in example_files():
        key = key_of(file, graph)
        definitions[key] = compile_machine(graph)  # as the compile function creates it
        definitions[key + "@generic"] = compile_machine(graph, StateMachineOptions(form="generic"))
    return definitions


def _task(next_name: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}
    state["Parameters"] = {"FunctionName": RECONCILE_ARN, "Payload.$": "$"}
    if next_name is None:
        state["End"] = True
    else:
        state["Next"] = next_name
    return state


def known_bad(dogs_vs_cats: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """Wrong definitions and the error code each must get."""
    bad: dict[str, tuple[dict[str, Any], str]] = {
        "next-nowhere": ({"StartAt": "A", "States": {"A": _task("Nowhere")}}, "MISSING_TRANSITION_TARGET"),
        "unreachable": (
            {"StartAt": "A", "States": {"A": _task(), "Orphan": {"Type": "Succeed"}}},
            "MISSING_TRANSITION_TARGET",
        ),
        # two states that name each other but that nothing live reaches: asl-validator passes it, our check not
        "dead-cycle": (
            {"StartAt": "A", "States": {"A": _task(), "B": _task("C"), "C": _task("B")}},
            "UNREACHABLE_FROM_START",
        ),
        "bad-intrinsic": (
            {
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.a"}, "End": True}},
            },
            "SCHEMA_VALIDATION_FAILED",
        ),
        "bad-resource": (
            {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "lambda:invoke", "End": True}}},
            "SCHEMA_VALIDATION_FAILED",
        ),
    }
    # A generated machine with one transition broken: a branch state pointing out of its branch.
    broken = copy.deepcopy(dogs_vs_cats)
    reconcile = broken["States"]["Reconcile"]
    first, second = reconcile["Branches"][0], reconcile["Branches"][1]
    first["States"][first["StartAt"]]["Next"] = second["StartAt"]
    bad["generated-branch-escape"] = (broken, "BRANCH_OUTBOUND_TRANSITION_TARGET")
    return bad


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One validate.js run over every example's machine and the known-bad definitions."""
    node = require("asl-validator")
    root: Path = tmp_path_factory.mktemp("asl")
    good = example_definitions()
    dogs = next(d for k, d in good.items() if "dogsvscats" in k and not k.endswith("@generic"))
    bad = known_bad(dogs)
    paths = write_definitions(root / "examples", good)
    bad_paths = write_definitions(root / "bad", {k: d for k, (d, _) in bad.items()})
    result = run_script(node, "validate.js", str(root / "examples"), str(root / "bad"))
    result["examples"] = {paths[p]: errors for p, errors in result["results"].items() if p in paths}
    result["bad"] = {bad_paths[p]: errors for p, errors in result["results"].items() if p in bad_paths}
    result["expected"] = {k: code for k, (_, code) in bad.items()}
    result["definitions"] = good
    return result


def test_every_example_machine_passes_asl_validator(report: dict[str, Any]) -> None:
    examples = report["examples"]
    assert len(examples) >= 4, "the examples compiled to almost nothing"
    if KRO_EXAMPLES.is_dir():
        assert len(examples) >= 80, len(examples)  # 49 RGDs today, in two forms
    invalid = {key: errors for key, errors in examples.items() if errors}
    assert invalid == {}, "\n".join(
        f"{key}: {e['code']}: {e['message']}" for key, errors in invalid.items() for e in errors
    )


def test_known_bad_definitions_fail(report: dict[str, Any]) -> None:
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]["asl-validator"]
    assert report["validator"] == f"asl-validator@{pinned}"  # the version package.json pins, installed
    found = {key: {e["code"] for e in errors} for key, errors in report["bad"].items()}
    missed = {key: code for key, code in report["expected"].items() if code not in found.get(key, set())}
    assert missed == {}, f"validate.js did not report these: {missed}; it reported {found}"
    assert report["exit_status"] == 1


def test_graph_o_asl_prints_the_validated_definitions(report: dict[str, Any]) -> None:
    """``kroless graph -f FILE -o asl``, as a new user runs it on each example (no flags: placeholders for
    what the stack names), prints the definitions validated above once the placeholders are filled in."""
    filled = {
        "${ReconcileFunctionArn}": RECONCILE_ARN,
        "${FinalizeFunctionArn}": FINALIZE_ARN,
    }
    mismatched = []
    for path, file, graph in example_files():
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["graph", "-f", str(path), "-o", "asl"])
        assert status == 0, f"kroless graph -f {file} -o asl: {err.getvalue()}"
        text = out.getvalue()
        for placeholder, value in filled.items():
            text = text.replace(placeholder, value)
        printed = json.loads(text)
        if report["definitions"][key_of(file, graph)] not in (printed if isinstance(printed, list) else [printed]):
            mismatched.append(f"{file}: {graph.name}")
    assert mismatched == []
