"""LocalAws: moto executing our ASL, Lambda tasks running in-process handlers, EventBridge delivering."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from kroless_cli.localcloud import aws as localaws
from kroless_cli.localcloud.aws import LocalAws, wait_for_execution

from .conftest import Runner


class StoreThrottledError(Exception):
    pass


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"event": event, "function": context.function_name}


def lambda_task(arn: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": arn, **extra}


def invoke_task(arn: str, **extra: Any) -> dict[str, Any]:
    """The optimised integration: payload in Parameters, result under $.Payload."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": arn, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        **extra,
    }


# ---------------------------------------------------------------- Lambda


def test_direct_invoke_runs_handler_with_context(aws: LocalAws) -> None:
    seen: dict[str, Any] = {}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.update(
            arn=context.invoked_function_arn,
            memory=context.memory_limit_in_mb,
            request=context.aws_request_id,
            remaining=context.get_remaining_time_in_millis(),
        )
        return {"sum": event["a"] + event["b"]}

    arn = aws.register_function("adder", handler, memory_mb=256, timeout=30)
    out = aws.client("lambda").invoke(FunctionName="adder", Payload=json.dumps({"a": 1, "b": 2}))
    assert "FunctionError" not in out
    assert json.loads(out["Payload"].read()) == {"sum": 3}
    assert seen["arn"] == arn and seen["memory"] == 256 and seen["request"]
    assert 0 < seen["remaining"] <= 30_000


def test_handler_exception_surfaces_like_lambda(aws: LocalAws) -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        raise StoreThrottledError("slow down")

    aws.register_function("thrower", handler)
    out = aws.client("lambda").invoke(FunctionName="thrower", Payload=b"{}")
    assert out["FunctionError"] == "Unhandled"
    body = json.loads(out["Payload"].read())
    assert body["errorType"] == "StoreThrottledError" and body["errorMessage"] == "slow down"
    assert any("raise StoreThrottledError" in line for line in body["stackTrace"])


def test_unserialisable_result_is_a_marshal_error(aws: LocalAws) -> None:
    aws.register_function("bad", lambda event, context: {"when": object()})
    out = aws.client("lambda").invoke(FunctionName="bad", Payload=b"{}")
    assert out["FunctionError"] == "Unhandled"
    assert json.loads(out["Payload"].read())["errorType"] == "Runtime.MarshalError"


def test_unregistered_function_keeps_moto_echo(aws: LocalAws) -> None:
    lam = aws.client("lambda")
    role = lam.get_function(FunctionName=aws.register_function("ours", echo).split(":")[-1])["Configuration"]["Role"]
    lam.create_function(FunctionName="plain", Runtime="python3.11", Role=role, Handler="x.y", Code={"ZipFile": b"PK"})
    assert lam.invoke(FunctionName="plain", Payload=b'{"k": 1}')["Payload"].read() == b'{"k": 1}'


def test_async_invoke_runs_in_background(aws: LocalAws) -> None:
    done = threading.Event()
    aws.register_function("bg", lambda event, context: done.set())
    out = aws.client("lambda").invoke(FunctionName="bg", InvocationType="Event", Payload=b"{}")
    assert out["StatusCode"] == 202
    assert done.wait(5)


def test_async_invoke_over_256kb_is_rejected(aws: LocalAws) -> None:
    aws.register_function("bg", echo)
    lam = aws.client("lambda")
    big = json.dumps({"blob": "x" * (localaws.ASYNC_PAYLOAD_LIMIT + 1)})
    with pytest.raises(lam.exceptions.ClientError, match="RequestTooLarge"):
        lam.invoke(FunctionName="bg", InvocationType="Event", Payload=big)


# ---------------------------------------------------------------- Step Functions with Lambda tasks


def test_lambda_tasks_both_forms_return_handler_output(aws: LocalAws, runner: Runner) -> None:
    arn = aws.register_function("echo", echo)
    definition = {
        "StartAt": "plain",
        "States": {"plain": lambda_task(arn, Next="integration"), "integration": invoke_task(arn, End=True)},
    }
    desc = runner.run(definition, {"x": 1})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"] == {"event": {"event": {"x": 1}, "function": "echo"}, "function": "echo"}


