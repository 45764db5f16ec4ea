"""The drift construct in the synthesized stack: rules per service from the kind table, the functions,
the resync schedule, and what each role may do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.kind_actions import select_kinds
from kroless.drift import cloudtrail, identity

from .conftest import ALLOWED_SERVICES, Synth

EVENTS = Path(__file__).resolve().parents[2] / "events" / "cloudtrail"


def _drift_rules(synth: Synth) -> list[dict[str, Any]]:
    rules = [r["Properties"] for r in synth.resources("AWS::Events::Rule").values()]
    return [r for r in rules if r["EventPattern"].get("detail-type") == [cloudtrail.DETAIL_TYPE]]


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    detail = event["detail"]
    return (
        event["source"] in pattern["source"]
        and detail["eventSource"] in pattern["detail"]["eventSource"]
        and detail["eventName"] in pattern["detail"]["eventName"]
    )


def test_one_rule_per_allowed_service_from_the_kind_table(synth: Synth) -> None:
    rules = _drift_rules(synth)
    services = {r["EventPattern"]["source"][0] for r in rules}
    assert services == {"aws.ec2", "aws.rds", "aws.elasticache", "aws.s3"}  # allowedServices + s3/Bucket
    rds = next(r for r in rules if r["EventPattern"]["source"] == ["aws.rds"])
    assert rds["EventPattern"]["detail"]["eventName"] == identity.watched_calls(select_kinds(("rds",)))["rds"]
    assert {"DeleteDBInstance", "ModifyDBInstance"} <= set(rds["EventPattern"]["detail"]["eventName"])


def test_samples_of_allowed_services_reach_the_drift_rules_and_others_do_not(synth: Synth) -> None:
    rules = _drift_rules(synth)
    for path in EVENTS.glob("*.json"):
        event = json.loads(path.read_text())
        service = cloudtrail.service_of(event["detail"]["eventSource"])
        expected = service in ALLOWED_SERVICES or service == "s3"
        assert any(_matches(r["EventPattern"], event) for r in rules) == expected, path.name


def test_resync_schedule_invokes_the_resync_function_hourly(synth: Synth) -> None:
    (schedule,) = synth.resources("AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(60 minutes)"
    assert "Resync" in json.dumps(props["Target"]["Arn"])


def test_drift_functions_know_kroless_own_role(synth: Synth) -> None:
    functions = synth.resources("AWS::Lambda::Function").values()
    drift = [f for f in functions if "KROLESS_DRIFT_WINDOW_SECONDS" in f["Properties"]["Environment"]["Variables"]]
    assert len(drift) == 2
    for function in drift:
        variables = function["Properties"]["Environment"]["Variables"]
        assert "ReconcileNodeRole" in json.dumps(variables["KROLESS_RECONCILE_ROLE_ARN"])
        assert variables["KROLESS_DRIFT_WINDOW_SECONDS"] == "60"
