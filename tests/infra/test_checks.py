"""cdk-nag (AwsSolutions) and cfn-lint on the synthesized template."""

from __future__ import annotations

import pytest

from tests.infra.conftest import Synth


@pytest.fixture(params=["synth", "synth_all"])
def synthesized(request: pytest.FixtureRequest) -> Synth:
    """The test context's stack and the one allowing every service of the AWS kinds."""
    synth: Synth = request.getfixturevalue(request.param)
    return synth


def test_cdk_nag_reports_nothing_unacknowledged(synthesized: Synth) -> None:
    (report,) = [r for r in synthesized.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert report["conclusion"] == "success"
    assert report["violations"] == []


def test_every_acknowledgment_carries_its_reason(synthesized: Synth) -> None:
    (report,) = [r for r in synthesized.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    acknowledged = report.get("suppressedViolations", [])
    assert acknowledged, "the report lists the acknowledged findings"
    for finding in acknowledged:
        assert len(finding["reason"].strip()) > 20, finding["ruleName"]
    # only wildcard resources of kroless's own scope and the runtime pin are acknowledged
    rules = {f["ruleName"].split("[")[0] for f in acknowledged}
    assert rules <= {"AwsSolutions-IAM5", "AwsSolutions-L1"}, rules


def test_cfn_lint_finds_no_errors(synthesized: Synth) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(synthesized.outdir / "Kroless.template.json", config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    errors = [f"{m.rule.id} {m.message} ({m.path_string})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