@pytest.mark.parametrize("form", [lambda_task, invoke_task])
def test_retry_on_handler_error_by_name(aws: LocalAws, runner: Runner, form: Any) -> None:
    calls: list[int] = []

    def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise StoreThrottledError("throttled")
        return {"attempts": len(calls)}

    arn = aws.register_function("flaky", flaky)
    retry = [{"ErrorEquals": ["StoreThrottledError"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}]
    desc = runner.run({"StartAt": "t", "States": {"t": form(arn, Retry=retry, End=True)}})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"] == {"attempts": 2}


@pytest.mark.parametrize("form", [lambda_task, invoke_task])
@pytest.mark.parametrize("matcher", ["ValueError", "States.TaskFailed", "States.ALL"])
def test_catch_into_fallback(aws: LocalAws, runner: Runner, form: Any, matcher: str) -> None:
    def broken(event: dict[str, Any], context: Any) -> None:
        raise ValueError("manifest invalid")

    arn = aws.register_function("broken", broken)
    catch = [{"ErrorEquals": [matcher], "ResultPath": "$.error", "Next": "fallback"}]
    definition = {
        "StartAt": "t",
        "States": {"t": form(arn, Catch=catch, End=True), "fallback": {"Type": "Pass", "End": True}},
    }
    desc = runner.run(definition, {"id": "db"})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"]["id"] == "db"
    assert desc["result"]["error"]["Error"] == "ValueError"
    assert json.loads(desc["result"]["error"]["Cause"])["errorMessage"] == "manifest invalid"


def test_uncaught_error_fails_execution_with_the_type_name(aws: LocalAws, runner: Runner) -> None:
    def broken(event: dict[str, Any], context: Any) -> None:
        raise StoreThrottledError("still throttled")

    arn = aws.register_function("broken", broken)
    desc = runner.run({"StartAt": "t", "States": {"t": lambda_task(arn, End=True)}})
    assert desc["status"] == "FAILED"
    assert desc["error"] == "StoreThrottledError"


def test_result_over_256kb_fails_with_data_limit(aws: LocalAws, runner: Runner) -> None:
    arn = aws.register_function("big", lambda event, context: {"blob": "x" * (300 * 1024)})
    desc = runner.run({"StartAt": "t", "States": {"t": lambda_task(arn, End=True)}})
    assert desc["status"] == "FAILED"
    assert desc["error"] == "States.DataLimitExceeded"


def test_parallel_branches_run_concurrently(runner: Runner) -> None:
    branch = {"StartAt": "w", "States": {"w": {"Type": "Wait", "Seconds": 1, "End": True}}}
    desc = runner.run({"StartAt": "p", "States": {"p": {"Type": "Parallel", "Branches": [branch] * 20, "End": True}}})
    assert desc["status"] == "SUCCEEDED"
    # concurrently: every branch has entered its Wait before any branch has left one
    events = [e["type"] for e in runner.sfn.get_execution_history(executionArn=desc["executionArn"])["events"]]
    entered = [i for i, kind in enumerate(events) if kind == "WaitStateEntered"]
    exited = [i for i, kind in enumerate(events) if kind == "WaitStateExited"]
    assert len(entered) == len(exited) == 20
    assert max(entered) < min(exited)


def test_parallel_lambda_branches(aws: LocalAws, runner: Runner) -> None:
    active: list[int] = []
    peak: list[int] = [0]
    lock = threading.Lock()

    overlapping = threading.Event()

    def slow(event: dict[str, Any], context: Any) -> str:
        with lock:
            active.append(1)
            peak[0] = max(peak[0], len(active))
            if len(active) > 1:
                overlapping.set()
        overlapping.wait(timeout=5)  # hold on until another branch runs too (sequential branches never get there)
        with lock:
            active.pop()
        return str(event["n"])

    arn = aws.register_function("slow", slow)
    branches = [
        {
            "StartAt": "t",
            "States": {"t": invoke_task(arn, Parameters={"FunctionName": arn, "Payload": {"n": i}}, End=True)},
        }
        for i in range(5)
    ]
    desc = runner.run({"StartAt": "p", "States": {"p": {"Type": "Parallel", "Branches": branches, "End": True}}})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"] == ["0", "1", "2", "3", "4"]
    assert peak[0] > 1  # handlers really overlap


def test_map_calls_handler_per_item(aws: LocalAws, runner: Runner) -> None:
    arn = aws.register_function("double", lambda event, context: event["n"] * 2)
    definition = {
        "StartAt": "m",
        "States": {
            "m": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 4,
                "ItemProcessor": {"StartAt": "t", "States": {"t": lambda_task(arn, End=True)}},
                "End": True,
            }
        },
    }
    desc = runner.run(definition, {"items": [{"n": i} for i in range(10)]})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"] == [i * 2 for i in range(10)]


