"""The generic ACK engine's derivation: generator.yaml + CRD + botocore's model -> a table entry."""

from __future__ import annotations

import subprocess
import sys

from kroless.providers.aws.generic import derivation, derive
from kroless.providers.aws.table import Kind, Ref


def test_a_kind_with_only_a_read_many_is_listed_by_its_renamed_name() -> None:
    """cloudwatchlogs: DescribeLogGroups ``LogGroupNamePrefix`` is renamed to ``Name`` (the primary key); the
    prefix lists /app and /app-other, so the item must match the name exactly."""
    group = derive("cloudwatchlogs", "LogGroup")
    assert group is not None and group.botocore == "logs" and group.name == "name"
    assert group.renames == {"name": "logGroupName"}
    assert group.find is not None and (group.find.op, group.find.params) == ("DescribeLogGroups", {"logGroupNamePrefix": "{name}"})
    assert group.find_match == {"logGroupName": "{name}"}
    assert group.delete.params == {"logGroupName": "{name}"}
    assert group.refs == {"kmsKeyRef": Ref("kmsKeyID", "kms", "Key", "status.ackResourceMetadata.arn")}
    assert set(group.status) == {"creationTime", "dataProtectionStatus", "metricFilterCount", "retentionInDays", "storedBytes"}


def test_names_error_codes_and_updates_come_from_the_data() -> None:
    repository = derive("ecr", "Repository")
    assert repository is not None and "RepositoryNotFoundException" in repository.not_found  # errors.404.code
    assert repository.find is not None and repository.find.params["repositoryNames"] == ["{name}"]  # a list member
    secret = derive("secretsmanager", "Secret")
    assert secret is not None and secret.renames == {"replicaRegions": "AddReplicaRegions"}
    assert [(u.op, u.fields) for u in secret.updates] == [("UpdateSecret", ("description", "kmsKeyID", "secretString"))]
    assert "secretBinary" in secret.exclude  # ignored in generator.yaml: not in ACK's CRD


def test_not_found_codes_are_the_wire_codes_of_the_read_and_delete() -> None:
    """A read before create answers not-found in the service's own words: RDS sends the error shape
    DBParameterGroupNotFoundFault as ``DBParameterGroupNotFound``, CloudFront ``NoSuchFunctionExists``, EC2
    (no errors in its model) ``InvalidDhcpOptionID.NotFound``; AWS Backup's ACK 404 code stays."""
    assert "DBParameterGroupNotFound" in _entry("rds", "DBClusterParameterGroup").not_found
    assert "NoSuchFunctionExists" in _entry("cloudfront", "Function").not_found
    assert "NoSuchHealthCheck" in _entry("route53", "HealthCheck").not_found
    assert "InvalidDhcpOptionID.NotFound" in _entry("ec2", "DHCPOptions").not_found
    assert {"AccessDeniedException", "ResourceNotFoundException"} <= set(_entry("backup", "BackupVault").not_found)


def test_a_read_or_delete_whose_model_requires_nothing_names_the_resource() -> None:
    """GetUser without UserName describes the caller, DescribeStreamSummary and DeleteLaunchTemplate take the
    name or the ARN / id: the call must carry the one kroless knows."""
    assert _entry("iam", "User").read.params == {"UserName": "{name}"}
    assert _entry("kinesis", "Stream").delete.params == {"StreamName": "{name}"}
    assert _entry("ec2", "LaunchTemplate").delete.params == {"LaunchTemplateId": "{id}"}
    assert _entry("networkfirewall", "Firewall").read.params == {"FirewallName": "{name}"}
    alarm = _entry("cloudwatch", "MetricAlarm")  # DescribeAlarms lists metric alarms under MetricAlarms
    assert (alarm.read.params, alarm.read.result) == ({"AlarmNames": ["{name}"]}, "MetricAlarms[0]")
    share = _entry("ram", "ResourceShare")  # named: found by its name, its ARN only once known
    assert share.find is not None and share.find.params["name"] == "{name}"
    assert share.find.params["resourceShareArns"] == ["{id}"]


def test_the_read_and_delete_are_scoped_where_the_resource_was_created() -> None:
    assert _entry("ecs", "Service").delete.params == {"service": "{name}", "cluster": "{spec.cluster}"}
    assert _entry("s3vectors", "Index").delete.params == {"indexName": "{name}", "vectorBucketName": "{spec.vectorBucketName}"}
    # GetWebACL takes the ARN or Name + Scope + Id (none required in the model): what DeleteWebACL requires
    assert _entry("wafv2", "WebACL").read.params == {"Name": "{name}", "Scope": "{spec.scope}", "Id": "{id}"}
    assert "VersionName" not in _entry("ssm", "Document").delete.params  # would delete that version only
    assert "versionName" in _entry("ssm", "Document").updates[0].fields


def test_status_comes_from_the_resource_and_its_own_arn() -> None:
    instance = _entry("ec2", "Instance")  # the instance, not its reservation
    assert instance.read.result == "Reservations[0].Instances[0]" and "privateDNSName" in instance.status
    assert (instance.gone, instance.gone_path) == (("terminated",), "State.Name")
    assert _entry("athena", "WorkGroup").arn == ""  # not IdentityCenterApplicationArn
    assert _entry("ecr", "RepositoryCreationTemplate").arn == ""  # not customRoleArn
    assert _entry("cloudwatch", "MetricAlarm").arn == "AlarmArn"
    assert (_entry("ec2", "ManagedPrefixList").gone, _entry("acmpca", "CertificateAuthority").gone) == (
        ("delete-complete",),
        ("DELETED",),
    )


def _entry(service: str, kind: str) -> Kind:
    entry = derive(service, kind)
    assert entry is not None, f"{service}/{kind} is not derived"
    return entry


def test_unserved_and_hand_table_kinds_are_not_derived() -> None:
    assert derive("sqs", "Topic") is None
    assert derive("kinesis", "Stream") is not None  # every kind the data can make calls for is served
    # ACK sets PlatformApplication's required Attributes map in custom code: no spec field can fill it
    unserved = derivation("sns", "PlatformApplication")
    assert unserved.entry is None and "CreatePlatformApplication requires Attributes" in unserved.reason
    assert derive("s3", "Bucket") is None  # the hand table's


def test_the_provider_imports_no_service_hook_until_a_kind_is_used() -> None:
    code = (
        "import sys\n"
        "from kroless.providers.aws import AwsProvider\n"
        "print(sorted(m for m in sys.modules if m.startswith('kroless.providers.aws.services.') or m.endswith('.generic')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
