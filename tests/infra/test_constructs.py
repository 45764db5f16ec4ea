"""Constructs on their own, in tiny stacks (no layer, no nag: cheap), and the context parsing."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template

from infra.app import cdk_json_context
from infra.config import ClusterConfig, DeploymentConfig
from infra.core_layer import STAMP, CoreLayer, CoreLayerProps
from infra.drift_rules import DriftRules, DriftRulesProps
from infra.kind_actions import mutating_operations, select_kinds
from infra.state_table import StateTable, StateTableProps


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "T")


def test_state_table_with_a_customer_managed_key() -> None:
    stack = _stack()
    StateTable(stack, "State", StateTableProps(encryption="cmk", retain=False))
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {"SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()}},
    )
    template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete"})


def test_state_table_with_an_existing_key() -> None:
    stack = _stack()
    arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    StateTable(stack, "State", StateTableProps(encryption=arn))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties(
        "AWS::DynamoDB::Table", {"SSESpecification": {"KMSMasterKeyId": arn, "SSEEnabled": True, "SSEType": "KMS"}}
    )


def test_drift_rules_match_cloudtrail_calls_of_the_managed_services() -> None:
    stack = _stack()
    target = lambda_.Function(
        stack, "Drift", runtime=lambda_.Runtime.PYTHON_3_12, handler="app.handler", code=lambda_.Code.from_inline("x")
    )
    calls = mutating_operations(select_kinds(["rds", "elasticache"]))
    DriftRules(stack, "DriftRules", DriftRulesProps(calls=calls, target=target))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Events::Rule", 2)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.rds"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {"eventSource": ["rds.amazonaws.com"], "eventName": Match.array_with(["ModifyDBInstance"])},
            }
        },
    )


def test_drift_rules_are_empty_without_a_target() -> None:
    stack = _stack()
    DriftRules(stack, "DriftRules", DriftRulesProps(calls={"rds": ["ModifyDBInstance"]}))
    Template.from_stack(stack).resource_count_is("AWS::Events::Rule", 0)


def _config(**context: object) -> DeploymentConfig:
    return DeploymentConfig.from_context(cdk.App(context=context).node)


def test_context_from_the_command_line_as_strings() -> None:
    config = _config(allowedServices="ec2,rds", clusters='["a", {"name": "b", "namespaces": ["x"]}]', tracing="true")
    assert config.allowed_services == ("ec2", "rds")
    assert config.clusters == (ClusterConfig("a"), ClusterConfig("b", namespaces=("x",)))
    assert config.tracing is True


def test_context_defaults() -> None:
    config = _config()
    assert (config.architecture, config.python_version, config.tracing) == ("arm64", "3.12", False)
    assert config.allowed_services == () and config.clusters == ()


@pytest.mark.parametrize(
    "context",
    [
        {"architecture": "arm"},
        {"pythonVersion": "3.11"},
        {"tableEncryption": "kms"},
        {"clusters": ["a", "a"]},
        {"clusters": [{"name": "a", "accessPolicy": "Admin"}]},
    ],
)
def test_bad_context_is_an_error(context: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _config(**context)


def test_cdk_json_runs_the_app_with_python3_and_holds_the_defaults() -> None:
    import json

    from infra.app import REPO

    cdk_json = json.loads((REPO / "cdk.json").read_text())
    assert cdk_json["app"] == "python3 infra/app.py"
    assert cdk_json_context()["architecture"] == "arm64"
    _config(**cdk_json["context"])  # the defaults parse


@pytest.mark.parametrize("bytecode", [False, True])
def test_core_layer_without_bytecode_warns_at_synth(tmp_path: Path, bytecode: bool) -> None:
    """A layer built where the runtime's Python was missing (its stamp says so) deploys, with a synth warning that
    names the missing interpreter and the cost; a layer with bytecode synthesizes without one."""
    layer = tmp_path / "layer"
    (layer / "python" / "kroless").mkdir(parents=True)
    (layer / "python" / "kroless" / "__init__.py").write_text("")
    (layer / STAMP).write_text(json.dumps({"digest": "d" * 64, "python": "3.12", "bytecode": bytecode}))
    stack = _stack()
    props = CoreLayerProps(lambda_.Architecture.ARM_64, lambda_.Runtime.PYTHON_3_12, "arm64", "3.12", str(layer))
    CoreLayer(stack, "Core", props)
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("python3.12 not found"))
    if bytecode:
        assert warnings == []
    else:
        assert len(warnings) == 1 and "slower" in str(warnings[0].entry.data)
        assert str(layer) in str(warnings[0].entry.data)
