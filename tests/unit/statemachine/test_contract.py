"""The generated machines keep the task contract (kroless.contract): every payload they send is one the
functions' models accept, and every field they read from an answer, or from the execution input, is a field of
its model. A field renamed in the models, or a path misspelt in the compiler, fails here (and the compile
itself refuses a payload the model would not accept)."""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from kroless.contract import (
    ExecutionInput,
    ExecutionMode,
    FinalizeResult,
    FinalizeTask,
    Message,
    NodeResult,
    Path,
    ReconcileTask,
    TaskError,
    TaskOutcome,
    json_names,
    task_parameters,
)
from kroless.runtime.states import NodeState
from kroless.statemachine import LAMBDA_INVOKE
from kroless.statemachine.asl import LAMBDA_INVOKE_CALLBACK, TASK_TIMEOUT, TRANSIENT_ERRORS
from tests.unit.statemachine.asl_walk import FINALIZE_ARN, RECONCILE_ARN, node_tasks
from tests.unit.statemachine.test_asl import EXAMPLE_GRAPHS, compile_default

TASKS: dict[str, type[Message]] = {RECONCILE_ARN: ReconcileTask, FINALIZE_ARN: FinalizeTask}
# where the machine keeps each answer (ResultPath) -> the model of what is under ".result"
ANSWERS: dict[str, type[Message]] = {"finalize": FinalizeResult}
CAUGHT = "error"  # a Catch's ResultPath: {"Error", "Cause"}
# the errors a machine may match: what the functions raise (their class names), Lambda's, its own Fail states'
KNOWN_ERRORS = {
    *(outcome.__name__ for outcome in TaskOutcome.__subclasses__()),
    *TRANSIENT_ERRORS,
    "Kroless.Superseded",
    "States.ALL",
    TASK_TIMEOUT,  # a node task left without an answer (the lost-token backstop)
}
PATH = re.compile(r"(?<![$\w])\$\.([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)")


def _names(model: type[Message]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, string) of every string in a state, nested ones included."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def _written_roots(definition: dict[str, Any]) -> set[str]:
    """The top-level state data the machine itself writes: ResultPaths, and the input it builds for each
    Parallel branch and Map iteration."""
    roots = set()
    for _, state in node_tasks(definition):
        for catcher in state.get("Catch", []):
            if catcher["ResultPath"]:
                roots.add(catcher["ResultPath"].split(".")[1])
        if state.get("ResultPath"):
            roots.add(state["ResultPath"].split(".")[1])
        if state["Type"] in ("Parallel", "Map"):
            selector = state.get("Parameters") or state.get("ItemSelector") or {}
            roots |= {key.removesuffix(".$") for key in selector}
    return roots


def contract_violations(definition: dict[str, Any]) -> list[str]:
    """Where a machine departs from the contract: payloads the task models refuse, reads of fields no model has,
    comparisons with values no model allows."""
    problems = []
    written = _written_roots(definition)
    execution = _names(ExecutionInput)
    node_states = {state.value for state in NodeState}
    execution_modes = set(typing.get_args(ExecutionMode))
    for name, state in node_tasks(definition):
        if state.get("Resource") in (LAMBDA_INVOKE, LAMBDA_INVOKE_CALLBACK):
            model = TASKS[state["Parameters"]["FunctionName"]]
            payload = state["Parameters"]["Payload"]
            keys = {key.removesuffix(".$") for key in payload}
            fields = {info.alias or field: (field, info) for field, info in model.model_fields.items()}
            problems += [f"{name}: {model.__name__} has no field {key!r}" for key in sorted(keys - set(fields))]
            required = {key for key, (_, info) in fields.items() if info.is_required()}
            problems += [f"{name}: {model.__name__} needs {key!r}" for key in sorted(required - keys)]
            for key, value in payload.items():
                if key.endswith(".$") or key not in fields:
                    continue
                info = fields[key][1]
                field_type: Any = typing.Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
                try:
                    TypeAdapter(field_type).validate_python(value)
                except ValidationError:
                    problems.append(f"{name}: {model.__name__}.{key} cannot be {value!r}")
            if "ResultSelector" in state:  # a kept answer is kept as the function returned it
                assert state["ResultSelector"]["result.$"] == "$.Payload"
        for rule in state.get("Retry", []) + state.get("Catch", []):
            unknown = [error for error in rule["ErrorEquals"] if error not in KNOWN_ERRORS]
            problems += [f"{name}: matches {error!r}, an error no function raises" for error in unknown]
        for key, text in _strings({k: v for k, v in state.items() if k not in ("ResultSelector", "Branches", "ItemProcessor")}):
            for match in PATH.finditer(text):
                parts = match.group(1).split(".")
                root = parts[0]
                if root in ANSWERS and len(parts) > 2 and parts[1] == "result":
                    model = ANSWERS[root]
                    if parts[2] not in _names(model):
                        problems.append(f"{name}: {key} reads {match.group(0)}, not a field of {model.__name__}")
                elif root == CAUGHT and parts[1:2] == ["document"]:  # a function's error document, parsed
                    if parts[2:] != ["errorMessage"]:
                        problems.append(f"{name}: {key} reads {match.group(0)}, not a Lambda error document's")
                elif root == CAUGHT and len(parts) > 1 and parts[1] not in _names(TaskError):
                    problems.append(f"{name}: {key} reads {match.group(0)}, not a field of TaskError")
                elif root not in written and root not in execution:
                    problems.append(f"{name}: {key} reads {match.group(0)}: not in the execution input, never written")
        for rule in _rules(state):
            variable, value = rule.get("Variable"), rule.get("StringEquals")
            if value is None:
                continue
            if variable in ("$.node.result.state", "$.gate.Item.state.S") and value not in node_states:
                problems.append(f"{name}: {variable} compared with {value!r}, not a NodeState")
            if variable == f"$.{json_names(ExecutionInput).mode}" and value not in execution_modes:
                problems.append(f"{name}: {variable} compared with {value!r}, not an execution mode")
    return problems


