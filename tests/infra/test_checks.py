"""cdk-nag (AwsSolutions) and cfn-lint on the synthesized template."""

from __future__ import annotations

from tests.infra.conftest import Synth


def test_cdk_nag_reports_nothing_unacknowledged(synth: Synth) -> None:
    (report,) = [r for r in synth.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert report["conclusion"] == "success"
    assert report["violations"] == []


def test_every_acknowledgment_carries_its_reason(synth: Synth) -> None:
    (report,) = [r for r in synth.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    acknowledged = report.get("suppressedViolations", [])
    assert acknowledged, "the report lists the acknowledged findings"
    for finding in acknowledged:
        assert len(finding["reason"].strip()) > 20, finding["ruleName"]
    # only wildcard resources of kroless's own scope and the runtime pin are acknowledged
    rules = {f["ruleName"].split("[")[0] for f in acknowledged}
    assert rules <= {"AwsSolutions-IAM5", "AwsSolutions-L1"}, rules


def test_cfn_lint_finds_no_errors(synth: Synth) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(synth.outdir / "Kroless.template.json", config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    errors = [f"{m.rule.id} {m.message} ({m.path_string})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
