"""The shipped generator.yaml data of ACK's controllers (kroless.schemas.ack_generator, tools/gen_ack_generators.py)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from kroless.schemas.ack_generator import generator_resource, generator_service

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "layers/core/kroless/schemas/ack_generator.json.gz"


def test_data_file_matches_generator(tmp_path: Path, ack_crds: Path) -> None:
    """The shipped file is the generator's output (regenerate with tools/gen_ack_generators.py)."""
    out = tmp_path / "ack_generator.json.gz"
    tool = [sys.executable, str(REPO / "tools/gen_ack_generators.py"), "--source", str(ack_crds), "--output", str(out)]
    subprocess.run(tool, check=True, capture_output=True)
    assert out.read_bytes() == DATA.read_bytes()
    assert DATA.stat().st_size < 64 * 1024


def test_lookup_by_kind_matches_the_sdk_spelling() -> None:
    """generator.yaml keys resources by the SDK's name (ec2 ``Vpc``); kinds spell initialisms (``VPC``)."""
    found = generator_resource("ec2", "VPC")
    assert found is not None and found[0] == "Vpc"
    name, queue = generator_resource("sqs", "Queue") or ("", {})
    assert name == "Queue" and queue["fields"]["QueueUrl"]["is_primary_key"] is True
    assert "print" not in queue  # kubectl columns are not shipped
    assert generator_service("cloudwatchlogs")["model"] == "cloudwatch-logs"
    assert generator_resource("sqs", "Topic") is None and generator_service("nosuch") == {}


def test_the_tool_refuses_a_missing_source(tmp_path: Path) -> None:
    tool = [sys.executable, str(REPO / "tools/gen_ack_generators.py"), "--source", str(tmp_path / "none")]
    failed = subprocess.run([*tool, "--output", str(tmp_path / "x.gz")], capture_output=True, text=True)
    assert failed.returncode == 1 and "no such directory" in failed.stderr
    assert json.loads(gzip.decompress(DATA.read_bytes()))["format"] == 1
