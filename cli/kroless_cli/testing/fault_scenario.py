"""The scenario the fault suite (tests/faults) and bench/bench_faults.py run under injected faults
(:mod:`kroless_cli.testing.faults`): a small RGD mixing AWS and Kubernetes resources, an RGD whose dependencies
appear late, and what a trial checks: ACTIVE, every resource exactly once, nothing left after delete.

``mixed``: an S3 bucket (created, then tagged in a second call), an SNS topic, a ConfigMap reading both, and a
Service after it. ``late``: a ConfigMap read through an externalRef and an RDS instance whose master password
comes from a Secret with no graph edge (as Kro's rds-postgres example reads it); the test creates both seconds
after the apply.
"""

from __future__ import annotations

import time
from typing import Any

import yaml

from kroless.store import InstanceKey
from kroless_cli.localcloud.cloud import LocalCloud

MIXED_RGD = yaml.safe_load(
    """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: mixed.faults.kro.run
spec:
  schema:
    apiVersion: v1alpha1
    kind: Mixed
    spec:
      name: string
    status:
      topicARN: ${topic.status.ackResourceMetadata.arn}
  resources:
    - id: bucket
      template:
        apiVersion: s3.services.k8s.aws/v1alpha1
        kind: Bucket
        metadata:
          name: ${schema.spec.name}-bucket
        spec:
          name: kroless-faults-${schema.spec.name}
    - id: topic
      template:
        apiVersion: sns.services.k8s.aws/v1alpha1
        kind: Topic
        metadata:
          name: ${schema.spec.name}-topic
        spec:
          name: ${schema.spec.name}-events
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-config
        data:
          bucket: ${bucket.spec.name}
          topic: ${topic.status.ackResourceMetadata.arn}
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata:
          name: ${schema.spec.name}-web
          annotations:
            config: ${config.metadata.name}
        spec:
          ports:
            - port: 80
"""
)

LATE_RGD = yaml.safe_load(
    """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: late.faults.kro.run
spec:
  schema:
    apiVersion: v1alpha1
    kind: Late
    spec:
      name: string
    status:
      endpoint: ${db.status.endpoint.address}
  resources:
    - id: settings
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-settings
    - id: db
      readyWhen:
        - ${db.status.dbInstanceStatus == "available"}
      template:
        apiVersion: rds.services.k8s.aws/v1alpha1
        kind: DBInstance
        metadata:
          name: ${schema.spec.name}-db
        spec:
          dbInstanceIdentifier: ${schema.spec.name}-db
          dbInstanceClass: db.t4g.micro
          engine: postgres
          allocatedStorage: 20
          masterUsername: postgres
          masterUserPassword:
            name: ${schema.spec.name}-db-password
            key: password
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-config
        data:
          size: ${settings.data.size}
          endpoint: ${db.status.endpoint.address}
"""
)


def instance(rgd: dict[str, Any], name: str) -> dict[str, Any]:
    api_version = "kro.run/" + rgd["spec"]["schema"]["apiVersion"]
    kind = rgd["spec"]["schema"]["kind"]
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "default"}, "spec": {"name": name}}


def footprint(cloud: LocalCloud, name: str) -> dict[str, int]:
    """How many of each resource instance ``name`` of either RGD made exist, counted in moto and in the
    emulated cluster (call it with no AWS faults injected: these are the administrator's calls)."""
    session = cloud.session
    buckets = [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]
    topics = [t["TopicArn"] for t in session.client("sns").list_topics()["Topics"]]
    databases = [d["DBInstanceIdentifier"] for d in session.client("rds").describe_db_instances()["DBInstances"]]
    objects = [
        o["kind"] for o in cloud.kubernetes.cluster.objects() if o["metadata"]["name"].startswith(f"{name}-")
    ]
    counts = {
        "Bucket": buckets.count(f"kroless-faults-{name}"),
        "Topic": sum(1 for t in topics if t.endswith(f":{name}-events")),
        "DBInstance": databases.count(f"{name}-db"),
    }
    for kind in objects:
        counts[kind] = counts.get(kind, 0) + 1
    return {kind: count for kind, count in counts.items() if count}


def settled(cloud: LocalCloud, manifest: dict[str, Any], timeout: float) -> str:
    """The instance's state once its current generation has settled (ACTIVE or ERROR), or its state at
    ``timeout``."""
    key = InstanceKey.from_manifest(manifest)
    deadline = time.monotonic() + timeout
    while True:
        record = cloud.store.get_instance(key)
        state = record.state if record is not None else "NOT_ADMITTED"
        done = record is not None and record.observed_generation == record.generation and state in ("ACTIVE", "ERROR")
        if done or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def execution_stopped(cloud: LocalCloud, manifest: dict[str, Any], timeout: float) -> None:
    """Wait until the instance's recorded execution has stopped: the instance is ERROR once "Record failure"
    wrote it, a moment before its execution ends, and the resync leaves a running execution alone."""
    record = cloud.store.get_instance(InstanceKey.from_manifest(manifest))
    if record is None or record.execution is None:
        return
    sfn = cloud.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while sfn.describe_execution(executionArn=record.execution)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)


def converge(cloud: LocalCloud, manifest: dict[str, Any], *, timeout: float = 90, resyncs: int = 3) -> tuple[str, int]:
    """Apply ``manifest`` and wait; an instance that ends in ERROR is left to the resync, invoked as its schedule
    would (at most ``resyncs`` times). Returns the final state and the resyncs it took."""
    state = cloud.apply(manifest, timeout=timeout)["state"]
    used = 0
    while state != "ACTIVE" and used < resyncs:
        used += 1
        execution_stopped(cloud, manifest, timeout)  # as the hourly schedule finds it: "Record failure" wrote ERROR
        cloud.resync()
        state = settled(cloud, manifest, timeout)
    return state, used
