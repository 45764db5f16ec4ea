"""ACK kinds in RGDs, as `kroless validate` answers: checked against ACK's CRDs as Kro checks them with ACK
installed, and refused when kroless cannot run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kroless.graph import KindRegistry, typecheck
from kroless_cli.commands.main import main

BUCKET: dict[str, Any] = {
    "id": "bucket",
    "template": {
        "apiVersion": "s3.services.k8s.aws/v1alpha1",
        "kind": "Bucket",
        "metadata": {"name": "${schema.spec.name}"},
        "spec": {"name": "${schema.spec.name}", "versioning": {"status": "Enabled"}},
    },
    "readyWhen": ["${bucket.status.ackResourceMetadata.arn != ''}"],
}


def ack_resource(rid: str, service: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A resource of the RGD: an ACK ``kind`` of ``service`` named after the instance."""
    return {
        "id": rid,
        "template": {
            "apiVersion": f"{service}.services.k8s.aws/v1alpha1",
            "kind": kind,
            "metadata": {"name": "${schema.spec.name}"},
            "spec": spec,
        },
    }


def vpc(**spec: Any) -> dict[str, Any]:
    return ack_resource("vpc", "ec2", "VPC", {"cidrBlocks": ["10.0.0.0/16"], **spec})


def rgd(*resources: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"apiVersion": "v1alpha1", "kind": "Store", "spec": {"name": "string"}}
    if status:
        schema["status"] = status
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": "store"},
        "spec": {"schema": schema, "resources": list(resources)},
    }


def validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict[str, Any], *args: str) -> tuple[int, str, str]:
    path = tmp_path / "rgd.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    code = main([*args, "-f", str(path)] if args else ["validate", "-f", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict[str, Any]) -> str:
    code, out, err = validate(tmp_path, capsys, document)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"{tmp_path / 'rgd.yaml'}: store: ")
    return line


def test_an_rgd_using_ack_fields_correctly_is_valid_and_its_status_is_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = rgd(
        BUCKET,
        vpc(enableDNSSupport=True, tags=[{"key": "bucket", "value": "${bucket.status.ackResourceMetadata.arn}"}]),
        status={"bucketARN": "${bucket.status.ackResourceMetadata.arn}", "vpcID": "${vpc.status.vpcID}"},
    )
    code, out, err = validate(tmp_path, capsys, document)
    assert (code, err) == (0, "")
    assert "store: valid (2 resources)" in out
    code, out, _ = validate(tmp_path, capsys, document, "schema", "-o", "json")
    status = json.loads(out)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    assert status["properties"]["bucketARN"] == {"type": "string"}
    assert status["properties"]["vpcID"] == {"type": "string"}


def test_a_misspelled_ack_field_is_refused_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bucket = json.loads(json.dumps(BUCKET))
    bucket["template"]["spec"]["versionning"] = bucket["template"]["spec"].pop("versioning")
    line = error_line(tmp_path, capsys, rgd(bucket))
    assert line.endswith(
        'store: spec.versionning: failed to build resource "bucket": failed to extract CEL expressions from schema '
        "for resource bucket: error getting field schema for path spec.versionning: schema not found for field "
        'versionning (did you mean "versioning"?)'  # Kro's text, then the nearest fields the CRD has
    )


def test_an_ack_field_kroless_does_not_handle_yet_is_refused_with_the_fields_it_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """requestPayment is in ACK's Bucket CRD (Kro would accept it) but kroless's provider cannot set it: refused
    when validated, not while reconciling."""
    bucket = json.loads(json.dumps(BUCKET))
    bucket["template"]["spec"]["requestPayment"] = {"payer": "Requester"}
    line = error_line(tmp_path, capsys, rgd(bucket))
    assert (
        'store: spec.requestPayment: failed to build resource "bucket": ACK field spec.requestPayment of Bucket '
        "(s3.services.k8s.aws/v1alpha1) is not supported by kroless yet (its AWS provider cannot set it); the Bucket "
        "fields kroless supports: accelerate, acl, cors, " in line
    )
    assert ", tagging, versioning, website" in line


