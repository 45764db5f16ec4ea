"""The generic ACK engine's derivation: generator.yaml + CRD + botocore's model -> a table entry."""

from __future__ import annotations

import subprocess
import sys

from kroless.providers.aws.generic import derivation, derive
from kroless.providers.aws.table import Ref


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
    assert repository is not None and repository.not_found[0] == "RepositoryNotFoundException"  # errors.404.code
    assert repository.find is not None and repository.find.params == {"repositoryNames": ["{name}"]}  # a list member
    secret = derive("secretsmanager", "Secret")
    assert secret is not None and secret.renames == {"replicaRegions": "AddReplicaRegions"}
    assert [(u.op, u.fields) for u in secret.updates] == [("UpdateSecret", ("description", "kmsKeyID", "secretString"))]
    assert "secretBinary" in secret.exclude  # ignored in generator.yaml: not in ACK's CRD


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
