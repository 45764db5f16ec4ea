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

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "core"))


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
    from kroless.demo import DOGS_VS_CATS, kro_examples
    from kroless.drift import scene
    from kroless.localcloud.cloud import LocalCloud
    from kroless.model import load_path

    with LocalCloud(kubernetes_ready_delay=0.05, drift_window=0.5) as cloud:
        ec2 = cloud.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{cloud.region}{z}")["Subnet"]["SubnetId"]
            for i, z in enumerate("ab")
        ]
        for relative in DOGS_VS_CATS:
            for document in load_path(str(kro_examples() / relative)):
                cloud.put("ResourceGraphDefinition Applied", document.body)
                cloud.settle()
        app = yaml.safe_load((REPO / "examples" / "dogsvscats" / "app.yaml").read_text())
        app["spec"]["vpcID"], app["spec"]["subnetIDs"] = vpc, subnets
        cloud.put("Instance Applied", app)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            instances = cloud.store.list_instances()
            if len(instances) == 6 and all(i.state == "ACTIVE" for i in instances):
                break
            time.sleep(0.1)
        cloud.settle()
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