def queue(**spec: Any) -> dict[str, Any]:
    return ack_resource("queue", "sqs", "Queue", {"queueName": "${schema.spec.name}", **spec})


def test_a_generic_kinds_status_is_typed_from_its_crd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """sqs Queue (served by the generic engine): ${queue.status.queueURL} is a string, in the instance's status
    schema and where a template needs another type."""
    code, out, err = validate(tmp_path, capsys, rgd(queue(), status={"url": "${queue.status.queueURL}"}), "schema", "-o", "json")
    assert (code, err) == (0, "")
    status = json.loads(out)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    assert status["properties"]["url"] == {"type": "string"}
    line = error_line(tmp_path, capsys, rgd(queue(), vpc(enableDNSSupport="${queue.status.queueURL}")))
    assert line.endswith(
        'spec.enableDNSSupport: failed to validate resource "vpc": type mismatch in resource "vpc" at path '
        '"spec.enableDNSSupport": expression "queue.status.queueURL" returns type "string" but expected '
        '"bool": type kind mismatch: got "string", expected "bool"'
    )


KROLESS = str(Path(sys.executable).parent / "kroless")  # the console script pip installed beside this Python


def test_validate_exits_1_for_an_unsupported_kind_and_for_an_unknown_field(tmp_path: Path) -> None:
    """The installed `kroless` command, as a user runs it: exit code 1, the file, resource, field and alternatives."""
    cases = {
        "kind.yaml": (rgd(BUCKET, platform_application()), 'failed to build resource "app": ACK kind "PlatformApplication"'),
        "field.yaml": (rgd(queue(visibilityTimeut="30")), 'schema not found for field visibilityTimeut (did you mean "visibilityTimeout"?)'),
    }
    for file, (document, expected) in cases.items():
        path = tmp_path / file
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        done = subprocess.run([KROLESS, "validate", "-f", str(path)], capture_output=True, text=True)
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert done.stderr.startswith(f"{path}: store: ") and expected in done.stderr
        assert "Traceback" not in done.stderr


def test_a_string_where_the_crd_has_a_list_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(tmp_path, capsys, rgd(vpc(cidrBlocks="10.0.0.0/16")))
    assert line.endswith("spec.cidrBlocks: failed to build resource \"vpc\": failed to extract CEL expressions from "
                         "schema for resource vpc: expected array type for path spec.cidrBlocks, got string")  # fmt: skip


def test_an_ack_status_field_has_its_crd_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(tmp_path, capsys, rgd(BUCKET, vpc(enableDNSSupport="${bucket.status.ackResourceMetadata.arn}")))
    assert line.endswith(
        'spec.enableDNSSupport: failed to validate resource "vpc": type mismatch in resource "vpc" at path '
        '"spec.enableDNSSupport": expression "bucket.status.ackResourceMetadata.arn" returns type "string" but expected '
        '"bool": type kind mismatch: got "string", expected "bool"'
    )


def test_an_ack_status_field_that_does_not_exist_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(tmp_path, capsys, rgd(BUCKET, status={"arn": "${bucket.status.arnn}"}))
    assert "undefined field 'arnn'" in line


def test_a_static_value_of_the_wrong_type_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(tmp_path, capsys, rgd(vpc(enableDNSSupport="yes")))
    assert line.endswith("expected boolean type for path spec.enableDNSSupport, got string")


def test_the_type_of_an_unserved_kinds_field_is_known_too() -> None:
    """Its CRD types an ACK kind's fields: ${stream.status.streamStatus} is a string."""
    stream = KindRegistry().lookup("kinesis.services.k8s.aws/v1alpha1", "Stream")
    assert stream.namespaced and not stream.unserved
    assert typecheck.infer("stream.status.streamStatus", "dyn", {"stream": stream.schema}) == {"type": "string"}


def platform_application() -> dict[str, Any]:
    return ack_resource("app", "sns", "PlatformApplication", {"name": "${schema.spec.name}"})


