"""One synthesis of the kroless stack per test session (each costs seconds and about 0.5 GB).

The layer asset is a stub directory (``layerAssetPath``): the real layer build is tested on its own
(test_layer_build.py). cdk-nag's AwsSolutions pack runs in this synthesis exactly as in ``cdk synth``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CLUSTERS = ["dev", {"name": "prod", "accessPolicy": "AmazonEKSEditPolicy", "namespaces": ["apps", "data"]}]
ALLOWED_SERVICES = ["ec2", "rds", "elasticache"]
CONTEXT: dict[str, Any] = {
    "architecture": "arm64",
    "pythonVersion": "3.12",
    "allowedServices": ALLOWED_SERVICES,
    "allowedKinds": ["s3/Bucket"],
    "clusters": CLUSTERS,
    "tracing": True,
    "tableEncryption": "aws-managed",
    "logRetentionDays": 30,
}


@dataclass
class Synth:
    stack: Any
    template: Any  # aws_cdk.assertions.Template
    json: dict[str, Any]
    outdir: Path
    report: dict[str, Any]  # cdk-nag's validation report

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.json["Resources"].items() if v["Type"] == type_}


def stub_layer(root: Path) -> Path:
    (root / "python" / "kroless").mkdir(parents=True)
    (root / "python" / "kroless" / "__init__.py").write_text('"""stub layer for the infra tests"""\n')
    return root


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synthesize(tmp_path_factory, CONTEXT)


@pytest.fixture(scope="session")
def synth_all(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Every service of the AWS kinds allowed (as the local cloud deploys it): the largest reconcile policy."""
    from infra.kind_actions import known_services

    return _synthesize(tmp_path_factory, {**CONTEXT, "allowedServices": known_services(), "allowedKinds": []})


def _synthesize(tmp_path_factory: pytest.TempPathFactory, context: dict[str, Any]) -> Synth:
    from aws_cdk.assertions import Template

    from infra.app import STACK_NAME, build_app

    layer = stub_layer(tmp_path_factory.mktemp("layer"))
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app({**context, "layerAssetPath": str(layer)}, outdir=str(outdir))
    app.synth()  # raises when cdk-nag reports an unacknowledged finding
    template_json = json.loads((outdir / f"{STACK_NAME}.template.json").read_text())
    report_path = outdir / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return Synth(
        stack=stack, template=Template.from_json(template_json), json=template_json, outdir=outdir, report=report
    )
