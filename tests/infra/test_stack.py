"""The synthesized stack: resources and their properties, event routing, outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Match

from infra.event_routing import (
    INSTANCE_DETAIL_TYPES,
    RGD_DETAIL_TYPES,
    ROLLOUT_DETAIL_TYPE,
    SOURCE_CONTROLLER,
    SOURCE_REQUESTS,
)
from kroless import operations, services
from kroless import settings as names
from kroless.store.table import TTL_ATTRIBUTE, table_definition
from tests.infra.conftest import Synth

EVENTS = Path(__file__).resolve().parents[2] / "events"


def _one(synth: Synth, type_: str) -> dict[str, Any]:
    resources = synth.resources(type_)
    assert len(resources) == 1, f"{type_}: {sorted(resources)}"
    return next(iter(resources.values()))["Properties"]


def _function(synth: Synth, service_name: str) -> dict[str, Any]:
    for resource in synth.resources("AWS::Lambda::Function").values():
        props = resource["Properties"]
        if props["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME") == service_name:
            return props
    raise AssertionError(f"no function {service_name}")


def _logical_id(synth: Synth, type_: str, predicate: Any) -> str:
    found = [k for k, v in synth.resources(type_).items() if predicate(v["Properties"])]
    assert len(found) == 1, found
    return found[0]


# -- the state table -----------------------------------------------------------------------------------


def test_table_matches_table_definition(synth: Synth) -> None:
    props = _one(synth, "AWS::DynamoDB::Table")
    definition = table_definition("x")
    assert props["BillingMode"] == definition["BillingMode"]
    assert props["KeySchema"] == definition["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(definition["AttributeDefinitions"], key=str)
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {i["IndexName"] for i in definition["GlobalSecondaryIndexes"]} == {"ownership", "listing"}
    for index in definition["GlobalSecondaryIndexes"]:
        assert indexes[index["IndexName"]]["KeySchema"] == index["KeySchema"]
        assert indexes[index["IndexName"]]["Projection"] == index["Projection"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_table_is_recoverable_and_encrypted(synth: Synth) -> None:
    synth.template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": Match.object_like(
                {
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "SSESpecification": {"SSEEnabled": True},
                    "DeletionProtectionEnabled": True,
                }
            ),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_dead_letter_queue_is_encrypted_and_tls_only(synth: Synth) -> None:
    synth.template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})
    policy = _one(synth, "AWS::SQS::QueuePolicy")["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy)


# -- functions -------------------------------------------------------------------------------------------


def test_six_functions_on_python312_arm64_with_the_layer(synth: Synth) -> None:
    functions = synth.resources("AWS::Lambda::Function")
    assert len(functions) == 6  # compile, admit, reconcile_node, finalize + drift, resync
    layer = _logical_id(synth, "AWS::Lambda::LayerVersion", lambda p: True)
    for resource in functions.values():
        props = resource["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == "app.handler"
        assert props["Layers"] == [{"Ref": layer}]
        assert props["TracingConfig"] == {"Mode": "Active"}  # context tracing=true
        assert "LogGroup" in props["LoggingConfig"]
    synth.template.has_resource_properties(
        "AWS::Lambda::LayerVersion", {"CompatibleArchitectures": ["arm64"], "CompatibleRuntimes": ["python3.12"]}
    )


def test_function_environment_is_what_settings_reads(synth: Synth) -> None:
    table = _logical_id(synth, "AWS::DynamoDB::Table", lambda p: True)
    for name in ("compile", "admit", "reconcile-node", "finalize"):
        env = _function(synth, f"kroless-{name}")["Environment"]["Variables"]
        assert env["KROLESS_TABLE"] == {"Ref": table}
        assert env["KROLESS_EVENT_BUS"] == "kroless"
        assert env["KROLESS_STATE_MACHINE_PREFIX"] == names.STATE_MACHINE_PREFIX
        assert env["KROLESS_EKS_CLUSTER"] == "dev"  # the first configured cluster
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "kroless"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    compile_env = _function(synth, "kroless-compile")["Environment"]["Variables"]
    reconcile = _logical_id(
        synth,
        "AWS::Lambda::Function",
        lambda p: p["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "kroless-reconcile-node",
    )
    finalize = _logical_id(
        synth,
        "AWS::Lambda::Function",
        lambda p: p["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "kroless-finalize",
    )
    assert compile_env["KROLESS_RECONCILE_FUNCTION_ARN"] == {"Fn::GetAtt": [reconcile, "Arn"]}
    assert compile_env["KROLESS_FINALIZE_FUNCTION_ARN"] == {"Fn::GetAtt": [finalize, "Arn"]}
    role = compile_env["KROLESS_STATE_MACHINE_ROLE_ARN"]["Fn::GetAtt"][0]
    trust = synth.json["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "states.amazonaws.com"}
    settings = services.Settings.from_environment({k: "x" for k in compile_env})
    assert settings.state_machine_role_arn == "x" and settings.reconcile_function_arn == "x"
    # the machines compile creates log to the stack's vended-logs group, at ERROR by default, traced when asked
    logs = _logical_id(
        synth, "AWS::Logs::LogGroup", lambda p: p.get("LogGroupName") == "/aws/vendedlogs/states/kroless"
    )
    assert compile_env["KROLESS_STATE_MACHINE_LOG_GROUP_ARN"] == {"Fn::GetAtt": [logs, "Arn"]}
    assert compile_env["KROLESS_STATE_MACHINE_LOG_LEVEL"] == "ERROR"
    assert compile_env["KROLESS_STATE_MACHINE_TRACING"] == "true"  # CONTEXT has tracing on
    configuration = services.Settings.from_environment(
        {k: v if isinstance(v, str) else "arn:aws:logs:eu-west-1:1:log-group:g" for k, v in compile_env.items()}
    ).state_machine_configuration()
    assert configuration["loggingConfiguration"]["includeExecutionData"] is False
    assert configuration["tracingConfiguration"] == {"enabled": True}


def test_log_groups_have_retention(synth: Synth) -> None:
    groups = synth.resources("AWS::Logs::LogGroup")
    assert len(groups) == 8  # six functions + failed executions + state machine execution logs
    assert all(g["Properties"]["RetentionInDays"] == 30 for g in groups.values())


def test_event_driven_functions_have_a_dead_letter_queue(synth: Synth) -> None:
    queue = _logical_id(synth, "AWS::SQS::Queue", lambda p: True)
    for name in ("compile", "admit"):
        assert _function(synth, f"kroless-{name}")["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue, "Arn"]}}


# -- event routing ----------------------------------------------------------------------------------------


def test_event_vocabulary_matches_the_core(synth: Synth) -> None:
    assert set(RGD_DETAIL_TYPES) == {operations.RGD_APPLIED, operations.RGD_DELETED}
    assert ROLLOUT_DETAIL_TYPE == operations.RGD_ROLLOUT
    assert set(INSTANCE_DETAIL_TYPES) == {operations.INSTANCE_APPLIED, operations.INSTANCE_DELETED}
    assert SOURCE_REQUESTS == names.EVENT_SOURCE_REQUESTS
    assert SOURCE_CONTROLLER == names.EVENT_SOURCE_CONTROLLER


def test_bus_kroless_with_resource_policy(synth: Synth) -> None:
    assert _one(synth, "AWS::Events::EventBus")["Name"] == "kroless"
    statements = [p["Properties"]["Statement"] for p in synth.resources("AWS::Events::EventBusPolicy").values()]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert len(allow) == 1 and allow[0]["Principal"]["AWS"]["Fn::Join"][1][-1] == ":root"
    assert len(deny) == 1 and deny[0]["Condition"]["StringEquals"] == {"events:source": "kroless.controller"}
    allowed_emitters = {a["Fn::GetAtt"][0] for a in deny[0]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]}
    # admit and finalize (outcomes), drift and resync (Drift Detected), compile (the next batch of a rollout)
    assert len(allowed_emitters) == 5


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge matching, for the subset our patterns use (exact values, prefix)."""
    for key, expected in pattern.items():
        value = event.get(key)
        if isinstance(expected, dict):
            if not isinstance(value, dict) or not _matches(expected, value):
                return False
            continue
        if not any(
            (isinstance(e, dict) and isinstance(value, str) and value.startswith(e["prefix"])) or e == value
            for e in expected
        ):
            return False
    return True


