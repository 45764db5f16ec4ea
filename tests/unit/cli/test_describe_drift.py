"""`kroless describe` shows an instance's last drift reports: when, which node, what changed, who did it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kroless.store import InstanceKey
from kroless.store.records import DriftRecord
from kroless_cli.commands.cloud import _print_drift

KEY = InstanceKey("kro.run", "v1alpha1", "RDSPostgres", "default", "pets-postgres")


def record(at: str, node: str, change: str, who: str) -> DriftRecord:
    report = {"source": "cloudtrail", "node": node, "change": change, "who": who}
    return DriftRecord(key=KEY, node_id=node, detected_at=at, report=report, expires_at=0)


def test_describe_lists_the_last_five_reports(capsys: pytest.CaptureFixture[str]) -> None:
    reports = [record(f"2026-11-26T06:0{i}:00Z", "dbinstance", "DeleteDBInstance", "arn:aws:iam::1:user/alice") for i in range(7)]
    store = SimpleNamespace(list_drift=lambda key: reports)
    _print_drift(SimpleNamespace(store=store), KEY)  # type: ignore[arg-type]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Drift (last 5 of 7):"
    assert lines[1].split() == ["2026-11-26T06:02:00Z", "dbinstance", "DeleteDBInstance", "by", "arn:aws:iam::1:user/alice"]
    assert len(lines) == 6


def test_no_reports_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    _print_drift(SimpleNamespace(store=SimpleNamespace(list_drift=lambda key: [])), KEY)  # type: ignore[arg-type]
    assert capsys.readouterr().out == ""