def test_an_ack_kind_kroless_does_not_serve_is_refused_with_the_alternatives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = error_line(tmp_path, capsys, rgd(BUCKET, platform_application()))
    assert line.endswith(
        'store: kind: failed to build resource "app": ACK kind "PlatformApplication" in version '
        '"sns.services.k8s.aws/v1alpha1" is not supported by kroless yet (CreatePlatformApplication requires '
        "Attributes, which ACK's CRD has no spec field for (ACK's custom code sets it)); the sns kinds kroless "
        "supports: Subscription, Topic"
    )
    # a service kroless serves other kinds of: those are named
    instance = {**vpc(), "id": "server"}
    instance["template"] = {**instance["template"], "kind": "FlowLog", "spec": {"resourceType": "VPC"}}
    line = error_line(tmp_path, capsys, rgd(instance))
    assert 'ACK kind "FlowLog" in version "ec2.services.k8s.aws/v1alpha1" is not supported by kroless yet ' \
           "(CreateFlowLogs requires ResourceIds" in line  # fmt: skip
    assert "the ec2 kinds kroless supports: CapacityReservation, DHCPOptions, " in line


def test_an_external_ref_to_an_unserved_kind_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """kroless's provider cannot read it either."""
    external = {
        "id": "app",
        "externalRef": {"apiVersion": "sns.services.k8s.aws/v1alpha1", "kind": "PlatformApplication", "metadata": {"name": "q"}},
    }
    assert 'ACK kind "PlatformApplication" in version "sns.services.k8s.aws/v1alpha1" is not supported' in error_line(
        tmp_path, capsys, rgd(external)
    )


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        (
            "eks.services.k8s.aws/v1alpha1",
            "EKSCluster",
            "schema not found for GVK: eks.services.k8s.aws/v1alpha1, Kind=EKSCluster (ACK's eks controller has no kind "
            'EKSCluster; did you mean "Cluster"?; the eks kinds kroless supports: AccessEntry, Addon, Capability, '
            "Cluster, FargateProfile, IdentityProviderConfig, Nodegroup, PodIdentityAssociation)",
        ),
        (
            "s3.services.k8s.aws/v1beta1",
            "Bucket",
            "schema not found for GVK: s3.services.k8s.aws/v1beta1, Kind=Bucket (ACK serves Bucket in version "
            "s3.services.k8s.aws/v1alpha1, not v1beta1)",
        ),
        (
            "s3.services.k8s.aws/v1alpha1",
            "bucket",
            'schema not found for GVK: s3.services.k8s.aws/v1alpha1, Kind=bucket (ACK\'s s3 controller has no kind bucket; '
            'did you mean "Bucket"?; the s3 kinds kroless supports: Bucket)',
        ),
        (
            "sqqs.services.k8s.aws/v1alpha1",
            "Queue",
            "schema not found for GVK: sqqs.services.k8s.aws/v1alpha1, Kind=Queue (no ACK controller serves "
            "sqqs.services.k8s.aws; kroless supports kinds of acm, acmpca, apigateway, apigatewayv2, ",
        ),
    ],
)
def test_a_kind_ack_does_not_define_is_kros_schema_not_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], api_version: str, kind: str, expected: str
) -> None:
    resource = {"id": "thing", "template": {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}}
    line = error_line(tmp_path, capsys, rgd(resource))
    assert f'store: failed to build resource "thing": failed to get schema for resource thing: {expected}' in line


def test_acks_runtime_kinds_are_valid_for_kro_but_kroless_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Kro with ACK installed accepts an IAMRoleSelector; kroless has no ACK runtime, and says so before it fails."""
    selector = {
        "id": "selector",
        "template": {
            "apiVersion": "services.k8s.aws/v1alpha1",
            "kind": "IAMRoleSelector",
            "metadata": {"name": "${schema.spec.name}"},
            "spec": {"arn": "arn:aws:iam::111122223333:role/ack"},
        },
    }
    code, out, err = validate(tmp_path, capsys, rgd(BUCKET, selector))
    assert code == 0 and "store: valid (2 resources)" in out
    assert err.splitlines() == [
        f"{tmp_path / 'rgd.yaml'}: store: warning: resource \"selector\": services.k8s.aws/v1alpha1 IAMRoleSelector "
        "configures the ACK controllers' runtime, which kroless does not have: reconciling it will fail (kroless "
        "calls AWS with its own role; drop the resource)"
    ]
