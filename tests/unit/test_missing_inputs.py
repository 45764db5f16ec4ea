"""What the suite reads from beside the repository (../shared) is skipped on a laptop but fails CI."""

from __future__ import annotations

import pytest

from tests.conftest import missing


def test_a_missing_input_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Kro's examples not found .*CI must have it"):
        missing("Kro's examples not found at /nowhere")


def test_a_missing_input_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        missing("Kro's examples not found at /nowhere")
