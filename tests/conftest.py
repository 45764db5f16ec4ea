"""Shared paths for the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
EXAMPLES = REPO / "examples"
# Kro's own example RGDs live in ../shared (verbatim copies); CI has them beside the clone.
KRO_EXAMPLES = Path(os.environ.get("KRO_EXAMPLES", REPO.parent / "shared" / "kro-examples"))
# ACK's CRDs (config/crd/bases of each controller, verbatim), what kroless/schemas/ack.json.gz is generated from
ACK_CRDS = Path(os.environ.get("ACK_CRDS", REPO.parent / "shared" / "ack-crds"))


def missing(what: str) -> None:
    """Something the suite reads from outside the repository is not there: a skip on a laptop, a failure in CI
    (CI=true), where a silently skipped test would pass for a green one."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} (CI must have it)")
    pytest.skip(what)


@pytest.fixture
def kro_examples() -> Path:
    if not KRO_EXAMPLES.is_dir():
        missing(f"Kro's examples not found at {KRO_EXAMPLES} (set KRO_EXAMPLES)")
    return KRO_EXAMPLES


@pytest.fixture
def ack_crds() -> Path:
    if not ACK_CRDS.is_dir():
        missing(f"ACK CRDs not found at {ACK_CRDS} (set ACK_CRDS)")
    return ACK_CRDS

