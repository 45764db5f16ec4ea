"""Self-healing under faults, many trials (plain script; prints a Markdown table).

    .venv/bin/python bench/bench_faults.py [--trials N] [--seed S]

The scenarios of tests/faults (:mod:`kroless_cli.testing.fault_scenario`), on one local cloud, each trial a new
instance with its own seed: the Kubernetes API answering 500/409/429 on 30 % of the requests, AWS (S3, SNS)
throttling (S3 503 SlowDown, SNS 400 Throttling) or answering 500/503 on 30 %, the reconcile function killed right after a mutating call (the points cycled through),
and a Secret and an externalRef ConfigMap created 3 s after the apply. A trial converged when the instance was
ACTIVE (the resync invoked, as its schedule would, for an instance that ended in ERROR), every resource existed
exactly once, and nothing was left after its delete. Time to ACTIVE: from the apply's PutEvents, resync included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli"), str(REPO)]

from kroless_cli.localcloud.cloud import LocalCloud  # noqa: E402
from kroless_cli.testing.fault_scenario import LATE_RGD, MIXED_RGD, converge, footprint, instance  # noqa: E402
from kroless_cli.testing.faults import (  # noqa: E402
    CrashPoints,
    aws_faults,
    crash_after_mutations,
    kubernetes_faults,
)

MIXED_FOOTPRINT = {"Bucket": 1, "Topic": 1, "ConfigMap": 1, "Service": 1}
LATE_FOOTPRINT = {"DBInstance": 1, "ConfigMap": 2, "Secret": 1}
TIME_SCALE = 0.1  # the machines' waits and retry intervals, as in the end-to-end tests


def late_dependencies(cloud: LocalCloud, name: str) -> AbstractContextManager[Any]:
    @contextmanager
    def created_later() -> Iterator[None]:
        cluster = cloud.kubernetes.cluster

        def create() -> None:
            secret = {"name": f"{name}-db-password", "namespace": "default"}
            cluster.add({"apiVersion": "v1", "kind": "Secret", "metadata": secret, "stringData": {"password": "pw-123456"}})
            settings = {"name": f"{name}-settings", "namespace": "default"}
            cluster.add({"apiVersion": "v1", "kind": "ConfigMap", "metadata": settings, "data": {"size": "large"}})

        timer = threading.Timer(3.0, create)
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    return created_later()


def trial(
    cloud: LocalCloud, rgd: dict[str, Any], name: str, expected: dict[str, int], faults: AbstractContextManager[Any]
) -> tuple[bool, float, str]:
    """(converged, seconds to ACTIVE, what went wrong)."""
    manifest = instance(rgd, name)
    start = time.monotonic()
    with faults:
        state, _ = converge(cloud, manifest)
    elapsed = time.monotonic() - start
    if state != "ACTIVE":
        return False, elapsed, f"{name}: {state}"
    made = footprint(cloud, name)
    if made != expected:
        return False, elapsed, f"{name}: made {made}"
    cloud.delete(manifest)
    left = footprint(cloud, name)
    kept = {"ConfigMap": 1, "Secret": 1} if rgd is LATE_RGD else {}  # the user's own objects stay
    if left != kept:
        return False, elapsed, f"{name}: left {left}"
    return True, elapsed, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10, help="trials per scenario")
    parser.add_argument("--seed", type=int, default=1000, help="first seed")
    args = parser.parse_args()

    rows = []
    with LocalCloud(kubernetes_ready_delay=0.05, time_scale=TIME_SCALE) as cloud:
        cloud.register(MIXED_RGD)
        cloud.register(LATE_RGD)
        with crash_after_mutations(CrashPoints()) as baseline:
            converge(cloud, instance(MIXED_RGD, "baseline"), resyncs=0)
        cloud.delete(instance(MIXED_RGD, "baseline"))
        points = len(baseline.calls)

        scenarios: list[tuple[str, dict[str, Any], dict[str, int], Callable[[int, str], AbstractContextManager[Any]]]] = [
            ("Kubernetes 500/409/429 on 30 % of requests", MIXED_RGD, MIXED_FOOTPRINT,
             lambda seed, name: kubernetes_faults(cloud.kubernetes, rate=0.3, seed=seed)),
            ("AWS throttling or 5xx on 30 % of S3 and SNS requests", MIXED_RGD, MIXED_FOOTPRINT,
             lambda seed, name: aws_faults(rate=0.3, seed=seed, services=("s3", "sns"))),
            (f"reconcile killed after a mutating call (the {points} points in turn)", MIXED_RGD, MIXED_FOOTPRINT,
             lambda seed, name: crash_after_mutations(CrashPoints(at=1 + seed % points))),
            ("a Secret and a ConfigMap created 3 s after the apply", LATE_RGD, LATE_FOOTPRINT,
             lambda seed, name: late_dependencies(cloud, name)),
            ("no fault (reference)", MIXED_RGD, MIXED_FOOTPRINT, lambda seed, name: nullcontext()),
        ]
        for number, (title, rgd, expected, faults) in enumerate(scenarios):
            converged, times, failures = 0, [], []
            for i in range(args.trials):
                seed = args.seed + i
                name = f"s{number}-t{i}"
                ok, elapsed, why = trial(cloud, rgd, name, expected, faults(seed, name))
                converged += ok
                times.append(elapsed)
                if not ok:
                    failures.append(f"seed {seed}: {why}")
            rows.append((title, args.trials, converged, statistics.median(times), max(times), failures))
            print(f"{title}: {converged}/{args.trials}", file=sys.stderr, flush=True)

    print("| scenario | trials | converged | median time to ACTIVE | max |")
    print("|---|---|---|---|---|")
    for title, trials, converged, median, longest, _ in rows:
        print(f"| {title} | {trials} | {converged} | {median:.1f} s | {longest:.1f} s |")
    for title, *_, failures in rows:
        for failure in failures:
            print(f"- {title}: {failure}")


if __name__ == "__main__":
    main()
