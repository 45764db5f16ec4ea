"""The compile function's work (operations.apply_rgd) with the deployment's settings, against moto: the state
machine it creates is wired to the deployed stack's table, functions and name prefix."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError
from moto import mock_aws

from kroless import operations
from kroless.errors import KrolessError
from kroless.services import Services, Settings
from kroless.store import create_table
from kroless_cli.commands.main import main
from kroless_cli.commands.registration import wait_registered
from tests.unit.statemachine.asl_walk import node_tasks, rgd_document

REGION = "us-west-2"
ACCOUNT = "123456789012"
# A CloudFormation-generated table name, as `cdk deploy` creates it (never "kroless-state")
TABLE = "Kroless-StateTable-ABC123"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
# Dogs-vs-Cats' shape: the worker needs both stores, so it gates on them through the state table
DOGS_VS_CATS = {"postgres": [], "redis": [], "voteapp": ["redis"], "resultapp": ["postgres"], "workerapp": ["redis", "postgres"]}


def deployment_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "table_name": TABLE,
        "region": REGION,
        "reconcile_function_arn": FUNCTION + "Kroless-ReconcileNode-XYZ",
        "finalize_function_arn": FUNCTION + "Kroless-Finalize-XYZ",
        "state_machine_role_arn": f"arn:aws:iam::{ACCOUNT}:role/Kroless-StateMachineRole-XYZ",
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        create_table(boto3.client("dynamodb", region_name=REGION), TABLE)
        yield


def deployed(settings: Settings) -> Services:
    return Services(settings, session=boto3.session.Session(region_name=REGION))


def created_definition(services: Services, machine: str) -> dict[str, Any]:
    sfn = services.sfn
    arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == machine)
    return dict(json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]))


def test_every_task_invokes_the_deployed_functions(aws: None) -> None:
    settings = deployment_settings()
    services = deployed(settings)
    manifest = rgd_document("dogsvscats", list(DOGS_VS_CATS), DOGS_VS_CATS).body
    result = operations.apply_rgd(services, manifest)
    definition = created_definition(services, result["stateMachine"])
    tasks = [state for _, state in node_tasks(definition) if state["Type"] == "Task"]
    # not series-parallel, yet no table read: a node waiting on another branch waits in its own task, for a callback
    assert {task["Resource"] for task in tasks} == {
        "arn:aws:states:::lambda:invoke",  # finalize
        "arn:aws:states:::lambda:invoke.waitForTaskToken",  # the node tasks
    }
    functions = {task["Parameters"]["FunctionName"] for task in tasks}
    assert functions == {settings.reconcile_function_arn, settings.finalize_function_arn}


def test_a_configured_prefix_names_the_machine_and_its_executions(aws: None) -> None:
    """IAM grants the functions ``<prefix>*`` only: every machine and execution must be under that prefix."""
    services = deployed(deployment_settings(state_machine_prefix="acme-kro-"))
    manifest = rgd_document("webapp.acme.dev", ["a"], {"a": []}).body
    result = operations.apply_rgd(services, manifest)
    assert result["stateMachine"] == "acme-kro-webapp-acme-dev"
    created_definition(services, "acme-kro-webapp-acme-dev")
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "Synthetic", "metadata": {"name": "shop"}, "spec": {"name": "shop"}}
    started = operations.apply_instance(services, instance)
    assert ":stateMachine:" not in started["execution"]
    assert started["execution"].startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:acme-kro-webapp-acme-dev:shop-")


def test_graph_asl_prints_what_the_compile_function_creates(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = deployment_settings()
    services = deployed(settings)
    manifest = rgd_document("dogsvscats", list(DOGS_VS_CATS), DOGS_VS_CATS).body
    created = created_definition(services, operations.apply_rgd(services, manifest)["stateMachine"])
    document = tmp_path / "rgd.yaml"
    document.write_text(yaml.safe_dump(manifest, sort_keys=False))
    flags = [
        "--reconcile-function-arn", settings.reconcile_function_arn,
        "--finalize-function-arn", settings.finalize_function_arn,
    ]  # fmt: skip
    code = main(["graph", "-f", str(document), "-o", "asl", *flags])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out) == created


def test_a_compile_failure_is_reported_at_once_with_its_reason(aws: None) -> None:
    """`kroless apply` waits for the RGD to be registered: a rejected one ends the wait at once, with the
    reason, instead of after the timeout (600 s by default)."""
    services = deployed(deployment_settings())
    manifest = rgd_document("typo", ["a"], {"a": []}).body
    manifest["spec"]["resources"][0]["template"]["data"] = {"k": "${spc.version}"}  # Kro's eks-reused typo
    with pytest.raises(KrolessError, match=r"unknown identifiers: \[spc\]"):
        operations.apply_rgd(services, manifest, event_id="event-1")
    started = time.monotonic()
    with pytest.raises(KrolessError) as reported:
        wait_registered(services.store, manifest, "event-1", timeout=30)
    assert time.monotonic() - started < 2
    assert str(reported.value).startswith('resourcegraphdefinition "typo": resource "a": ')
    assert str(reported.value).endswith("references unknown identifiers: [spc]")


def test_a_refused_state_machine_is_reported_with_step_functions_reason(aws: None) -> None:
    services = deployed(deployment_settings(state_machine_role_arn="not-a-role"))
    manifest = rgd_document("refused", ["a"], {"a": []}).body
    with pytest.raises(ClientError):
        operations.apply_rgd(services, manifest, event_id="event-2")
    with pytest.raises(KrolessError, match=r'^resourcegraphdefinition "refused": An error occurred \(\w+\) when calling the CreateStateMachine'):
        wait_registered(services.store, manifest, "event-2", timeout=30)
    assert services.store.get_rgd("refused") is None


def test_a_later_success_clears_the_rejection(aws: None) -> None:
    services = deployed(deployment_settings(state_machine_role_arn="not-a-role"))
    manifest = rgd_document("retried", ["a"], {"a": []}).body
    with pytest.raises(ClientError):
        operations.apply_rgd(services, manifest, event_id="event-3")
    operations.apply_rgd(deployed(deployment_settings()), manifest, event_id="event-4")
    assert services.store.get_rgd_rejection("retried") is None
    wait_registered(services.store, manifest, "event-4", timeout=30)


def test_an_ack_kind_kroless_does_not_serve_is_refused_before_anything_is_created(aws: None) -> None:
    """Registration compiles the RGD first: an ACK kind the AWS provider cannot create (Kro with ACK would accept
    it) is refused with the alternatives, with no state machine and no registered RGD left behind."""
    services = deployed(deployment_settings())
    manifest = rgd_document("streams", ["a"], {"a": []}).body
    manifest["spec"]["resources"].append(
        {
            "id": "stream",
            "template": {
                "apiVersion": "sns.services.k8s.aws/v1alpha1",
                "kind": "PlatformApplication",
                "metadata": {"name": "${schema.spec.name}"},
                "spec": {"name": "${schema.spec.name}"},
            },
        }
    )
    with pytest.raises(KrolessError, match=r'ACK kind "PlatformApplication" in version "sns.services.k8s.aws/v1alpha1" is not supported'):
        operations.apply_rgd(services, manifest, event_id="event-5")
    assert services.sfn.list_state_machines()["stateMachines"] == []
    assert services.store.get_rgd("streams") is None
    with pytest.raises(KrolessError) as reported:
        wait_registered(services.store, manifest, "event-5", timeout=30)
    assert str(reported.value).startswith(
        'resourcegraphdefinition "streams": kind: failed to build resource "stream": ACK kind "PlatformApplication" in version '
    )
    assert "the sns kinds kroless supports: Subscription, Topic" in str(reported.value)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (  # in ACK's CRD, not handled by kroless's provider
            {"name": "${schema.spec.name}", "requestPayment": {"payer": "Requester"}},
            'spec.requestPayment: failed to build resource "bucket": ACK field spec.requestPayment of Bucket '
            "(s3.services.k8s.aws/v1alpha1) is not supported by kroless yet",
        ),
        (  # not in ACK's CRD: Kro's text, with the nearest field
            {"name": "${schema.spec.name}", "versionning": {"status": "Enabled"}},
            'spec.versionning: failed to build resource "bucket": failed to extract CEL expressions from schema for '
            "resource bucket: error getting field schema for path spec.versionning: schema not found for field "
            'versionning (did you mean "versioning"?)',
        ),
    ],
)
def test_an_ack_field_kroless_cannot_set_is_refused_before_anything_is_created(
    aws: None, spec: dict[str, Any], expected: str
) -> None:
    services = deployed(deployment_settings())
    manifest = rgd_document("buckets", ["a"], {"a": []}).body
    bucket = {"apiVersion": "s3.services.k8s.aws/v1alpha1", "kind": "Bucket", "metadata": {"name": "b"}, "spec": spec}
    manifest["spec"]["resources"].append({"id": "bucket", "template": bucket})
    with pytest.raises(KrolessError):
        operations.apply_rgd(services, manifest, event_id="event-6")
    assert services.sfn.list_state_machines()["stateMachines"] == []
    assert services.store.get_rgd("buckets") is None
    with pytest.raises(KrolessError) as reported:
        wait_registered(services.store, manifest, "event-6", timeout=30)
    assert str(reported.value).startswith(f'resourcegraphdefinition "buckets": {expected}')


def test_an_rgd_registered_before_a_check_was_added_fails_alone(aws: None) -> None:
    """An RGD stored before kroless checked ACK kinds (here one using sns PlatformApplication, which the provider does not serve)
    no longer compiles: its own instances fail with the reason, every other RGD keeps working."""
    services = deployed(deployment_settings())
    old = rgd_document("legacy", ["a"], {"a": []}).body
    old["spec"]["schema"]["kind"] = "Legacy"
    old["spec"]["resources"][0]["template"] = {
        "apiVersion": "sns.services.k8s.aws/v1alpha1",
        "kind": "PlatformApplication",
        "metadata": {"name": "${schema.spec.name}"},
    }
    services.store.put_rgd("legacy", old, {"name": "legacy"})
    operations.apply_rgd(services, rgd_document("fresh", ["a"], {"a": []}).body)
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "Synthetic", "metadata": {"name": "shop"}, "spec": {"name": "shop"}}
    assert operations.apply_instance(services, instance)["execution"]
    with pytest.raises(KrolessError, match=r'ACK kind "PlatformApplication" in version "sns.services.k8s.aws/v1alpha1" is not supported'):
        services.registry.graph("legacy")


def test_the_admit_function_refuses_a_document_no_api_server_parses(aws: None) -> None:
    """An event from another client than the CLI (whose loader refuses it first): nothing stored, one failure event."""
    services = deployed(deployment_settings())
    services.events.create_event_bus(Name=services.settings.event_bus)
    operations.apply_rgd(services, rgd_document("fresh", ["a"], {"a": []}).body)
    deep: dict[str, Any] = {}
    for _ in range(150):
        deep = {"x": deep}
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "Synthetic", "metadata": {"name": "shop"}, "spec": {"name": "shop", "extra": deep}}
    with pytest.raises(KrolessError, match="nested deeper than 100 levels"):
        operations.apply_instance(services, instance)
    assert services.store.list_instances() == []
