"""The comparison of two runs (scenarios.compare) finds what it must and allows only what concurrency explains."""

from __future__ import annotations

import copy
from typing import Any

from tests.validators.scenarios import compare, nesting_errors


def _pass(next_name: str | None) -> dict[str, Any]:
    return {"Type": "Pass", "Next": next_name} if next_name else {"Type": "Pass", "End": True}


DEFINITION: dict[str, Any] = {
    "StartAt": "Start",
    "States": {
        "Start": _pass("Both"),
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "a1", "States": {"a1": _pass("a2"), "a2": _pass(None)}},
                {
                    "StartAt": "b1",
                    "States": {
                        "b1": _pass("b2"),
                        "b2": {"Type": "Choice", "Choices": [], "Default": "b3"},
                        "b3": _pass(None),
                        "b fails": {"Type": "Fail", "Error": "E"},
                    },
                },
            ],
            "Next": "End",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        },
        "End": {"Type": "Succeed"},
        "Caught": {"Type": "Fail", "Error": "E"},
    },
}


def run(names: list[str], status: str = "SUCCEEDED", **extra: Any) -> dict[str, Any]:
    return {"status": status, "entered": [{"name": n, "input": {"n": 1}} for n in names], **extra}


OK = ["Start", "Both", "a1", "b1", "a2", "b2", "b3", "End"]
INTERLEAVED = ["Start", "Both", "b1", "b2", "b3", "a1", "a2", "End"]


def test_branch_interleaving_is_no_difference() -> None:
    assert compare(DEFINITION, run(OK), run(INTERLEAVED)) == []


def test_a_different_path_in_a_branch_is() -> None:
    other = ["Start", "Both", "a1", "b1", "a2", "b2", "b fails", "Caught"]
    differences = compare(DEFINITION, run(OK), run(other, "FAILED", error="E"))
    assert any(d.startswith("status") for d in differences)
    assert any("Both#1" in d for d in differences)


def test_a_different_input_is() -> None:
    theirs = run(INTERLEAVED)
    theirs["entered"][4] = {"name": "b3", "input": {"n": 2}}
    assert compare(DEFINITION, run(OK), theirs) == ["input of b3: moto {'n': 1} vs node {'n': 2}"]


def test_a_missing_state_is() -> None:
    short = [n for n in OK if n != "a2"]
    assert compare(DEFINITION, run(OK), run(short)) != []


def test_a_sibling_of_a_failed_branch_may_stop_anywhere() -> None:
    failed = dict(status="FAILED", error="E")
    ours = run(["Start", "Both", "a1", "b1", "a2", "b2", "b fails", "Caught"], **failed)
    theirs = run(["Start", "Both", "b1", "b2", "b fails", "a1", "Caught"], **failed)
    assert compare(DEFINITION, ours, theirs) == []
    # but what it did before it stopped must agree
    wrong = run(["Start", "Both", "b1", "b2", "b fails", "a2", "Caught"], **failed)
    assert compare(DEFINITION, ours, wrong) != []


def test_a_branch_state_after_the_parallel_moved_on_is_out_of_order() -> None:
    late = ["Start", "Both", "a1", "b1", "b2", "b3", "End", "a2"]
    assert nesting_errors(DEFINITION, run(late)["entered"]) != []
    assert compare(DEFINITION, run(OK), run(late)) != []


def test_different_calls_are_a_difference() -> None:
    ours, theirs = run(OK, calls={"a apply": 1}), run(OK, calls={"a apply": 2})
    assert compare(DEFINITION, ours, theirs) == ["calls: moto {'a apply': 1} vs node {'a apply': 2}"]
    assert compare(copy.deepcopy(DEFINITION), ours, run(OK, calls={"a apply": 1})) == []
