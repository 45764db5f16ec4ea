"""``make demo``: Kro's Dogs-vs-Cats stack through kroless on the local cloud, with no AWS account.

1. The local cloud starts: moto (EventBridge, Step Functions executing, Lambda running kroless's real
   handlers, DynamoDB, EC2/RDS/ElastiCache) and the Kubernetes API emulator.
2. The VPC and subnets the stack expects are created.
3. The six Dogs-vs-Cats RGDs are registered verbatim from Kro's examples through EventBridge
   ("ResourceGraphDefinition Applied" → compile function → one state machine per RGD).
4. One DogsvsCatsApp is applied through EventBridge ("Instance Applied" → admit → its state machine), and
   per-node progress is shown until it is ACTIVE; then its status.
5. Drift: the RDS instance is deleted and a security-group rule revoked behind kroless's back (the local
   cloud injects the CloudTrail events a real account would deliver), and a Deployment is deleted (found by
   the resync backstop); each comes back with one reconcile.
6. It is deleted ("Instance Deleted" → the reverse order), and the demo proves nothing is left.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kroless.model import load_path

if TYPE_CHECKING:
    from kroless.store import InstanceKey
    from kroless_cli.localcloud.cloud import LocalCloud

DOGS_VS_CATS = (
    "aws/rds-postgres/rg.yaml",
    "aws/elasticache-serverless/rg.yaml",
    "kubernetes/dogsvscats/vote-app",
    "kubernetes/dogsvscats/result-app",
    "kubernetes/dogsvscats/worker-app",
    "aws/dogsvscats-appstack/dogsvscats-rg.yaml",
)


def app_dir() -> Path:
    """The kroless project the demo deploys (its CDK app, its examples/), as the local cloud finds it."""
    from kroless_cli.localcloud.stack import find_app

    return find_app()


def kro_examples() -> Path:
    """Kro's example RGDs: $KRO_EXAMPLES, else the shared/ folder beside the project."""
    path = Path(os.environ.get("KRO_EXAMPLES", app_dir().parent / "shared" / "kro-examples"))
    if not path.is_dir():
        raise SystemExit(f"Kro's examples not found at {path}: set KRO_EXAMPLES to a copy of kro's examples/")
    return path


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _network(cloud: Any) -> tuple[str, list[str]]:
    ec2 = cloud.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{cloud.region}{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    return vpc, subnets


def dogs_vs_cats_active(cloud: LocalCloud, examples: Path, *, timeout: float = 300) -> InstanceKey:
    """The demo's stack without its narration (benchmarks, tests): register the six RGDs, apply the app in a
    new VPC, wait until it and its five nested instances are ACTIVE; returns the app's key."""
    from kroless.store import InstanceKey

    vpc, subnets = _network(cloud)
    for relative in DOGS_VS_CATS:
        for document in load_path(str(examples / relative)):
            cloud.put("ResourceGraphDefinition Applied", document.body)
            cloud.settle()
    app: dict[str, Any] = yaml.safe_load((app_dir() / "examples" / "dogsvscats" / "app.yaml").read_text())
    app["spec"]["vpcID"], app["spec"]["subnetIDs"] = vpc, subnets
    cloud.put("Instance Applied", app)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        instances = cloud.store.list_instances()
        if len(instances) == len(DOGS_VS_CATS) and all(i.state == "ACTIVE" for i in instances):
            break
        time.sleep(0.1)
    cloud.settle()
    return InstanceKey.from_manifest(app)


def _leftovers(cloud: Any) -> list[str]:
    """Everything the stack could have created that still exists (empty when deletion was complete)."""
    left = [f"instance {i.key}" for i in cloud.store.list_instances()]
    rds = cloud.client("rds")
    left += [f"RDS DBInstance {d['DBInstanceIdentifier']}" for d in rds.describe_db_instances()["DBInstances"]]
    left += [f"RDS DBSubnetGroup {g['DBSubnetGroupName']}" for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]]
    groups = cloud.client("ec2").describe_security_groups()["SecurityGroups"]
    left += [f"EC2 SecurityGroup {g['GroupName']}" for g in groups if g["GroupName"] != "default"]
    caches = cloud.client("elasticache").describe_serverless_caches()["ServerlessCaches"]
    left += [f"ElastiCache ServerlessCache {c['ServerlessCacheName']}" for c in caches]
    left += [
        f"Kubernetes {o['kind']} {o['metadata'].get('namespace', '')}/{o['metadata']['name']}"
        for o in cloud.kubernetes.cluster.objects()
        if o["kind"] != "Namespace"
    ]
    return left


