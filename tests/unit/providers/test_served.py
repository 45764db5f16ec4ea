"""Which ACK kinds kroless serves: one answer, the AWS provider's table, asked without the AWS SDK."""

from __future__ import annotations

import subprocess
import sys

from kroless.providers.aws import kinds as kind_table
from kroless.providers.served import ack_kind_served, served_ack_kinds
from kroless.schemas.ack import ack_kind


def test_the_served_kinds_are_the_providers_table() -> None:
    assert set(served_ack_kinds()) == {(entry.service, entry.kind) for entry in kind_table.all_kinds()}
    assert len(served_ack_kinds()) == 39
    assert ack_kind_served("s3", "Bucket") and not ack_kind_served("sqs", "Queue")
    assert served_ack_kinds("eks") == [("eks", k) for k in ("AccessEntry", "Addon", "Cluster", "Nodegroup", "PodIdentityAssociation")]


def test_every_served_kind_is_an_ack_kind() -> None:
    """A table entry ACK has no CRD for could never be type-checked (nor written by a Kro+ACK user)."""
    assert [k for k in served_ack_kinds() if ack_kind(f"{k[0]}.services.k8s.aws/v1alpha1", k[1]) is None] == []


def test_asking_imports_no_aws_sdk() -> None:
    """The compiler asks while it compiles, also in `kroless validate` on a laptop: boto3 stays unimported."""
    code = (
        "import sys\n"
        "from kroless.providers.served import ack_kind_served\n"
        "assert ack_kind_served('ec2', 'VPC')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