def _bus_rules(synth: Synth) -> list[tuple[str, dict[str, Any]]]:
    """(target function service name, rule properties) of each rule on the kroless bus."""
    names = {
        k: v["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        for k, v in synth.resources("AWS::Lambda::Function").items()
    }
    out = []
    for rule in synth.resources("AWS::Events::Rule").values():
        props = rule["Properties"]
        if "EventBusName" in props:
            (target,) = props["Targets"]
            out.append((names[target["Arn"]["Fn::GetAtt"][0]], props))
    return out


def test_rules_route_requests_to_compile_and_admit(synth: Synth) -> None:
    patterns = sorted((fn, json.dumps(props["EventPattern"], sort_keys=True)) for fn, props in _bus_rules(synth))
    assert patterns == sorted(
        [
            ("kroless-compile", json.dumps({"detail-type": list(RGD_DETAIL_TYPES), "source": ["kroless"]}, sort_keys=True)),
            # the next batch of an RGD update's rollout: only kroless's own roles may put controller events
            ("kroless-compile", json.dumps({"detail-type": [ROLLOUT_DETAIL_TYPE], "source": [SOURCE_CONTROLLER]}, sort_keys=True)),
            ("kroless-admit", json.dumps({"detail-type": list(INSTANCE_DETAIL_TYPES), "source": ["kroless"]}, sort_keys=True)),
        ]
    )
    for _, props in _bus_rules(synth):
        (target,) = props["Targets"]
        assert "DeadLetterConfig" in target and target["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_sample_events_reach_exactly_their_function(synth: Synth) -> None:
    rules = _bus_rules(synth)
    expected = {
        "rgd-applied.json": {"kroless-compile"},
        "rgd-deleted.json": {"kroless-compile"},
        "rgd-rollout.json": {"kroless-compile"},
        "instance-applied.json": {"kroless-admit"},
        "instance-deleted.json": {"kroless-admit"},
        "instance-reconciled.json": set(),  # what kroless emits never loops back
        "instance-failed.json": set(),
    }
    for name, targets in expected.items():
        event = json.loads((EVENTS / name).read_text())
        assert {fn for fn, props in rules if _matches(props["EventPattern"], event)} == targets, name


def test_cloudtrail_rules_target_the_drift_function(synth: Synth) -> None:
    rules = [r["Properties"] for r in synth.resources("AWS::Events::Rule").values()]
    drift = [r for r in rules if r["EventPattern"].get("detail-type") == ["AWS API Call via CloudTrail"]]
    assert drift and all("EventBusName" not in r for r in drift)  # the default bus


# -- observability ----------------------------------------------------------------------------------------


def test_alarm_on_failed_executions_of_kroless_machines(synth: Synth) -> None:
    rules = [
        r["Properties"] for r in synth.resources("AWS::Events::Rule").values() if "EventBusName" not in r["Properties"]
    ]
    (failed,) = [r for r in rules if r["EventPattern"]["source"] == ["aws.states"]]
    pattern = failed["EventPattern"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert pattern["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    prefix = pattern["detail"]["stateMachineArn"][0]["prefix"]["Fn::Join"][1]
    assert prefix[-1] == ":stateMachine:kroless-"
    log_group = _logical_id(synth, "AWS::Logs::MetricFilter", lambda p: True)
    metric_filter = synth.json["Resources"][log_group]["Properties"]
    assert metric_filter["MetricTransformations"][0]["MetricNamespace"] == "kroless"
    assert metric_filter["MetricTransformations"][0]["MetricName"] == "ExecutionsFailed"
    synth.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Namespace": "kroless", "MetricName": "ExecutionsFailed", "Threshold": 1, "TreatMissingData": "notBreaching"},
    )
    # EventBridge may write to that log group (a native resource policy, no custom resource)
    policy = json.dumps(_one(synth, "AWS::Logs::ResourcePolicy")["PolicyDocument"])
    assert "events.amazonaws.com" in policy
    assert not synth.resources("Custom::CloudwatchLogResourcePolicy")


# -- outputs ---------------------------------------------------------------------------------------------


def test_outputs_for_the_cli(synth: Synth) -> None:
    from infra.app import STACK_NAME
    from kroless_cli.commands import main, target

    outputs = synth.json["Outputs"]
    for key in (
        target.OUTPUT_BUS,
        target.OUTPUT_TABLE,
        target.OUTPUT_PREFIX,
        "Region",
        "CompileFunctionName",
        "AdmitFunctionName",
        "ReconcileNodeFunctionName",
        "FinalizeFunctionName",
        "DeveloperPolicyArn",
        "PlatformPolicyArn",
    ):
        assert key in outputs, key
    assert outputs["StateMachinePrefix"]["Value"] == "kroless-"
    assert outputs["Region"]["Value"] == {"Ref": "AWS::Region"}
    assert f'default="{STACK_NAME}"' in Path(main.__file__).read_text()  # kroless --stack defaults to ours