# ---------------------------------------------------------------- nested executions


@pytest.mark.parametrize(
    ("resource", "check"),
    [
        ("arn:aws:states:::states:startExecution", lambda out: out["ExecutionArn"].endswith(":child-run")),
        ("arn:aws:states:::states:startExecution.sync", lambda out: json.loads(out["Output"]) == {"doubled": 42}),
        ("arn:aws:states:::states:startExecution.sync:2", lambda out: out["Output"] == {"doubled": 42}),
    ],
)
def test_state_machine_starts_another(aws: LocalAws, runner: Runner, resource: str, check: Any) -> None:
    arn = aws.register_function("double", lambda event, context: {"doubled": event["n"] * 2})
    child = runner.create({"StartAt": "t", "States": {"t": lambda_task(arn, End=True)}}, name="child")
    parent = {
        "StartAt": "start",
        "States": {
            "start": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"StateMachineArn": child, "Name": "child-run", "Input": {"n.$": "$.n"}},
                "End": True,
            }
        },
    }
    desc = runner.run(parent, {"n": 21})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert check(desc["result"]), desc["result"]
    child_run = wait_for_execution(runner.sfn, f"{child.replace(':stateMachine:', ':execution:')}:child-run")
    assert json.loads(child_run["output"]) == {"doubled": 42}


def test_sync_child_failure_fails_parent_task(aws: LocalAws, runner: Runner) -> None:
    child = runner.create({"StartAt": "f", "States": {"f": {"Type": "Fail", "Error": "Boom"}}}, name="child")
    catch = [{"ErrorEquals": ["States.TaskFailed"], "Next": "caught"}]
    parent = {
        "StartAt": "start",
        "States": {
            "start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child, "Name": "c1"},
                "Catch": catch,
                "End": True,
            },
            # (an object: moto returns a bare string result unencoded as the execution output)
            "caught": {"Type": "Pass", "Result": {"caught": True}, "End": True},
        },
    }
    desc = runner.run(parent)
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"] == {"caught": True}


def test_wait_for_task_token(aws: LocalAws, runner: Runner) -> None:
    sfn = aws.client("stepfunctions")

    def hand_off(event: dict[str, Any], context: Any) -> None:
        token = event["token"]
        threading.Timer(0.05, lambda: sfn.send_task_success(taskToken=token, output='{"ready": true}')).start()

    arn = aws.register_function("handoff", hand_off)
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": arn, "Payload": {"token.$": "$$.Task.Token"}},
        "End": True,
    }
    desc = runner.run({"StartAt": "t", "States": {"t": task}})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"] == {"ready": True}


# ---------------------------------------------------------------- EventBridge


def _bus_with_rule(aws: LocalAws, targets: list[dict[str, Any]]) -> Any:
    events = aws.client("events")
    events.create_event_bus(Name="kroless")
    events.put_rule(
        Name="instances",
        EventBusName="kroless",
        EventPattern=json.dumps({"source": ["kroless"], "detail-type": ["Instance Applied"]}),
    )
    events.put_targets(Rule="instances", EventBusName="kroless", Targets=targets)
    return events


