"""One local cloud for the fault suite, with the two RGDs of the scenario registered
(:mod:`kroless_cli.testing.fault_scenario`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.testing.fault_scenario import LATE_RGD, MIXED_RGD
from tests.e2e.conftest import REGION, TIME_SCALE


@pytest.fixture(scope="package")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(region=REGION, kubernetes_ready_delay=0.05, time_scale=TIME_SCALE) as local:
        local.register(MIXED_RGD)
        local.register(LATE_RGD)
        yield local
