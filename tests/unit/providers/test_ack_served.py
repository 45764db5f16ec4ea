"""The shipped answer to "which ACK kinds are served" (kroless/schemas/ack_served.json.gz, tools/gen_ack_served.py)
is a fresh derivation's, and so is its report docs/ack-kinds.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kroless.schemas.ack_served import kind_reports

REPO = Path(__file__).resolve().parents[3]


def test_the_shipped_file_and_report_match_a_fresh_derivation(tmp_path: Path) -> None:
    """Stale after a botocore upgrade or a derivation change: run tools/gen_ack_served.py."""
    out, report = tmp_path / "ack_served.json.gz", tmp_path / "ack-kinds.md"
    tool = [sys.executable, str(REPO / "tools/gen_ack_served.py"), "--output", str(out), "--report", str(report)]
    subprocess.run(tool, check=True, capture_output=True)
    assert out.read_bytes() == (REPO / "layers/core/kroless/schemas/ack_served.json.gz").read_bytes()
    assert report.read_text() == (REPO / "docs/ack-kinds.md").read_text()


def test_every_unserved_kind_says_why_and_every_served_one_has_its_calls() -> None:
    reports = kind_reports()
    assert len(reports) == 257 and all(r.reason for r in reports if not r.served)
    served = [r for r in reports if r.served]
    assert all(r.operations.get("create") and r.operations.get("read") and r.operations.get("delete") for r in served)