def _put(events: Any, detail: dict[str, Any], detail_type: str = "Instance Applied") -> None:
    entry = {"Source": "kroless", "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": "kroless"}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0


def test_rule_starts_state_machine_with_named_execution(aws: LocalAws, runner: Runner) -> None:
    sm = runner.create({"StartAt": "p", "States": {"p": {"Type": "Pass", "End": True}}}, name="reconcile")
    events = _bus_with_rule(
        aws, [{"Id": "sfn", "Arn": sm, "RoleArn": "arn:aws:iam::123456789012:role/eb", "InputPath": "$.detail"}]
    )
    _put(events, {"executionName": "default-demo-3", "generation": 3})
    _put(events, {"generation": 4})
    _put(events, {"generation": 5}, detail_type="Instance Deleted")  # does not match the rule
    execs = runner.sfn.list_executions(stateMachineArn=sm)["executions"]
    assert len(execs) == 2
    by_name = {e["name"]: e for e in execs}
    named = wait_for_execution(runner.sfn, by_name["default-demo-3"]["executionArn"])
    assert json.loads(named["output"]) == {"executionName": "default-demo-3", "generation": 3}
    (other,) = (e for e in execs if e["name"] != "default-demo-3")
    assert json.loads(wait_for_execution(runner.sfn, other["executionArn"])["input"]) == {"generation": 4}
    assert not aws.async_errors


def test_rule_delivers_whole_event_by_default(aws: LocalAws, runner: Runner) -> None:
    sm = runner.create({"StartAt": "p", "States": {"p": {"Type": "Pass", "End": True}}}, name="whole")
    events = _bus_with_rule(aws, [{"Id": "sfn", "Arn": sm, "RoleArn": "arn:aws:iam::123456789012:role/eb"}])
    _put(events, {"manifest": {"kind": "WebApp"}})
    (execution,) = runner.sfn.list_executions(stateMachineArn=sm)["executions"]
    event = json.loads(wait_for_execution(runner.sfn, execution["executionArn"])["input"])
    assert event["source"] == "kroless" and event["detail-type"] == "Instance Applied"
    assert event["detail"] == {"manifest": {"kind": "WebApp"}}
    assert event["time"].endswith("Z") and "ingestion-time" not in event


def test_rule_invokes_lambda_target_and_keeps_sqs(aws: LocalAws) -> None:
    received: list[dict[str, Any]] = []
    arn = aws.register_function("on-instance", lambda event, context: received.append(event))
    sqs = aws.client("sqs")
    queue = sqs.create_queue(QueueName="audit")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    transformer = {"InputPathsMap": {"g": "$.detail.generation"}, "InputTemplate": '{"gen": <g>}'}
    events = _bus_with_rule(
        aws,
        [
            {"Id": "fn", "Arn": arn},
            {"Id": "fn-const", "Arn": arn, "Input": '{"constant": true}'},
            {"Id": "fn-transformed", "Arn": arn, "InputTransformer": transformer},
            {"Id": "queue", "Arn": queue_arn},
        ],
    )
    _put(events, {"generation": 7})
    aws.drain()
    assert not aws.async_errors
    whole = next(e for e in received if "detail" in e)
    assert whole["detail"] == {"generation": 7}
    assert {"constant": True} in received and {"gen": 7} in received
    messages = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(messages[0]["Body"])["detail"] == {"generation": 7}


def test_lambda_target_failure_is_recorded_not_raised(aws: LocalAws) -> None:
    def broken(event: dict[str, Any], context: Any) -> None:
        raise ValueError("nope")

    arn = aws.register_function("broken", broken)
    events = _bus_with_rule(aws, [{"Id": "fn", "Arn": arn}])
    _put(events, {"generation": 1})
    aws.drain()
    assert len(aws.async_errors) == 1 and "ValueError" in aws.async_errors[0]


# ---------------------------------------------------------------- lifecycle


