"""kroless_cli.localcloud.sfn_fixes: moto's interpreter handles errors as AWS documents (see the module's docstring).

Each fix has a machine here that moto 5.2.5 runs differently without it (test_moto_still_needs_the_fixes
says so, and fails once a moto release makes a fix unnecessary).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kroless_cli.localcloud import sfn_fixes
from kroless_cli.localcloud.aws import LocalAws, wait_for_execution

ROLE = "arn:aws:iam::123456789012:role/kroless-sfn"
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]
ENDS = {"Ok": {"Type": "Succeed"}, "Caught": {"Type": "Pass", "End": True}}


class Cloud:
    def __init__(self, aws: LocalAws) -> None:
        self.sfn = aws.client("stepfunctions")
        self.calls = 0
        self.release = threading.Event()  # the blocked function returns only at the end of the test
        self.answer_arn = aws.register_function("answer", self._answer)
        self.blocked_arn = aws.register_function("blocked", self._blocked)
        self.callback_arn = aws.register_function("callback", self._callback)
        self.tokens: list[str] = []

    def _callback(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Answers its task later, from another thread, as a task that finishes a dependency does."""
        self.tokens.append(event["token"])

        def answer() -> None:
            if event["answer"] == "success":
                self.sfn.send_task_success(taskToken=event["token"], output=json.dumps({"state": "SYNCED"}))
            else:
                cause = json.dumps({"errorMessage": "waiting for db", "errorType": "NodeNotReady"})
                self.sfn.send_task_failure(taskToken=event["token"], error="NodeNotReady", cause=cause)

        threading.Timer(0.3, answer).start()
        return {"ignored": "the answer is the callback's"}

    def _answer(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.calls += 1
        return {"state": "SYNCED"}

    def _blocked(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.release.wait(30)
        return {}

    def run(self, states: dict[str, Any], start: str) -> dict[str, Any]:
        definition = {"StartAt": start, "States": {**states, **ENDS}}
        name = f"fixes-{abs(hash(json.dumps(definition, sort_keys=True))) % 10**12}"
        arn = self.sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
        started = self.sfn.start_execution(stateMachineArn=arn["stateMachineArn"], input="{}")
        return wait_for_execution(self.sfn, started["executionArn"], timeout=30)

    def task(self, **fields: Any) -> dict[str, Any]:
        """A lambda:invoke task whose ResultSelector selects nothing: a States.Runtime error."""
        return {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": self.answer_arn, "Payload": {}},
            "ResultSelector": {"state.$": "$.Payload.missing"},
            **fields,
        }


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with LocalAws() as aws:  # installs the fixes with its other moto patches
        cloud = Cloud(aws)
        try:
            yield cloud
        finally:
            cloud.release.set()


def callback_task(cloud: Cloud, answer: str) -> dict[str, Any]:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": cloud.callback_arn, "Payload": {"token.$": "$$.Task.Token", "answer": answer}},
        "TimeoutSeconds": 20,
        "Next": "Ok",
        "Catch": [{"ErrorEquals": ["NodeNotReady"], "ResultPath": "$.error", "Next": "Caught"}],
    }
    return cloud.run({"T": state}, "T")


def test_a_callback_task_gets_its_token_and_waits_for_the_answer(cloud: Cloud) -> None:
    """moto 5.2.5 runs .waitForTaskToken with $$.Task.Token and SendTaskSuccess as AWS does (no fix needed)."""
    result = callback_task(cloud, "success")
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"state": "SYNCED"}  # SendTaskSuccess's output, not the function's
    assert len(cloud.tokens) == 1 and len(cloud.tokens[0]) > 10


def test_a_task_failure_reaches_the_catch_with_its_cause(cloud: Cloud) -> None:
    result = callback_task(cloud, "failure")
    assert result["status"] == "SUCCEEDED", result
    caught = json.loads(result["output"])["error"]
    assert caught["Error"] == "NodeNotReady"
    assert json.loads(caught["Cause"]) == {"errorMessage": "waiting for db", "errorType": "NodeNotReady"}


def test_an_answer_to_an_ended_execution_is_refused(cloud: Cloud) -> None:
    callback_task(cloud, "success")
    for call, fields in (("send_task_success", {"output": "{}"}), ("send_task_failure", {"error": "X"})):
        with pytest.raises(cloud.sfn.exceptions.InvalidToken):
            getattr(cloud.sfn, call)(taskToken=cloud.tokens[0], **fields)


