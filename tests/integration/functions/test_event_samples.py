"""Every sample in events/ replayed through its function on the local cloud (the deployed stack's functions,
moto's Lambda API calling the real handlers as their own roles), in the order a user would send them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kroless.services import services
from kroless.store import InstanceKey
from kroless_cli.localcloud.cloud import LocalCloud
from tests.conftest import REPO

EVENTS = REPO / "events"
CACHE = InstanceKey("kroless.dev", "v1alpha1", "Cache", "default", "sessions")


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def invoke(cloud: LocalCloud, function: str, event: dict[str, Any]) -> dict[str, Any]:
    response = cloud.client("lambda").invoke(FunctionName=cloud.functions[function], Payload=json.dumps(event))
    payload = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, payload
    return payload  # type: ignore[no-any-return]


def wait_for(check: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {check}")


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(kubernetes_ready_delay=0.2) as local:
        sqs = local.client("sqs")
        queue = sqs.create_queue(QueueName="controller-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = local.client("events")
        pattern = {"source": ["kroless.controller"]}
        events.put_rule(Name="watch", EventBusName=local.bus, EventPattern=json.dumps(pattern))
        events.put_targets(Rule="watch", EventBusName=local.bus, Targets=[{"Id": "q", "Arn": arn}])
        local.queue = queue  # type: ignore[attr-defined]
        yield local


def emitted(cloud: LocalCloud) -> list[dict[str, Any]]:
    messages = cloud.client("sqs").receive_message(QueueUrl=cloud.queue, MaxNumberOfMessages=10)  # type: ignore[attr-defined]
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_rgd_applied_registers_and_creates_the_state_machine(cloud: LocalCloud) -> None:
    result = invoke(cloud, "compile", sample("rgd-applied.json"))
    assert result == {"rgd": "cache.kroless.dev", "stateMachine": "kroless-cache-kroless-dev", "topologicalOrder": ["deployment", "service"]}
    machines = [m["name"] for m in cloud.client("stepfunctions").list_state_machines()["stateMachines"]]
    assert machines == ["kroless-cache-kroless-dev"]
    # execution logs go to the stack's log group, without execution data (secrets never reach the logs)
    machine = cloud.client("stepfunctions").describe_state_machine(stateMachineArn=services().state_machine_arn("cache.kroless.dev"))
    logging = machine["loggingConfiguration"]
    assert (logging["level"], logging["includeExecutionData"]) == ("ERROR", False)
    assert logging["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"].endswith(":log-group:/aws/vendedlogs/states/kroless:*")
    # a replayed event (same id) is answered from the idempotency record, not run again
    assert invoke(cloud, "compile", sample("rgd-applied.json")) == result
    # the next batch of a rollout for revision 2, while revision 1 is registered: nothing to start
    assert invoke(cloud, "compile", sample("rgd-rollout.json")) == {"started": 0, "superseded": True}


def test_instance_applied_starts_the_execution_and_reaches_active(cloud: LocalCloud) -> None:
    result = invoke(cloud, "admit", sample("instance-applied.json"))
    record = wait_for(lambda: (r := cloud.store.get_instance(CACHE)) and r.state == "ACTIVE" and r)
    # the uid's first characters set this life of the instance apart from any earlier one of the same name
    assert result["generation"] == 1 and result["execution"].endswith(f":sessions-default-{record.uid[:8]}-g1")
    assert record.status["endpoint"] == "redis://sessions-cache:6379"
    reconciled = wait_for(lambda: [e for e in emitted(cloud) if e["detail-type"] == "Instance Reconciled"])
    expected = sample("instance-reconciled.json")
    # (moto's SQS delivery leaves out the envelope's `account`; compare what subscribers match on)
    assert reconciled[0]["source"] == expected["source"] and set(reconciled[0]["detail"]) == set(expected["detail"])
    assert reconciled[0]["detail"]["instance"] == expected["detail"]["instance"]


def test_task_samples_run_through_reconcile_node_and_finalize(cloud: LocalCloud) -> None:
    node = invoke(cloud, "reconcile_node", sample("reconcile-node-task.json"))
    assert node["node"] == "deployment" and node["state"] == "SYNCED" and not node["superseded"]
    final = invoke(cloud, "finalize", sample("finalize-task.json"))
    assert final == {"state": "ACTIVE"}


def test_a_task_payload_that_breaks_the_contract_names_the_field(cloud: LocalCloud) -> None:
    """What the state machine sends is parsed into the contract's models (kroless.contract): a payload that
    breaks it fails at once, naming the field, before anything is reconciled."""
    lam = cloud.client("lambda")
    cases = [
        ("reconcile_node", {**sample("reconcile-node-task.json"), "mode": "chek"}, "mode", "Input should be 'apply', 'check' or 'delete'"),
        ("reconcile_node", {**sample("reconcile-node-task.json"), "instance": "sessions"}, "instance", "not an instance reference 'sessions'"),
        ("finalize", {**sample("finalize-task.json"), "generation": "1"}, "generation", "Input should be a valid integer"),
        ("finalize", {**sample("finalize-task.json"), "errors": {"Error": "x"}}, "errors", "Extra inputs are not permitted"),
    ]
    for function, payload, field, why in cases:
        response = lam.invoke(FunctionName=cloud.functions[function], Payload=json.dumps(payload))
        error = json.loads(response["Payload"].read())
        assert response["FunctionError"] == "Unhandled"
        assert error["errorType"] == "ValidationError"  # terminal: the machine's Retry does not match it
        assert f"\n{field}\n  " in error["errorMessage"] and why in error["errorMessage"], error["errorMessage"]


def test_an_invalid_instance_is_refused_and_announced(cloud: LocalCloud) -> None:
    event = sample("instance-applied.json")
    event["id"] = "a-different-event"
    event["detail"]["manifest"]["spec"]["memoryMiB"] = 1
    response = cloud.client("lambda").invoke(FunctionName=cloud.functions["admit"], Payload=json.dumps(event))
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert "spec.memoryMiB" in error["errorMessage"]
    failed = wait_for(lambda: [e for e in emitted(cloud) if e["detail-type"] == "Instance Failed"])
    assert "spec.memoryMiB" in failed[0]["detail"]["error"]
    assert failed[0]["source"] == sample("instance-failed.json")["source"]
    assert cloud.store.get_instance(CACHE).generation == 1  # type: ignore[union-attr]  # nothing half-made


def test_a_rejected_value_never_reaches_events_or_logs(cloud: LocalCloud, capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("instance-applied.json")
    event["id"] = "a-secret-in-the-wrong-field"
    event["detail"]["manifest"]["metadata"]["name"] = "leaky"
    event["detail"]["manifest"]["spec"]["memoryMiB"] = "hunter2-password"
    response = cloud.client("lambda").invoke(FunctionName=cloud.functions["admit"], Payload=json.dumps(event))
    error = json.loads(response["Payload"].read())
    assert "spec.memoryMiB: Invalid value: (value hidden)" in error["errorMessage"]
    failed = wait_for(lambda: [e for e in emitted(cloud) if e["detail-type"] == "Instance Failed"])
    assert "spec.memoryMiB: Invalid value: (value hidden)" in failed[-1]["detail"]["error"]
    assert "hunter2" not in json.dumps(failed) + json.dumps(error) + capsys.readouterr().out


def test_rgd_deletion_is_refused_while_instances_live(cloud: LocalCloud) -> None:
    response = cloud.client("lambda").invoke(FunctionName=cloud.functions["compile"], Payload=json.dumps(sample("rgd-deleted.json")))
    assert "still has 1 instance" in json.loads(response["Payload"].read())["errorMessage"]


def test_instance_then_rgd_deleted(cloud: LocalCloud) -> None:
    uid = cloud.store.get_instance(CACHE).uid
    result = invoke(cloud, "admit", sample("instance-deleted.json"))
    assert result["execution"].endswith(f":sessions-default-{uid[:8]}-g2-delete")
    wait_for(lambda: cloud.store.get_instance(CACHE) is None)
    assert [o for o in cloud.kubernetes.cluster.objects() if o["kind"] != "Namespace"] == []
    event = sample("rgd-deleted.json")
    event["id"] = "after-the-instance-is-gone"
    assert invoke(cloud, "compile", event) == {"rgd": "cache.kroless.dev", "deleted": True}
    assert cloud.client("stepfunctions").list_state_machines()["stateMachines"] == []