def test_patches_are_removed_on_exit() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.events.models import Rule
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )

    owners = [(LambdaSimpleBackend, "invoke"), (Rule, "send_to_targets"), (StateTaskService, "_normalise_parameters")]
    before = {attr: owner.__dict__[attr] for owner, attr in owners}
    assert not localaws.patches_installed()
    with LocalAws() as aws:
        assert localaws.patches_installed()
        assert all(owner.__dict__[attr] is not before[attr] for owner, attr in owners)
        localaws.install_patches()  # idempotent
        with pytest.raises(RuntimeError, match="already active"), LocalAws():
            pass
        aws.register_function("f", echo)
    assert not localaws.patches_installed()
    assert all(owner.__dict__[attr] is before[attr] for owner, attr in owners)
    localaws.uninstall_patches()  # idempotent


def test_patches_removed_even_when_body_raises() -> None:
    with pytest.raises(KeyError), LocalAws():
        raise KeyError("boom")
    assert not localaws.patches_installed()


def test_other_account_and_region() -> None:
    with LocalAws("eu-central-1", account="111122223333") as aws:
        arn = aws.register_function("f", echo)
        assert arn == "arn:aws:lambda:eu-central-1:111122223333:function:f"
        out = aws.client("lambda").invoke(FunctionName=arn, Payload=b'{"a": 1}')
        assert json.loads(out["Payload"].read()) == {"event": {"a": 1}, "function": "f"}


def test_running_executions_are_aborted_on_exit() -> None:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    with LocalAws() as aws:
        runner = Runner(aws)
        arn = runner.create({"StartAt": "w", "States": {"w": {"Type": "Wait", "Seconds": 600, "End": True}}})
        ex = runner.sfn.start_execution(stateMachineArn=arn, name="long")["executionArn"]
        backend = stepfunctions_parser_backends["123456789012"]["us-west-2"]
        (execution,) = [e for e in backend._get_executions() if e.execution_arn == ex]
    assert execution.status == "ABORTED"


def test_executions_beyond_the_bound_wait_their_turn_in_start_order() -> None:
    # execution_concurrency=1: the second and third executions are RUNNING (as AWS reports them) but start
    # their first state only when the one before them ends.
    release = {name: threading.Event() for name in ("first", "second", "third")}
    calls: list[str] = []

    def hold(event: dict[str, Any], context: Any) -> str:
        calls.append(event["name"])
        assert release[event["name"]].wait(10), f"{event['name']} never released"
        return str(event["name"])

    with LocalAws(execution_concurrency=1) as aws:
        runner = Runner(aws)
        arn = runner.create({"StartAt": "hold", "States": {"hold": invoke_task(aws.register_function("hold", hold), End=True)}})
        started = [
            runner.sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps({"name": name}))["executionArn"]
            for name in release
        ]
        statuses = [runner.sfn.describe_execution(executionArn=ex)["status"] for ex in started]
        assert statuses == ["RUNNING", "RUNNING", "RUNNING"]
        wait_until(lambda: calls == ["first"])
        release["first"].set()
        assert wait_for_execution(runner.sfn, started[0])["status"] == "SUCCEEDED"
        wait_until(lambda: calls == ["first", "second"])  # the third still waits for the second
        release["second"].set()
        release["third"].set()
        assert [wait_for_execution(runner.sfn, ex)["status"] for ex in started] == ["SUCCEEDED"] * 3
        assert calls == ["first", "second", "third"]


def test_an_execution_stopped_while_waiting_its_turn_is_aborted_before_its_first_state() -> None:
    release = threading.Event()
    calls: list[str] = []

    def hold(event: dict[str, Any], context: Any) -> None:
        calls.append(event["name"])
        assert release.wait(10)

    with LocalAws(execution_concurrency=1) as aws:
        runner = Runner(aws)
        arn = runner.create({"StartAt": "hold", "States": {"hold": invoke_task(aws.register_function("hold", hold), End=True)}})
        first, waiting = (
            runner.sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps({"name": name}))["executionArn"]
            for name in ("first", "waiting")
        )
        runner.sfn.stop_execution(executionArn=waiting, error="Stopped", cause="by the test")
        release.set()
        assert wait_for_execution(runner.sfn, first)["status"] == "SUCCEEDED"
        assert wait_for_execution(runner.sfn, waiting)["status"] == "ABORTED"
        events = [e["type"] for e in runner.sfn.get_execution_history(executionArn=waiting)["events"]]
        assert events == ["ExecutionStarted", "ExecutionAborted"]
        assert calls == ["first"]