def _wait_for_status(cloud: LocalCloud, key: InstanceKey, fields: tuple[str, ...], timeout: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = cloud.store.get_instance(key)
        status = (record.status if record is not None else None) or {}
        if all(status.get(field) for field in fields):
            return {field: status[field] for field in fields}
        time.sleep(0.5)
    return None


def main() -> int:
    from kroless.store import InstanceKey
    from kroless_cli.commands.cloud import _follow
    from kroless_cli.commands.target import Target
    from kroless_cli.localcloud.cloud import LocalCloud

    examples = kro_examples()
    started = time.monotonic()
    step("Starting the local cloud (moto: EventBridge, Step Functions, Lambda, DynamoDB, EC2, RDS, ElastiCache; Kubernetes API emulator)")
    with LocalCloud(kubernetes_ready_delay=1.0) as cloud:
        target = Target(
            "local",
            cloud.session,
            bus=cloud.bus,
            table=cloud.table,
            region=cloud.region,
            state_machine_prefix=cloud.outputs["StateMachinePrefix"],
            kubernetes_url=cloud.kubernetes.url,
        )
        vpc, subnets = _network(cloud)
        print(f"  VPC {vpc}, subnets {', '.join(subnets)}")

        step("Registering the six Dogs-vs-Cats RGDs, verbatim from Kro's examples (EventBridge -> compile)")
        for relative in DOGS_VS_CATS:
            for document in load_path(str(examples / relative)):
                target.put("ResourceGraphDefinition Applied", document.body)
                cloud.settle()
                rgd = cloud.store.get_rgd(document.name)
                if rgd is None:
                    print(f"  {relative}: not registered: {cloud.aws.async_errors[-1:]}", file=sys.stderr)
                    return 1
                order = " -> ".join(rgd.compiled["topologicalOrder"])
                print(f"  {document.name:<32} state machine ready   order: {order}")

        app: dict[str, Any] = yaml.safe_load((app_dir() / "examples" / "dogsvscats" / "app.yaml").read_text())
        app["spec"]["vpcID"], app["spec"]["subnetIDs"] = vpc, subnets
        key = InstanceKey.from_manifest(app)
        step(f"Applying DogsvsCatsApp {key.namespace}/{key.name} (EventBridge -> admit -> Step Functions -> one Lambda task per node)")
        target.put("Instance Applied", app)
        record = _follow(target, key, None, timeout=600, order=[])
        if record is None or record.state != "ACTIVE":
            print("  the app did not become ACTIVE", file=sys.stderr)
            return 1
        print("  status:")
        for field, value in record.status.items():
            if field != "conditions":
                print(f"    {field}: {value}")
        # The apps' URLs come from their Ingresses' load balancer hostnames, which arrive after the Ingresses
        # were ready: the executions' status refresh re-reads them, as Kro's watch would.
        active_at = time.monotonic()
        urls = _wait_for_status(cloud, key, ("voteURL", "resultURL"), timeout=60)
        if urls is None:
            print("  voteURL/resultURL did not arrive", file=sys.stderr)
            return 1
        print(f"  after the status refresh (+{time.monotonic() - active_at:.1f} s):")
        for field, value in urls.items():
            print(f"    {field}: {value}")
        children = [i for i in cloud.store.list_instances() if i.key != key]
        print(f"  nested instances, each with its own execution: {', '.join(f'{c.key.kind}={c.state}' for c in children)}")

        step("Drift: break things behind kroless's back (CloudTrail events as a real account delivers them; the resync for Kubernetes)")
        from kroless_cli.drift_scene import drift_scene

        healed = drift_scene(cloud, target, key)
        if not all(h.restored for h in healed):
            print("  drift was not healed", file=sys.stderr)
            return 1

        step("Deleting it (EventBridge -> admit -> the graph in reverse order)")
        target.put("Instance Deleted", app)
        deadline = time.monotonic() + 600
        while cloud.store.get_instance(key) is not None and time.monotonic() < deadline:
            time.sleep(0.5)
        leftovers = _leftovers(cloud)
        while leftovers and time.monotonic() < deadline:  # nested children finish their own deletions
            time.sleep(0.5)
            leftovers = _leftovers(cloud)
        if leftovers:
            print("  left behind:\n    " + "\n    ".join(leftovers), file=sys.stderr)
            return 1
        print("  nothing left: no instance in the table, no RDS/ElastiCache/security group in AWS, no Kubernetes object")
        print(f"\nDone in {time.monotonic() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
