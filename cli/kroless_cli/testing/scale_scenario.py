"""The scenario of the scale bench (bench/bench_scale.py) and its smoke test (tests/faults/test_scale.py): many
instances of one small RGD mixing AWS and Kubernetes kinds applied at once through EventBridge, and how many of
each resource they made, counted in moto and in the emulated cluster.

``scale``: an SNS topic and an SQS queue, a ConfigMap reading both, a Service after it, and a second ConfigMap
reading the Service's uid and the queue's status (5 nodes; the topic and the queue in parallel).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import yaml

from kroless.settings import EVENT_SOURCE_REQUESTS
from kroless_cli.localcloud.cloud import LocalCloud

RGD = yaml.safe_load(
    """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: scale.bench.kro.run
spec:
  schema:
    apiVersion: v1alpha1
    kind: ScaleApp
    spec:
      name: string
    status:
      topicARN: ${topic.status.ackResourceMetadata.arn}
      queueARN: ${queue.status.queueARN}
  resources:
    - id: topic
      template:
        apiVersion: sns.services.k8s.aws/v1alpha1
        kind: Topic
        metadata:
          name: ${schema.spec.name}-topic
        spec:
          name: ${schema.spec.name}-events
    - id: queue
      template:
        apiVersion: sqs.services.k8s.aws/v1alpha1
        kind: Queue
        metadata:
          name: ${schema.spec.name}-queue
        spec:
          queueName: ${schema.spec.name}-work
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-config
        data:
          topic: ${topic.status.ackResourceMetadata.arn}
          queue: ${queue.status.queueARN}
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
    - id: summary
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-summary
        data:
          service: ${service.metadata.uid}
          queue: ${queue.status.queueARN}
"""
)
NAMESPACE = "default"
BATCH = 10  # PutEvents takes at most 10 entries per call


def manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ScaleApp",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"name": name},
    }


def put_all(cloud: LocalCloud, detail_type: str, names: list[str]) -> float:
    """Every request on the bus in PutEvents batches of 10; seconds it took. A refused entry is an error."""
    events = cloud.client("events")
    started = time.monotonic()
    for first in range(0, len(names), BATCH):
        entries = [
            {
                "Source": EVENT_SOURCE_REQUESTS,
                "DetailType": detail_type,
                "Detail": json.dumps({"manifest": manifest(name)}),
                "EventBusName": cloud.bus,
            }
            for name in names[first : first + BATCH]
        ]
        result = events.put_events(Entries=entries)
        if result.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents refused entries: {[e for e in result['Entries'] if 'ErrorCode' in e]}")
    return time.monotonic() - started


def instance_states(cloud: LocalCloud) -> Counter[str]:
    """Instances by state (settled = the current generation observed)."""
    states: Counter[str] = Counter()
    for record in cloud.store.list_instances(RGD["metadata"]["name"]):
        settled = record.observed_generation == record.generation
        states[record.state if settled else f"{record.state} (unsettled)"] += 1
    return states


def footprint(cloud: LocalCloud, names: list[str]) -> dict[str, Counter[str]]:
    """How many topics, queues and Kubernetes objects each instance has, counted in moto and the emulator."""
    wanted = set(names)
    session = cloud.session
    made: dict[str, Counter[str]] = {}

    def count(kind: str, name: str, suffix: str) -> None:
        if name.endswith(suffix) and name[: -len(suffix)] in wanted:
            made.setdefault(kind, Counter())[name[: -len(suffix)]] += 1

    for page in session.client("sns").get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            count("Topic", topic["TopicArn"].rsplit(":", 1)[1], "-events")
    for page in session.client("sqs").get_paginator("list_queues").paginate(MaxResults=1000):
        for url in page.get("QueueUrls", []):
            count("Queue", url.rsplit("/", 1)[1], "-work")
    for obj in cloud.kubernetes.cluster.objects():
        name = obj["metadata"]["name"]
        for suffix in ("-config", "-web", "-summary"):
            count(f"{obj['kind']} {suffix[1:]}", name, suffix)
    return made
