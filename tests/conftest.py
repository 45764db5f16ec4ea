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


@pytest.fixture
def kro_examples() -> Path:
    if not KRO_EXAMPLES.is_dir():
        pytest.skip(f"Kro's examples not found at {KRO_EXAMPLES} (set KRO_EXAMPLES)")
    return KRO_EXAMPLES
