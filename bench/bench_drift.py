"""Drift benchmark on the local cloud, with Kro's Dogs-vs-Cats stack.

    .venv/bin/python bench/bench_drift.py [--runs N]

1. injected event -> healed: delete the RDS instance, inject the CloudTrail DeleteDBInstance event, time
   until the owning instance has reconciled a new generation and is ACTIVE (median of N runs; the debounce
   window is set to 0.5 s so consecutive runs are not debounced into each other);
2. reconciles per burst of 100 DeleteDBInstance events on one instance (goal 1), default 60 s window;
3. the drift function's cold import time (``python -X importtime``, cumulative, fresh interpreter).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]


def cold_import_ms() -> float:
    code = "import sys; sys.path.insert(0, 'functions/drift'); import app"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_METRICS_NAMESPACE": "kroless"}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=REPO, capture_output=True, text=True, check=True, env=env
    ).stderr
    line = [ln for ln in out.splitlines() if re.search(r"\|\s+app$", ln)][-1]
    return int(line.split("|")[1]) / 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from kroless_cli import drift_scene as scene
    from kroless_cli.demo import dogs_vs_cats_active, kro_examples
    from kroless_cli.localcloud.cloud import LocalCloud

    with LocalCloud(kubernetes_ready_delay=0.05, drift_window=0.5) as cloud:
        dogs_vs_cats_active(cloud, kro_examples())
        seconds = []
        for _ in range(args.runs):
            time.sleep(0.6)  # past the debounce window
            healed = scene.delete_db_instance(cloud)
            assert healed.restored, healed
            seconds.append(healed.seconds)
        time.sleep(0.6)
        os.environ["KROLESS_DRIFT_WINDOW_SECONDS"] = "60"  # the default window for the burst
        burst = scene.delete_db_instance(cloud, burst=100)
        assert burst.restored, burst
    print("| measure | value |")
    print("|---|---|")
    print(f"| injected DeleteDBInstance -> healed (RDSPostgres ACTIVE again), median of {args.runs} | {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}) |")
    print(f"| reconciles per burst of 100 events on one instance (goal 1) | {burst.reconciles} ({burst.reports} drift reports) |")
    print(f"| drift function cold import (`python -X importtime`, cumulative) | {cold_import_ms():.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