def wait_until(done: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_handler_calls_other_services_during_execution(aws: LocalAws, runner: Runner) -> None:
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="state",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def store(event: dict[str, Any], context: Any) -> dict[str, Any]:
        ddb.put_item(TableName="state", Item={"pk": {"S": event["id"]}, "gen": {"N": str(event["gen"])}})
        return {"stored": event["id"]}

    arn = aws.register_function("store", store)
    desc = runner.run({"StartAt": "t", "States": {"t": lambda_task(arn, End=True)}}, {"id": "db", "gen": 3})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert ddb.get_item(TableName="state", Key={"pk": {"S": "db"}})["Item"]["gen"] == {"N": "3"}


def test_a_tasks_retriable_failure_has_the_name_the_machines_retry(aws: LocalAws, runner: Runner) -> None:
    """AWS Lambda names an uncaught exception by its class (errorType), and Step Functions matches that name; the
    in-process invoke names it the same way, so the compiled machines' Retry (TRANSIENT_ERRORS) matches a task's
    retriable failure here exactly as on AWS."""
    from botocore.exceptions import ClientError

    from kroless.errors import RETRIABLE_ERROR, task_errors
    from kroless.statemachine.asl import TRANSIENT_ERRORS

    calls: list[int] = []

    def task(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(1)
        with task_errors():  # as the reconcile and finalize tasks run
            if len(calls) == 1:
                throttled: Any = {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}
                raise ClientError(throttled, "DescribeDBInstances")
        return {"attempts": len(calls)}

    lam = aws.client("lambda")
    role = lam.get_function(FunctionName=aws.register_function("other", echo).split(":")[-1])["Configuration"]["Role"]
    lam.create_function(FunctionName="task", Runtime="python3.11", Role=role, Handler="app.handler", Code={"ZipFile": b"PK"})
    arn = aws.attach_handler("task", task)  # as the local cloud routes a deployed function to its handler
    out = lam.invoke(FunctionName="task", Payload=b"{}")
    assert json.loads(out["Payload"].read())["errorType"] == RETRIABLE_ERROR
    assert RETRIABLE_ERROR in TRANSIENT_ERRORS
    calls.clear()
    retry = [{"ErrorEquals": TRANSIENT_ERRORS, "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}]
    desc = runner.run({"StartAt": "t", "States": {"t": invoke_task(arn, Retry=retry, End=True)}})
    assert desc["status"] == "SUCCEEDED", runner.history(desc)
    assert desc["result"] == {"attempts": 2}


def test_a_dynamodb_request_runs_whole_under_the_lock_writes_take(aws: LocalAws) -> None:
    """moto serialises a read's items after its backend call returns, from the live items: a write in another
    thread (a Lambda handler) must not change them meanwhile, so the whole request, response included, holds the
    lock every DynamoDB call takes."""
    import threading

    from kroless_cli.localcloud.aws import _DYNAMODB_LOCK

    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="snap",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="snap", Item={"pk": {"S": "a"}, "v": {"S": "before"}})
    answers: list[str] = []
    reader = threading.Thread(target=lambda: answers.append(ddb.get_item(TableName="snap", Key={"pk": {"S": "a"}})["Item"]["v"]["S"]))
    with _DYNAMODB_LOCK:  # a write in progress
        reader.start()
        reader.join(timeout=1)
        assert reader.is_alive() and answers == []  # the read waits for it
    reader.join(timeout=30)
    assert answers == ["before"]