def runtime_error_caught_by_all(cloud: Cloud) -> dict[str, Any]:
    return cloud.run({"T": cloud.task(Next="Ok", Catch=CATCH_ALL)}, "T")


def branch_timeout_caught(cloud: Cloud) -> dict[str, Any]:
    branch = {
        "StartAt": "Slow",
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": cloud.blocked_arn, "Payload": {}},
                "TimeoutSeconds": 1,
                "End": True,
            }
        },
    }
    catch = [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Caught"}]
    return cloud.run({"P": {"Type": "Parallel", "Branches": [branch], "Next": "Ok", "Catch": catch}}, "P")


def test_states_all_does_not_catch_a_runtime_error(cloud: Cloud) -> None:
    # AWS: States.ALL "cannot catch the States.DataLimitExceeded terminal error or Runtime error types"
    result = runtime_error_caught_by_all(cloud)
    assert (result["status"], result.get("error")) == ("FAILED", "States.Runtime")
    assert "$.Payload.missing" in result["cause"]


def test_states_all_does_not_retry_a_runtime_error(cloud: Cloud) -> None:
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}]
    result = cloud.run({"T": cloud.task(Next="Ok", Retry=retry)}, "T")
    assert (result["status"], result.get("error")) == ("FAILED", "States.Runtime")
    assert cloud.calls == 1


def test_other_errors_are_still_caught_by_states_all(cloud: Cloud) -> None:
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Kroless.NodeError", "Cause": "x"}}}
    result = cloud.run({"P": {"Type": "Parallel", "Branches": [failing], "Next": "Ok", "Catch": CATCH_ALL}}, "P")
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"])["error"] == {"Error": "Kroless.NodeError", "Cause": "x"}


def test_a_branch_runtime_error_fails_with_its_own_cause(cloud: Cloud) -> None:
    branch = {"StartAt": "T", "States": {"T": cloud.task(End=True)}}
    result = cloud.run({"P": {"Type": "Parallel", "Branches": [branch], "Next": "Ok", "Catch": CATCH_ALL}}, "P")
    assert (result["status"], result.get("error")) == ("FAILED", "States.Runtime")
    assert "$.Payload.missing" in result["cause"] and "Custom Error Names" not in result["cause"]


def test_a_map_iteration_runtime_error_is_not_caught_by_states_all(cloud: Cloud) -> None:
    processor = {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "T", "States": {"T": cloud.task(End=True)}}
    states = {"Init": {"Type": "Pass", "Result": [1], "ResultPath": "$.items", "Next": "M"}}
    states["M"] = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "Next": "Ok", "Catch": CATCH_ALL}
    result = cloud.run(states, "Init")
    assert (result["status"], result.get("error")) == ("FAILED", "States.Runtime")


def test_a_branch_timeout_is_caught_by_the_parallel(cloud: Cloud) -> None:
    result = branch_timeout_caught(cloud)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["error"]["Error"] == "States.Timeout"


def test_install_and_uninstall_are_idempotent() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl

    original = ErrorEqualsDecl.__dict__["_eval_body"]
    sfn_fixes.install()
    sfn_fixes.install()
    assert sfn_fixes.installed() and ErrorEqualsDecl.__dict__["_eval_body"] is not original
    sfn_fixes.uninstall()
    sfn_fixes.uninstall()
    assert not sfn_fixes.installed() and ErrorEqualsDecl.__dict__["_eval_body"] is original


def test_moto_still_needs_the_fixes(cloud: Cloud) -> None:
    sfn_fixes.uninstall()
    try:
        caught = runtime_error_caught_by_all(cloud)
        timeout = branch_timeout_caught(cloud)
        failure = callback_task(cloud, "failure")
    finally:
        sfn_fixes.install()
    assert caught["status"] == "SUCCEEDED", "moto no longer catches States.Runtime with States.ALL: drop that fix"
    assert timeout["status"] == "FAILED" and "Custom Error Names" in timeout["cause"], (
        "moto now keeps a branch's States.* error: drop that fix"
    )
    caught = json.loads(failure["output"])["error"]
    assert caught.get("Cause") is None, "moto now passes SendTaskFailure's cause on: drop that fix"
