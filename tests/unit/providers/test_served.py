"""Which ACK kinds kroless serves: one answer, the AWS provider's catalog (hand table + generic engine), asked
without the AWS SDK."""

from __future__ import annotations

import importlib
import subprocess
import sys

from kroless.providers.aws import catalog
from kroless.providers.aws import kinds as kind_table
from kroless.providers.aws.services import GENERIC_KINDS
from kroless.providers.served import ack_kind_served, served_ack_kinds
from kroless.schemas.ack import ack_kind
from kroless.schemas.ack_served import generic_kinds


def test_the_served_kinds_are_the_providers_table() -> None:
    assert set(served_ack_kinds()) == {(entry.service, entry.kind) for entry in catalog.all_kinds()}
    assert len(kind_table.all_kinds()) == 39 and len(served_ack_kinds()) == 39 + len(generic_kinds())
    assert ack_kind_served("s3", "Bucket") and ack_kind_served("sqs", "Queue") and ack_kind_served("kinesis", "Stream")
    assert not ack_kind_served("sqs", "Queues") and not ack_kind_served("sns", "PlatformApplication")
    assert len(served_ack_kinds()) >= 240  # issue 11: at least 240 of ACK's 257 kinds


def test_the_generic_engine_never_shadows_the_hand_table() -> None:
    assert [key for key in GENERIC_KINDS if kind_table.lookup(*key) is not None] == []
    assert [key for key in generic_kinds() if kind_table.lookup(*key) is not None] == []
    assert catalog.lookup("s3", "Bucket") is kind_table.lookup("s3", "Bucket")
    assert catalog.lookup("sqs", "Queue") is not None and catalog.lookup("sqs", "Queue").create.op == "CreateQueue"
    assert catalog.lookup("eks", "Cluster") is kind_table.lookup("eks", "Cluster")


def test_each_hand_kind_lives_in_its_service_module() -> None:
    """The index names the module holding each hand-written entry, and lists every entry a module holds."""
    for (service, kind), module in kind_table.HAND_KINDS.items():
        assert module == {"lambda": "lambda_"}.get(service, service)
        entries = importlib.import_module(f"kroless.providers.aws.services.{module}").KINDS
        assert [(e.service, e.kind) for e in entries if e.kind == kind] == [(service, kind)], module
        assert all(kind_table.HAND_KINDS.get((e.service, e.kind)) == module for e in entries), module


def test_a_hand_kind_loads_only_its_service_module() -> None:
    """The reconcile function's cold start: importing the provider loads no service module, and using an EC2
    kind loads ec2's alone."""
    code = (
        "import sys\n"
        "from kroless.providers.aws import AwsProvider, catalog\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith('kroless.providers.aws.services.'))\n"
        "before = loaded()\n"
        "catalog.lookup('ec2', 'VPC')\n"
        "print(before, loaded())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] ['kroless.providers.aws.services.ec2']"


def test_every_served_kind_is_an_ack_kind() -> None:
    """A table entry ACK has no CRD for could never be type-checked (nor written by a Kro+ACK user)."""
    assert [k for k in served_ack_kinds() if ack_kind(f"{k[0]}.services.k8s.aws/v1alpha1", k[1]) is None] == []


def test_asking_imports_no_aws_sdk() -> None:
    """The compiler asks while it compiles, also in `kroless validate` on a laptop: boto3 stays unimported."""
    code = (
        "import sys\n"
        "from kroless.providers.served import ack_kind_served\n"
        "assert ack_kind_served('ec2', 'VPC') and ack_kind_served('sqs', 'Queue')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