def _rules(state: dict[str, Any]) -> Iterator[dict[str, Any]]:
    pending = list(state.get("Choices", []))
    while pending:
        rule = pending.pop()
        yield rule
        pending += rule.get("And", []) + rule.get("Or", []) + ([rule["Not"]] if "Not" in rule else [])


@pytest.mark.parametrize("form", ["auto", "generic"])
def test_every_compiled_machine_keeps_the_contract(form: str) -> None:
    assert len(EXAMPLE_GRAPHS) >= 4
    for file, graph in EXAMPLE_GRAPHS:
        assert contract_violations(compile_default(graph, form=form)) == [], file


def _machine() -> dict[str, Any]:
    """examples/webapp's cache RGD: two resources, one after the other."""
    return compile_default(next(g for f, g in EXAMPLE_GRAPHS if f == "webapp/cache-rgd.yaml"))


def test_the_check_finds_a_machine_that_breaks_the_contract() -> None:
    """The check itself fails on machines built against another contract (it would pass anything otherwise)."""
    definition = _machine()
    assert contract_violations(definition) == []
    broken = copy.deepcopy(definition)
    names = dict(node_tasks(broken))
    names["deployment"]["Retry"][1]["ErrorEquals"] = ["NotReady"]  # an outcome renamed in the functions
    names["deployment timed out"]["CausePath"] = "States.Format('{}', $.error.document.message)"
    task = next(s for s in names.values() if s.get("Parameters", {}).get("FunctionName") == RECONCILE_ARN)
    task["Parameters"]["Payload"]["nodes"] = task["Parameters"]["Payload"].pop("node")  # a misspelt payload key
    names["Record failure"]["Parameters"]["Payload"]["mode"] = "failed"  # a mode finalize does not know
    names["Record failure"]["ResultSelector"] = {"result.$": "$.Payload"}
    names["Failed"]["CausePath"] = "$.finalize.result.pending_status"  # a field FinalizeResult does not have
    names["Mode?"]["Choices"][0]["And"][1]["StringEquals"] = "remove"
    names["Failed"]["ErrorPath"] = "$.error.error"  # the Python name, not the JSON one
    problems = contract_violations(broken)
    expected = [
        "matches 'NotReady', an error no function raises",
        "reads $.error.document.message, not a Lambda error document's",
        "ReconcileTask has no field 'nodes'",
        "ReconcileTask needs 'node'",
        "FinalizeTask.mode cannot be 'failed'",
        "reads $.finalize.result.pending_status, not a field of FinalizeResult",
        "compared with 'remove', not an execution mode",
        "reads $.error.error, not a field of TaskError",
    ]
    assert [e for e in expected if not any(e in p for p in problems)] == [], problems


def test_the_compiler_builds_payloads_only_from_the_models() -> None:
    path = Path("$.instance")
    with pytest.raises(ValueError, match="ReconcileTask has no field nodes"):
        task_parameters(ReconcileTask, instance=path, generation=Path("$.generation"), nodes="db", mode="apply")
    with pytest.raises(ValueError, match="ReconcileTask needs node"):
        task_parameters(ReconcileTask, instance=path, generation=Path("$.generation"), mode="apply")
    with pytest.raises(ValueError, match=r"ReconcileTask.mode = 'chek': Input should be 'apply', 'check' or 'delete'"):
        task_parameters(ReconcileTask, instance=path, generation=Path("$.generation"), node="db", mode="chek")
    assert task_parameters(FinalizeTask, instance=path, generation=Path("$.generation"), error=Path("$.e")) == {
        "instance.$": "$.instance",
        "generation.$": "$.generation",
        "error.$": "$.e",
    }
    assert json_names(TaskError).error == "Error"
    with pytest.raises(AttributeError, match="NodeResult has no field 'status'"):
        _ = json_names(NodeResult).status
