"""Many instances at once (the scale bench's scenario, small): applied together through EventBridge, every one
reaches ACTIVE with each of its resources made exactly once, and deleting them all leaves nothing behind. The
full run (1,000 instances, with its numbers) is bench/bench_scale.py."""

from __future__ import annotations

import time
from collections import Counter

from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.testing.scale_scenario import RGD, footprint, instance_states, put_all
from tests.e2e.conftest import REGION, TIME_SCALE

INSTANCES = 12
KINDS = {"Topic", "Queue", "ConfigMap config", "Service web", "ConfigMap summary"}


def wait_for(cloud: LocalCloud, done: str | None, timeout: float = 120) -> Counter[str]:
    """Instance states once every instance is ``done`` (None: gone), or at ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        states = instance_states(cloud)
        finished = (states.get(done, 0) == INSTANCES) if done else not states
        if finished or time.monotonic() > deadline:
            return states
        time.sleep(0.2)


def test_instances_applied_together_are_each_made_once_and_all_deleted() -> None:
    names = [f"many{i:02d}" for i in range(INSTANCES)]
    # bounded as the bench runs (fewer executions evaluating than instances started): the queued ones too are
    # each made once
    with LocalCloud(
        region=REGION, kubernetes_ready_delay=0.05, time_scale=TIME_SCALE, lambda_concurrency=4, execution_concurrency=3
    ) as cloud:
        cloud.register(RGD)
        put_all(cloud, "Instance Applied", names)
        assert wait_for(cloud, "ACTIVE") == {"ACTIVE": INSTANCES}
        made = footprint(cloud, names)
        assert set(made) == KINDS
        for kind, per_instance in made.items():
            assert per_instance == Counter({name: 1 for name in names}), kind
        assert cloud.aws.async_errors == []

        put_all(cloud, "Instance Deleted", names)
        assert wait_for(cloud, None) == Counter()
        assert footprint(cloud, names) == {}
